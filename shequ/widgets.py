from django import forms


class DatePicker(forms.DateInput):
    """The browser's date picker, which reads and writes ISO dates whatever the language."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class MultipleFiles(forms.ClearableFileInput):
    allow_multiple_selected = True


class FilesField(forms.FileField):
    """Several files from one input; a list (possibly empty) once cleaned."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFiles())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(FilesField, self).clean(each, initial) for each in data if each]
        return [super().clean(data, initial)] if data else []


def photo_input() -> MultipleFiles:
    # On a phone "image/*" offers the camera beside the gallery.
    return MultipleFiles(attrs={"accept": "image/*"})
