class DomainError(Exception):
    """A rule of the domain refused a change. `message` is Chinese and shown to the user as it is;
    views turn it into a form error or a 4xx page, never a 500."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field  # the form field the message belongs under, if any


def add_to_form(form, error: DomainError) -> None:
    """Show a refused change on the form: under its field when the form has it, else on top."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)
