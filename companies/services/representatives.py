"""Legal representatives as the enterprise register lists them, imported from a CSV extract."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from companies.models import Company, EndReason, LegalRepresentative
from companies.numbers import parse_enterprise_number
from companies.rights_cache import rights_changed
from csam.audit.services import audit_record
from identity.numbers import parse_national_number
from identity.services import person_get_or_create

COLUMNS = (
    "enterprise_number",
    "company_name",
    "legal_form",
    "national_number",
    "surname",
    "given_names",
    "function",
)
MAX_BYTES = 50 * 1024 * 1024


@dataclass
class RegisterImportReport:
    errors: list[str] = field(default_factory=list)
    companies: int = 0
    added: int = 0
    ended: int = 0
    unchanged: int = 0


def legal_representatives_import_csv(
    *, content: bytes, today: object = None
) -> RegisterImportReport:
    """Bring companies and their legal representatives in line with a register extract.

    The extract is a snapshot: for each company in it, the functions listed are the current
    ones; a current representation the file no longer lists ends (kept in the history), one it
    lists that is missing starts today. Companies are created or renamed as listed. Every row is
    checked first; any error and nothing changes. Idempotent: importing the same file twice
    changes nothing the second time. Audited as one system event.
    """
    report = RegisterImportReport()
    if len(content) > MAX_BYTES:
        report.errors.append(_("The file is too large."))
        return report
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        report.errors.append(_("The file must be a CSV file encoded in UTF-8."))
        return report
    first = text.splitlines()[0] if text.strip() else ""
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    columns = [c.strip().lower() for c in (reader.fieldnames or [])]
    if sorted(columns) != sorted(COLUMNS):
        report.errors.append(
            _("Wrong columns: expected %(columns)s.") % {"columns": ", ".join(COLUMNS)}
        )
        return report
    listed: dict[str, dict[str, object]] = {}
    try:
        for raw in reader:
            values = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
            line = reader.line_num
            try:
                number = parse_enterprise_number(values["enterprise_number"])
                person_number = parse_national_number(values["national_number"]).digits
            except ValidationError as exc:
                report.errors.append(
                    _("Line %(line)d: %(error)s") % {"line": line, "error": " ".join(exc.messages)}
                )
                continue
            if not values["company_name"] or not values["function"]:
                report.errors.append(
                    _("Line %(line)d: the company name and the function are required.")
                    % {"line": line}
                )
                continue
            entry = listed.setdefault(
                number,
                {"name": values["company_name"], "legal_form": values["legal_form"], "reps": set()},
            )
            entry["reps"].add(  # type: ignore[union-attr]
                (person_number, values["function"], values["surname"], values["given_names"])
            )
    except csv.Error as exc:
        report.errors.append(_("The file is not valid CSV: %(error)s") % {"error": exc})
    if report.errors:
        return report
    with transaction.atomic():
        _apply(listed, report)
    return report


def _apply(listed: dict[str, dict[str, object]], report: RegisterImportReport) -> None:
    today = timezone.localdate()
    for number, entry in listed.items():
        company, _created = Company.objects.get_or_create(
            enterprise_number=number,
            defaults={"name": entry["name"], "legal_form": entry["legal_form"]},
        )
        if company.name != entry["name"] or company.legal_form != entry["legal_form"]:
            company.name = str(entry["name"])
            company.legal_form = str(entry["legal_form"])
            company.full_clean()
            company.save(update_fields=["name", "legal_form"])
        report.companies += 1
        current = {
            (rep.person.national_number, rep.function): rep
            for rep in LegalRepresentative.objects.current()
            .for_tenant(company)
            .select_related("person")
        }
        wanted = set()
        for person_number, function, surname, given_names in entry["reps"]:  # type: ignore[attr-defined]
            wanted.add((person_number, function))
            if (person_number, function) in current:
                report.unchanged += 1
                continue
            person, _created = person_get_or_create(
                national_number=person_number, surname=surname, given_names=given_names
            )
            LegalRepresentative.objects.create(
                company=company, person=person, function=function, valid_from=today
            )
            rights_changed(person_numbers=[person_number], company_numbers=[number])
            report.added += 1
        for key, rep in current.items():
            if key not in wanted:
                rep.ended_at = timezone.now()
                rep.end_reason = EndReason.EXPIRED
                rep.save(update_fields=["ended_at", "end_reason"])
                rights_changed(person_numbers=[key[0]], company_numbers=[number])
                report.ended += 1
    audit_record(
        action="companies.register_imported",
        actor_label="system",
        data={
            "companies": report.companies,
            "added": report.added,
            "ended": report.ended,
            "unchanged": report.unchanged,
        },
    )
