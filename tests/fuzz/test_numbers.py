"""The number validators: any input is a decoded number or a clean `ValidationError`."""

import datetime as dt

from django.core.exceptions import ValidationError

from hypothesis import given, settings
from hypothesis import strategies as st

from companies.numbers import (
    format_enterprise_number,
    parse_enterprise_number,
    validate_enterprise_number,
)
from identity.numbers import (
    mask_national_number,
    parse_national_number,
    validate_national_number,
)
from tests.fuzz.profiles import budget

TODAY = dt.date(2026, 11, 28)
NATIONAL_CODES = {"required", "not_digits", "length", "checksum", "date", "future", "counter"}
ENTERPRISE_CODES = {"required", "not_digits", "length", "first_digit", "checksum"}

# Digits and the separators people type, with look-alikes that str.isdigit() accepts too.
number_like = st.text(alphabet="0123456789 .-/\t\n\u00a0BEbe\u0663\uff11\u00b2", max_size=20)
anything = st.one_of(
    number_like,
    st.text(max_size=30),
    st.integers(),
    st.floats(allow_nan=True),
    st.binary(max_size=20),
    st.none(),
    st.lists(st.integers(), max_size=3),
)


def _messages_render(error: ValidationError) -> None:
    # A message whose placeholders do not match its params would fail only when shown.
    for message in error.messages:
        assert isinstance(message, str) and message


@settings(max_examples=budget(300))
@given(anything)
def test_parse_national_number_decodes_or_refuses_cleanly_any_input(raw):
    try:
        number = parse_national_number(raw, today=TODAY)
    except ValidationError as error:
        assert error.code in NATIONAL_CODES
        _messages_render(error)
        return
    assert len(number.digits) == 11 and number.digits.isascii() and number.digits.isdigit()
    assert parse_national_number(number.formatted, today=TODAY) == number
    assert mask_national_number(number.digits).endswith("***.**")


@settings(max_examples=budget(200))
@given(
    st.dates(min_value=dt.date(1900, 1, 1), max_value=TODAY),
    st.integers(min_value=1, max_value=998),
)
def test_parse_national_number_reads_back_birth_date_of_any_well_formed_number(born, counter):
    base = f"{born:%y%m%d}{counter:03d}"
    shift = 2_000_000_000 if born.year >= 2000 else 0
    digits = base + f"{97 - (shift + int(base)) % 97:02d}"
    number = parse_national_number(digits, today=TODAY)
    assert number.birth_date == born
    assert number.sex == ("M" if counter % 2 else "F")


@settings(max_examples=budget(200))
@given(anything)
def test_validate_national_number_raises_only_validation_error_on_any_input(raw):
    try:
        validate_national_number(raw)
    except ValidationError as error:
        _messages_render(error)


@settings(max_examples=budget(300))
@given(anything)
def test_parse_enterprise_number_normalises_or_refuses_cleanly_any_input(raw):
    try:
        digits = parse_enterprise_number(raw)
    except ValidationError as error:
        assert error.code in ENTERPRISE_CODES
        _messages_render(error)
        return
    assert len(digits) == 10 and digits.isascii() and digits.isdigit()
    assert parse_enterprise_number(format_enterprise_number(digits)) == digits


@settings(max_examples=budget(200))
@given(anything)
def test_validate_enterprise_number_raises_only_validation_error_on_any_input(raw):
    try:
        validate_enterprise_number(raw)
    except ValidationError as error:
        _messages_render(error)
