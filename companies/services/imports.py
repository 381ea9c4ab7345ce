"""Bulk grants from a CSV file: a dry run that lists each row's errors, then all rows applied in
one transaction, or none."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from companies.models import Company, Role
from companies.services.grants import grant_create, grant_validate
from csam.audit.services import audit_act
from identity.assurance import AssuranceLevel, StepUpRequired
from identity.models import Person
from identity.numbers import parse_national_number

if TYPE_CHECKING:
    from csam.authz.context import ActingContext

MAX_IMPORT_BYTES = 1024 * 1024
MAX_IMPORT_ROWS = 5000
REQUIRED_COLUMNS = ("national_number", "service", "role")
OPTIONAL_COLUMNS = ("valid_from", "valid_until", "for_clients")
TRUE_WORDS = {"1", "true", "yes", "y", "oui", "ja", "x"}
FALSE_WORDS = {"", "0", "false", "no", "n", "non", "nee", "nein"}


@dataclass
class ImportRow:
    line: int
    values: dict[str, str]
    errors: list[str] = field(default_factory=list)


@dataclass
class GrantImportResult:
    file_errors: list[str] = field(default_factory=list)
    rows: list[ImportRow] = field(default_factory=list)
    applied: int = 0

    @property
    def ok(self) -> bool:
        return not self.file_errors and all(not row.errors for row in self.rows)

    @property
    def error_count(self) -> int:
        return len(self.file_errors) + sum(1 for row in self.rows if row.errors)


def _parse_date(value: str) -> dt.date | None:
    value = value.strip()
    if not value:
        return None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(value, fmt).date()  # noqa: DTZ007 - a date, no time
        except ValueError:
            continue
    raise ValueError(value)


def _read_rows(content: bytes, result: GrantImportResult) -> list[ImportRow]:
    if len(content) > MAX_IMPORT_BYTES:
        result.file_errors.append(
            _("The file is too large (at most %(size)d KiB).") % {"size": MAX_IMPORT_BYTES // 1024}
        )
        return []
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        result.file_errors.append(_("The file must be a CSV file encoded in UTF-8."))
        return []
    if not text.strip():
        result.file_errors.append(_("The file is empty."))
        return []
    first_line = text.splitlines()[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    # newline="": the csv module reads every line ending itself, a lone "\r" (old Mac files)
    # included, and a line break inside a quoted cell stays in the cell.
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        fieldnames = reader.fieldnames or []
    except csv.Error as exc:
        result.file_errors.append(_("The file is not valid CSV: %(error)s") % {"error": exc})
        return []
    columns = [c.strip().lower() for c in fieldnames]
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    unknown = [c for c in columns if c not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    if missing or unknown:
        result.file_errors.append(
            _(
                "Wrong columns. Required: %(required)s; optional: %(optional)s. "
                "Missing: %(missing)s. Unknown: %(unknown)s."
            )
            % {
                "required": ", ".join(REQUIRED_COLUMNS),
                "optional": ", ".join(OPTIONAL_COLUMNS),
                "missing": ", ".join(missing) or "—",
                "unknown": ", ".join(unknown) or "—",
            }
        )
        return []
    rows: list[ImportRow] = []
    try:
        for raw in reader:
            if len(rows) >= MAX_IMPORT_ROWS:
                result.file_errors.append(
                    _("The file has too many rows (at most %(count)d).")
                    % {"count": MAX_IMPORT_ROWS}
                )
                return []
            if None in raw:
                values = {k.strip().lower(): (v or "").strip() for k, v in raw.items() if k}
                row = ImportRow(line=reader.line_num, values=values)
                row.errors.append(_("This row has more cells than there are columns."))
            else:
                values = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
                row = ImportRow(line=reader.line_num, values=values)
            rows.append(row)
    except csv.Error as exc:
        result.file_errors.append(_("The file is not valid CSV: %(error)s") % {"error": exc})
        return []
    if not rows:
        result.file_errors.append(_("The file has no rows to import."))
    return rows


def grants_import_csv(
    *, actor: ActingContext, tenant: Company, content: bytes, dry_run: bool
) -> GrantImportResult:
    """Check every row of a grants CSV file; unless ``dry_run``, apply them all in one
    transaction — only when no row has an error, so a file is applied whole or not at all.

    Columns: national_number, service, role (codes), and optionally valid_from, valid_until
    (YYYY-MM-DD or DD/MM/YYYY) and for_clients (yes/no). Each row is checked like a grant made
    in the form, including the actor's authority over the role's domain (level high needed).

    Raises `StepUpRequired` when the session is below level high.
    """
    # The engine sits above this app: look it up at call time (one-way dependencies).
    from csam.authz.actions import Action
    from csam.authz.engine import decide

    # Import is granting: the same level as a grant, checked once for the whole file.
    actor.assurance.require(AssuranceLevel.HIGH)
    result = GrantImportResult()
    rows = _read_rows(content, result)
    if result.file_errors:
        return result
    result.rows = rows
    roles = {
        (r.service.code, r.code): r
        for r in Role.objects.select_related("service__domain").filter(
            service__code__in={row.values.get("service", "") for row in rows}
        )
    }
    seen: dict[tuple[str, int, bool], int] = {}
    prepared: list[tuple[ImportRow, dict[str, Any]]] = []
    for row in rows:
        if row.errors:
            continue
        values = row.values
        try:
            number = parse_national_number(values.get("national_number", "")).digits
        except ValidationError as exc:
            row.errors.extend(str(m) for m in exc.messages)
            number = ""
        role = roles.get((values.get("service", ""), values.get("role", "")))
        if role is None:
            row.errors.append(
                _("Unknown service or role: %(service)s / %(role)s")
                % {"service": values.get("service", ""), "role": values.get("role", "")}
            )
        try:
            valid_from = _parse_date(values.get("valid_from", ""))
            valid_until = _parse_date(values.get("valid_until", ""))
        except ValueError as exc:
            row.errors.append(_("Not a date: %(value)s (use YYYY-MM-DD).") % {"value": exc.args[0]})
            valid_from = valid_until = None
        for_clients_text = values.get("for_clients", "").lower()
        if for_clients_text not in TRUE_WORDS | FALSE_WORDS:
            row.errors.append(_("for_clients must be yes or no."))
        for_clients = for_clients_text in TRUE_WORDS
        if row.errors or role is None:
            continue
        decision = decide(
            actor=actor, action=Action.COMPANIES_GRANT_ROLE, target=role, tenant=tenant
        )
        if not decision.allowed:
            row.errors.extend(r.message for r in decision.reasons)
            continue
        key = (number, role.pk, for_clients)
        if key in seen:
            row.errors.append(
                _("The same grant is on line %(line)d already.") % {"line": seen[key]}
            )
            continue
        seen[key] = row.line
        person = Person.objects.filter(national_number=number).first()
        errors = grant_validate(
            tenant=tenant,
            person=person,
            role=role,
            valid_from=valid_from or timezone.localdate(),
            valid_until=valid_until,
            for_clients=for_clients,
        )
        for messages in errors.values():
            row.errors.extend(messages)
        if not row.errors:
            prepared.append(
                (
                    row,
                    {
                        "national_number": number,
                        "role": role,
                        "valid_from": valid_from,
                        "valid_until": valid_until,
                        "for_clients": for_clients,
                    },
                )
            )
    if dry_run or not result.ok:
        return result
    try:
        with transaction.atomic():
            for _row, data in prepared:
                grant_create(actor=actor, tenant=tenant, **data)
            audit_act(
                actor=actor,
                action="companies.grants_imported",
                tenant_id=tenant.pk,
                object_type="company",
                object_id=tenant.pk,
                extra={"rows": len(prepared)},
            )
    except (ValidationError, PermissionDenied, StepUpRequired) as exc:
        # Something changed between the check and the write: nothing was applied.
        messages = getattr(exc, "messages", [str(exc)])
        result.file_errors.append(
            _("Nothing was imported: %(error)s") % {"error": "; ".join(map(str, messages))}
        )
        return result
    result.applied = len(prepared)
    return result
