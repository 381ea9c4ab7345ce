from django.core.exceptions import ValidationError

import pytest

from companies.numbers import format_enterprise_number, parse_enterprise_number


@pytest.mark.parametrize(
    ("raw", "digits"),
    [
        ("0403019261", "0403019261"),
        ("0403.019.261", "0403019261"),
        ("BE 0403.019.261", "0403019261"),
        ("403019261", "0403019261"),  # old nine-digit number
        ("0200065765", "0200065765"),
    ],
)
def test_parse_enterprise_number_normalises_when_valid(raw, digits):
    assert parse_enterprise_number(raw) == digits


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("0403019262", "checksum"),
        ("04030192", "length"),
        ("04030192610", "length"),
        ("2403019261", "first_digit"),
        ("0403O19261", "not_digits"),
        ("", "required"),
    ],
)
def test_parse_enterprise_number_refuses_when_invalid(raw, code):
    with pytest.raises(ValidationError) as excinfo:
        parse_enterprise_number(raw)
    assert excinfo.value.code == code


def test_format_enterprise_number_groups_digits():
    assert format_enterprise_number("0403019261") == "0403.019.261"
