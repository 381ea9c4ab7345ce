"""The enterprise number (KBO/BCE): the one function that decides whether one is valid.

Ten digits, the first 0 or 1, written ``0403.019.261``; old nine-digit numbers get a leading 0.
The last two digits are ``97 - (first eight digits mod 97)``.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from identity.numbers import parse_national_number

_SEPARATORS = re.compile(r"[\s.\-/]")


def normalize_enterprise_number(raw: object) -> str:
    """Strip separators and an optional ``BE`` prefix; does not validate."""
    if not isinstance(raw, str):
        raw = "" if raw is None else str(raw)
    value = _SEPARATORS.sub("", raw.strip())
    if value[:2].upper() == "BE":
        value = value[2:]
    return value


def parse_enterprise_number(raw: object) -> str:
    """Return the ten-digit enterprise number, or raise ``ValidationError`` with a code."""
    digits = normalize_enterprise_number(raw)
    if not digits:
        raise ValidationError(_("Enter an enterprise number."), code="required")
    if not digits.isascii() or not digits.isdigit():
        raise ValidationError(
            _("An enterprise number contains only digits, such as 0403.019.261."),
            code="not_digits",
        )
    if len(digits) == 9:
        digits = "0" + digits
    if len(digits) != 10:
        raise ValidationError(
            _("An enterprise number has 10 digits; this one has %(count)d."),
            code="length",
            params={"count": len(digits)},
        )
    if digits[0] not in "01":
        raise ValidationError(_("An enterprise number starts with 0 or 1."), code="first_digit")
    if 97 - (int(digits[:8]) % 97) != int(digits[8:]):
        raise ValidationError(
            _(
                "The check digits of this enterprise number are wrong. "
                "Please check for typing errors."
            ),
            code="checksum",
        )
    return digits


def validate_enterprise_number(value: object) -> None:
    """Django validator form of `parse_enterprise_number`; the stored value must be normalised."""
    if parse_enterprise_number(value) != value:
        raise ValidationError(
            _("Store the enterprise number as ten digits without separators."), code="format"
        )


def format_enterprise_number(digits: str) -> str:
    """``0403019261`` → ``0403.019.261``."""
    if len(digits) != 10:
        return digits
    return f"{digits[0:4]}.{digits[4:7]}.{digits[7:10]}"


def parse_party_number(kind: str, number: object) -> str:
    """A party's number as digits: a person's national register number (``kind`` "person") or a
    company's enterprise number (any other kind); raise ``ValidationError`` like the parser it
    uses."""
    if kind == "person":
        return parse_national_number(number).digits
    return parse_enterprise_number(number)
