"""The national register number (rijksregisternummer / numéro de registre national).

`parse_national_number` is the one place that decides whether a number is valid. Models, forms,
serializers, imports and the eID certificate reader all go through it (directly or through
`validate_national_number`, its Django validator form).

Layout: ``YYMMDD SSS CC``.
- ``YYMMDD`` is the birth date; month or day may be ``00`` when unknown. Bis numbers (people not in
  the national register) add 20 to the month when the sex was unknown at registration, 40 when
  it was known.
- ``SSS`` is a day counter: odd for men, even for women.
- ``CC`` is ``97 - (N mod 97)`` with N the first nine digits, for births before 2000, and
  ``97 - ((2000000000 + N) mod 97)`` for births in 2000 or later. At most one of the two matches,
  and the one that does gives the century.
"""

import datetime as dt
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Separators people type or paste: "85.07.14-124.29", "850714 124 29".
_SEPARATORS = re.compile(r"[\s.\-/]")


@dataclass(frozen=True)
class NationalNumber:
    """A checked national register number and what it says about its holder."""

    digits: str
    birth_date: dt.date | None
    birth_year: int
    sex: str | None  # "M", "F", or None when the number does not tell
    is_bis: bool

    @property
    def formatted(self) -> str:
        d = self.digits
        return f"{d[0:2]}.{d[2:4]}.{d[4:6]}-{d[6:9]}.{d[9:11]}"

    def __str__(self) -> str:
        return self.digits


def normalize_national_number(raw: object) -> str:
    """Strip the usual separators; does not validate."""
    if not isinstance(raw, str):
        raw = "" if raw is None else str(raw)
    return _SEPARATORS.sub("", raw.strip())


def parse_national_number(raw: object, *, today: dt.date | None = None) -> NationalNumber:
    """Validate a national register number and decode it.

    Raises ``ValidationError`` (with a code) when the format, the check digits or the encoded date
    is wrong, or when the birth date lies in the future.
    """
    digits = normalize_national_number(raw)
    if not digits:
        raise ValidationError(_("Enter a national register number."), code="required")
    if not digits.isascii() or not digits.isdigit():
        raise ValidationError(
            _(
                "A national register number contains only digits "
                "(separators . - and spaces are allowed)."
            ),
            code="not_digits",
        )
    if len(digits) != 11:
        raise ValidationError(
            _("A national register number has 11 digits; this one has %(count)d."),
            code="length",
            params={"count": len(digits)},
        )

    base = int(digits[:9])
    check = int(digits[9:])
    # Which century: the check digits are computed differently for births from 2000 on.
    if 97 - (base % 97) == check:
        century = 1900
    elif 97 - ((2_000_000_000 + base) % 97) == check:
        century = 2000
    else:
        raise ValidationError(
            _(
                "The check digits of this national register number are wrong. "
                "Please check for typing errors."
            ),
            code="checksum",
        )

    year = century + int(digits[0:2])
    month = int(digits[2:4])
    day = int(digits[4:6])
    counter = int(digits[6:9])

    is_bis = False
    sex_known = True
    if month >= 40:
        is_bis, month = True, month - 40
    elif month >= 20:
        is_bis, sex_known, month = True, False, month - 20

    if month > 12 or day > 31:
        raise ValidationError(
            _("This national register number does not encode a possible birth date."),
            code="date",
        )
    birth_date: dt.date | None = None
    if month and day:
        try:
            birth_date = dt.date(year, month, day)
        except ValueError:
            raise ValidationError(
                _("This national register number does not encode a possible birth date."),
                code="date",
            ) from None
    today = today or timezone.localdate()
    if (birth_date and birth_date > today) or year > today.year:
        raise ValidationError(
            _("This national register number encodes a birth date in the future."),
            code="future",
        )
    if counter == 0:
        raise ValidationError(
            _("This national register number has an impossible sequence number (000)."),
            code="counter",
        )

    sex = ("M" if counter % 2 else "F") if sex_known else None
    return NationalNumber(
        digits=digits, birth_date=birth_date, birth_year=year, sex=sex, is_bis=is_bis
    )


def validate_national_number(value: object) -> None:
    """Django validator form of `parse_national_number`; the stored value must be normalised."""
    if parse_national_number(value).digits != value:
        raise ValidationError(
            _("Store the national register number as eleven digits without separators."),
            code="format",
        )


def mask_national_number(digits: str) -> str:
    """Show only what a person needs to recognise their own number: ``85.07.14-***.**``."""
    if len(digits) != 11:
        return "***"
    return f"{digits[0:2]}.{digits[2:4]}.{digits[4:6]}-***.**"
