"""Domain errors of the companies app. The API maps `Conflict` to 409."""

from django.core.exceptions import ValidationError


class Conflict(Exception):
    """The act does not fit the object's current state (revoking an ended grant, ...)."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


__all__ = ["Conflict", "ValidationError"]
