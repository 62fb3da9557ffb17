class DomainError(Exception):
    """A rule of the domain refused a change. `message` is Chinese and shown to the user as it is;
    views turn it into a form error or a 4xx page, never a 500."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
