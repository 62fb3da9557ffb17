from django import forms
from django.utils.translation import gettext_lazy as _

from audit.actions import ACTION_LABELS
from audit.presentation import object_type_choices
from shequ.widgets import DatePicker


class AuditFilterForm(forms.Form):
    username = forms.CharField(label=_("账号"), max_length=150, required=False)
    action = forms.ChoiceField(
        label=_("操作"),
        choices=[("", _("全部操作")), *ACTION_LABELS.items()],
        required=False,
    )
    object_type = forms.ChoiceField(label=_("对象类型"), required=False)
    q = forms.CharField(label=_("对象"), max_length=100, required=False)
    ip = forms.GenericIPAddressField(label=_("IP地址"), required=False)
    start = forms.DateField(label=_("起始日期"), required=False, widget=DatePicker())
    end = forms.DateField(label=_("截止日期"), required=False, widget=DatePicker())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["object_type"].choices = [("", _("全部类型")), *object_type_choices()]

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", _("截止日期不能早于起始日期"))
        return data
