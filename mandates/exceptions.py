"""Domain errors of the mandates app. The API maps `MandateConflict` to 409."""


class MandateConflict(Exception):
    """The step does not fit the mandate's current state (accepting a refused mandate, ...)."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)
