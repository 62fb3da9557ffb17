from django import forms


class DatePicker(forms.DateInput):
    """The browser's date picker, which reads and writes ISO dates whatever the language."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")
