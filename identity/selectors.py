"""Reads in the identity app."""

from identity.models import Person


def person_get_by_number(*, national_number: str) -> Person | None:
    """The person with this (normalised) national register number, if known here."""
    return Person.objects.filter(national_number=national_number).first()
