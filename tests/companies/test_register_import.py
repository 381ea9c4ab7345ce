"""Legal representatives from an enterprise register extract (CSV), command and service."""

from django.core.management import CommandError, call_command

import pytest

from companies.models import Company, LegalRepresentative
from companies.services import legal_representatives_import_csv

pytestmark = pytest.mark.django_db
HEADER = "enterprise_number,company_name,legal_form,national_number,surname,given_names,function\n"


def extract(*rows: str) -> bytes:
    return (HEADER + "".join(row + "\n" for row in rows)).encode()


BREWERY = "0403.019.261,Brasserie Demo,SRL"


def test_register_import_creates_companies_and_representatives():
    report = legal_representatives_import_csv(
        content=extract(
            f"{BREWERY},85071412429,Peeters,Anna,Manager",
            f"{BREWERY},39012940734,Dubois,Bruno,Director",
        )
    )
    assert report.errors == []
    assert (report.companies, report.added) == (1, 2)
    company = Company.objects.get(enterprise_number="0403019261")
    assert company.legal_representatives.current().count() == 2


def test_register_import_is_idempotent():
    content = extract(f"{BREWERY},85071412429,Peeters,Anna,Manager")
    legal_representatives_import_csv(content=content)
    report = legal_representatives_import_csv(content=content)
    assert (report.added, report.ended, report.unchanged) == (0, 0, 1)
    assert LegalRepresentative.objects.count() == 1


def test_register_import_ends_representation_no_longer_listed():
    legal_representatives_import_csv(
        content=extract(
            f"{BREWERY},85071412429,Peeters,Anna,Manager",
            f"{BREWERY},39012940734,Dubois,Bruno,Director",
        )
    )
    report = legal_representatives_import_csv(
        content=extract(f"{BREWERY},85071412429,Peeters,Anna,Manager")
    )
    assert report.ended == 1
    ended = LegalRepresentative.objects.get(person__national_number="39012940734")
    assert ended.ended_at is not None  # kept, with its end


@pytest.mark.parametrize(
    "content",
    [
        extract("0403.019.262,Bad Check,SRL,85071412429,Peeters,Anna,Manager"),
        extract(f"{BREWERY},85071412428,Peeters,Anna,Manager"),
        extract(f"{BREWERY},85071412429,Peeters,Anna,"),
        b"enterprise,name\n1,2\n",
        b"\xff\xfe\x00garbage",
    ],
)
def test_register_import_changes_nothing_when_a_row_is_bad(content):
    # A good row next to the bad one is not applied either.
    if content.startswith(HEADER.encode()):
        content += f"{BREWERY},39012940734,Dubois,Bruno,Director\n".encode()
    report = legal_representatives_import_csv(content=content)
    assert report.errors
    assert not Company.objects.exists()
    assert not LegalRepresentative.objects.exists()


def test_import_command_reports_and_fails_on_errors(tmp_path):
    good = tmp_path / "good.csv"
    good.write_bytes(extract(f"{BREWERY},85071412429,Peeters,Anna,Manager"))
    call_command("import_legal_representatives", str(good))
    assert LegalRepresentative.objects.count() == 1
    bad = tmp_path / "bad.csv"
    bad.write_bytes(extract(f"{BREWERY},85071412428,Peeters,Anna,Manager"))
    with pytest.raises(CommandError, match="Nothing imported"):
        call_command("import_legal_representatives", str(bad))
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_legal_representatives", str(tmp_path / "missing.csv"))
