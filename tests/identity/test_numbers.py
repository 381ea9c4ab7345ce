import datetime as dt

from django.core.exceptions import ValidationError

import pytest

from identity.numbers import mask_national_number, parse_national_number

TODAY = dt.date(2026, 11, 28)


@pytest.mark.parametrize(
    ("number", "birth_date", "sex"),
    [
        ("85071412429", dt.date(1985, 7, 14), "F"),
        ("03022824687", dt.date(2003, 2, 28), "F"),
        ("03022824658", dt.date(1903, 2, 28), "F"),
        ("00010100105", dt.date(2000, 1, 1), "M"),
        ("39012940734", dt.date(1939, 1, 29), "M"),
    ],
)
def test_parse_national_number_decodes_when_valid(number, birth_date, sex):
    parsed = parse_national_number(number, today=TODAY)
    assert parsed.digits == number
    assert parsed.birth_date == birth_date
    assert parsed.sex == sex
    assert parsed.is_bis is False


def test_parse_national_number_accepts_separators_when_formatted():
    parsed = parse_national_number(" 85.07.14-124.29 ", today=TODAY)
    assert parsed.digits == "85071412429"
    assert parsed.formatted == "85.07.14-124.29"


def test_parse_national_number_picks_2000s_when_only_that_checksum_matches():
    # Same first nine digits, the check digits alone tell the century.
    assert parse_national_number("03022824687", today=TODAY).birth_year == 2003
    assert parse_national_number("03022824658", today=TODAY).birth_year == 1903


def _with_check(base: str, century: int = 1900) -> str:
    n = int(base) + (2_000_000_000 if century == 2000 else 0)
    return base + f"{97 - n % 97:02d}"


def test_parse_national_number_bis_when_month_plus_40_sex_known():
    parsed = parse_national_number(_with_check("854714123"), today=TODAY)
    assert parsed.is_bis is True
    assert parsed.birth_date == dt.date(1985, 7, 14)
    assert parsed.sex == "M"


def test_parse_national_number_bis_when_month_plus_20_sex_unknown():
    parsed = parse_national_number(_with_check("852714124"), today=TODAY)
    assert parsed.is_bis is True
    assert parsed.birth_date == dt.date(1985, 7, 14)
    assert parsed.sex is None


def test_parse_national_number_accepts_unknown_birth_date_when_month_and_day_zero():
    parsed = parse_national_number(_with_check("850000123"), today=TODAY)
    assert parsed.birth_date is None
    assert parsed.birth_year == 1985


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("85071412428", "checksum"),
        ("8507141242", "length"),
        ("850714124290", "length"),
        ("8507141242a", "not_digits"),
        ("85O71412429", "not_digits"),
        ("８５０７１４１２４２９", "not_digits"),  # full-width digits are not ASCII digits
        ("", "required"),
        (_with_check("850230123"), "date"),  # 30 February
        (_with_check("851314123"), "date"),  # month 13
        (_with_check("856714123"), "date"),  # month 67: not a bis offset either
        (_with_check("850732123"), "date"),  # day 32
        (_with_check("300101123", 2000), "future"),  # 2030-01-01: not born yet
        (_with_check("850714000"), "counter"),
    ],
)
def test_parse_national_number_refuses_when_invalid(number, code):
    with pytest.raises(ValidationError) as excinfo:
        parse_national_number(number, today=TODAY)
    assert excinfo.value.code == code
    assert str(excinfo.value.messages[0])


def test_parse_national_number_refuses_when_not_a_string():
    with pytest.raises(ValidationError):
        parse_national_number(None, today=TODAY)


def test_mask_national_number_hides_sequence_and_check_digits():
    assert mask_national_number("85071412429") == "85.07.14-***.**"
