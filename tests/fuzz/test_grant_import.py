"""The grants CSV import: any file gives a report of file or row errors, never an exception, and
a file is applied whole or not at all."""

import datetime as dt

from django.utils import timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from companies.models import Grant
from companies.services import grants_import_csv
from tests.companies.conftest import acting
from tests.fuzz.profiles import budget

pytestmark = pytest.mark.django_db

COLUMNS = ["national_number", "service", "role", "valid_from", "valid_until", "for_clients"]
VALID_NUMBERS = ["85071412429", "85.07.14-124.29", "39012940734", "00010100105"]
TODAY = timezone.localdate()


def _dates() -> st.SearchStrategy[str]:
    day = st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31))
    return st.one_of(
        day.map(lambda d: d.isoformat()),
        day.map(lambda d: f"{d.day:02d}/{d.month:02d}/{d.year:04d}"),
        day.map(lambda d: f"{d.day}.{d.month}.{d.year}"),
        st.just((TODAY + dt.timedelta(days=30)).isoformat()),
        st.just(""),
    )


# Cells that reach every check: real numbers, codes and dates, and text that breaks them.
cell = st.one_of(
    st.sampled_from(VALID_NUMBERS),
    st.sampled_from(["vat", "taxonweb", "dmfa", "declarant", "filer", "VAT", ""]),
    st.sampled_from(["yes", "no", "oui", "nee", "x", "maybe", "TRUE"]),
    _dates(),
    st.text(max_size=12),
    st.text(alphabet='",;\r\n\x00 ', max_size=4),
)


@st.composite
def csv_files(draw: st.DrawFn) -> bytes:
    columns = draw(
        st.one_of(
            st.permutations(COLUMNS).map(lambda c: c[: max(3, len(c) - 2)]),
            st.lists(st.sampled_from([*COLUMNS, "number", "", "Service", "extra"]), max_size=7),
        )
    )
    delimiter = draw(st.sampled_from([",", ";", "\t"]))
    rows = draw(st.lists(st.lists(cell, max_size=len(columns) + 2), max_size=6))
    lines = [delimiter.join(columns)] + [delimiter.join(row) for row in rows]
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    text = newline.join(lines) + draw(st.sampled_from(["", newline]))
    prefix = draw(st.sampled_from([b"", b"\xef\xbb\xbf"]))
    return prefix + text.encode("utf-8")


@pytest.fixture
def manager(world):
    return acting(world.provider_manager, world.provider)


def _import_is_whole_or_nothing(world, manager, content: bytes, dry_run: bool) -> None:
    before = Grant.objects.filter(company=world.provider).count()
    result = grants_import_csv(
        actor=manager, tenant=world.provider, content=content, dry_run=dry_run
    )
    for message in result.file_errors + [e for row in result.rows for e in row.errors]:
        assert isinstance(message, str) and message
    after = Grant.objects.filter(company=world.provider).count()
    if dry_run or not result.ok:
        assert result.applied == 0
        assert after == before
    else:
        assert result.applied == len(result.rows)
        assert after == before + result.applied


@settings(max_examples=budget(60))
@given(content=csv_files(), dry_run=st.booleans())
def test_grants_import_reports_any_csv_file_without_exception(world, manager, content, dry_run):
    _import_is_whole_or_nothing(world, manager, content, dry_run)


@settings(max_examples=budget(60))
@given(content=st.binary(max_size=600))
def test_grants_import_reports_any_bytes_without_exception(world, manager, content):
    _import_is_whole_or_nothing(world, manager, content, dry_run=False)


# --- What the fuzzing found (regressions) --------------------------------------------------------


def test_grants_import_reads_file_when_lines_end_with_carriage_return_only(world, manager):
    content = b"national_number,service,role\r85071412429,vat,declarant\r"
    result = grants_import_csv(actor=manager, tenant=world.provider, content=content, dry_run=True)
    assert result.file_errors == []
    assert [row.values["national_number"] for row in result.rows] == ["85071412429"]


def test_grants_import_reports_file_error_when_header_is_not_csv(world, manager):
    content = b"national_number,service,role," + b"x" * 200_000
    result = grants_import_csv(actor=manager, tenant=world.provider, content=content, dry_run=True)
    assert result.file_errors
    assert result.rows == []
