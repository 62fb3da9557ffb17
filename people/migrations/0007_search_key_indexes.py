from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0006_search_keys"),
    ]

    operations = [
        migrations.AddIndex(
            model_name='resident',
            index=models.Index(fields=['name_initials'], name='resident_initials', opclasses=['varchar_pattern_ops']),
        ),
        migrations.AddIndex(
            model_name='resident',
            index=models.Index(condition=models.Q(('name_initials_alt__gt', '')), fields=['name_initials_alt'], name='resident_initials_alt', opclasses=['varchar_pattern_ops']),
        ),
        migrations.AddIndex(
            model_name='resident',
            index=models.Index(fields=['id_tail'], name='resident_id_tail'),
        ),
        migrations.AddIndex(
            model_name='resident',
            index=models.Index(fields=['phone_tail'], name='resident_phone_tail'),
        ),
    ]
