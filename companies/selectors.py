"""Reads in the companies app. Every tenant-scoped read takes its tenant explicitly."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from companies.models import (
    AccessManager,
    Company,
    Domain,
    Grant,
    LegalRepresentative,
    Role,
    Service,
)
from csam.audit.models import AuditEvent
from identity.models import Person


@dataclass(frozen=True)
class CompanyTies:
    """What ties a person to a company at a moment (each list holds row ids)."""

    grant_ids: tuple[int, ...]
    legal_representative_ids: tuple[int, ...]
    access_manager_ids: tuple[int, ...]

    @property
    def any(self) -> bool:
        return bool(self.grant_ids or self.legal_representative_ids or self.access_manager_ids)


def company_list_with_ties(*, person: Person, at: dt.datetime | None = None) -> QuerySet[Company]:
    """Companies (any status) in which the person holds a current grant, designation or legal
    representation. The caller decides what a stopped company means."""
    grants = Grant.objects.current(at).filter(person=person).values("company_id")
    reps = LegalRepresentative.objects.current(at).filter(person=person).values("company_id")
    managers = AccessManager.objects.current(at).filter(person=person).values("company_id")
    return Company.objects.filter(Q(id__in=grants) | Q(id__in=reps) | Q(id__in=managers)).order_by(
        "name", "id"
    )


def company_ties(*, person: Person, tenant: Company, at: dt.datetime | None = None) -> CompanyTies:
    """The person's current ties to one company."""
    return CompanyTies(
        grant_ids=tuple(
            Grant.objects.current(at)
            .for_tenant(tenant)
            .filter(person=person)
            .values_list("id", flat=True)
        ),
        legal_representative_ids=tuple(
            LegalRepresentative.objects.current(at)
            .for_tenant(tenant)
            .filter(person=person)
            .values_list("id", flat=True)
        ),
        access_manager_ids=tuple(
            AccessManager.objects.current(at)
            .for_tenant(tenant)
            .filter(person=person)
            .values_list("id", flat=True)
        ),
    )


def company_get_by_id(*, company_id: int) -> Company | None:
    return Company.objects.filter(id=company_id).first()


def catalogue_domains_with_services() -> QuerySet[Domain]:
    """The public catalogue: domains with their active services and the services' owners."""
    active = Service.objects.filter(is_active=True).select_related("owner").order_by("name_en")
    return Domain.objects.prefetch_related(Prefetch("services", queryset=active)).order_by(
        "name_en"
    )


def company_get_by_number(*, enterprise_number: str) -> Company | None:
    return Company.objects.filter(enterprise_number=enterprise_number).first()


def company_ids_with_stale_grants(*, today: dt.date) -> list[int]:
    """Companies with grants past their end date not yet marked expired (for the daily sweep)."""
    return list(
        Grant.objects.filter(ended_at__isnull=True, valid_until__lt=today)
        .values_list("company_id", flat=True)
        .distinct()
        .order_by("company_id")
    )


# --- Access management (every read takes its tenant) --------------------------------------------

GRANT_STATUSES = ("current", "future", "ended", "all")


def grant_list(
    *,
    tenant: Company,
    person: Person | None = None,
    status: str = "current",
    service_code: str = "",
    domain_code: str = "",
    at: dt.datetime | None = None,
) -> QuerySet[Grant]:
    """The tenant's grants, newest first, with role, service, domain and person loaded.

    ``status``: current (in force now), future (not started), ended (revoked or expired), all.
    """
    at = at or timezone.now()
    today = timezone.localdate(at)
    grants = Grant.objects.for_tenant(tenant).select_related(
        "person", "role__service__domain", "granted_by", "ended_by"
    )
    if status == "current":
        grants = grants.current(at)
    elif status == "future":
        grants = grants.filter(valid_from__gt=today, ended_at__isnull=True)
    elif status == "ended":
        grants = grants.filter(Q(ended_at__lte=at) | Q(valid_until__lt=today))
    if person is not None:
        grants = grants.filter(person=person)
    if service_code:
        grants = grants.filter(role__service__code=service_code)
    if domain_code:
        grants = grants.filter(role__service__domain__code=domain_code)
    return grants.order_by("-granted_at", "-id")


def grant_get(*, tenant: Company, grant_id: int) -> Grant | None:
    """One of the tenant's grants; None for another tenant's (their existence never leaks)."""
    return (
        Grant.objects.for_tenant(tenant)
        .select_related("person", "role__service__domain")
        .filter(pk=grant_id)
        .first()
    )


def collaborator_list(
    *,
    tenant: Company,
    search: str = "",
    service_code: str = "",
    domain_code: str = "",
    include_ended: bool = False,
) -> QuerySet[Person]:
    """People holding (or, with ``include_ended``, having held) a grant in the tenant, by name.

    ``search`` matches names (any part) or a national register number (digits, separators
    allowed). Each person carries ``tenant_grants``: their matching grants, loaded in one query.
    """
    grants = Grant.objects.for_tenant(tenant)
    if not include_ended:
        grants = grants.current()
    if service_code:
        grants = grants.filter(role__service__code=service_code)
    if domain_code:
        grants = grants.filter(role__service__domain__code=domain_code)
    people = Person.objects.filter(id__in=grants.values("person_id"))
    search = search.strip()
    if search:
        digits = "".join(ch for ch in search if ch.isdigit())
        condition = Q()
        for word in search.split():
            condition &= Q(surname__icontains=word) | Q(given_names__icontains=word)
        if len(digits) == 11:
            condition |= Q(national_number=digits)
        people = people.filter(condition)
    return people.prefetch_related(
        Prefetch(
            "grants",
            queryset=grants.select_related("role__service__domain").order_by(
                "role__service__code", "role__code"
            ),
            to_attr="tenant_grants",
        )
    ).order_by("surname", "given_names", "id")


def collaborator_get(*, tenant: Company, person_id: int) -> Person | None:
    """A person who holds or held a grant or a designation in the tenant; None otherwise."""
    tied = Q(grants__company=tenant) | Q(manager_roles__company=tenant)
    return Person.objects.filter(tied, pk=person_id).distinct().first()


def access_manager_list(*, tenant: Company, include_ended: bool = False) -> QuerySet[AccessManager]:
    managers = AccessManager.objects.for_tenant(tenant)
    if not include_ended:
        managers = managers.current()
    return managers.select_related("person", "domain", "designated_by").order_by(
        "kind", "domain__code", "person__surname", "id"
    )


def access_manager_get(*, tenant: Company, designation_id: int) -> AccessManager | None:
    return (
        AccessManager.objects.for_tenant(tenant)
        .select_related("person", "domain")
        .filter(pk=designation_id)
        .first()
    )


def legal_representative_list(*, tenant: Company) -> QuerySet[LegalRepresentative]:
    return (
        LegalRepresentative.objects.current()
        .for_tenant(tenant)
        .select_related("person")
        .order_by("person__surname", "id")
    )


@dataclass(frozen=True)
class MatrixRow:
    person: Person
    cells: tuple[tuple[Grant, ...], ...]  # one tuple of grants per service column


@dataclass(frozen=True)
class AccessMatrix:
    services: tuple[Service, ...]
    rows: tuple[MatrixRow, ...]


def access_matrix(*, tenant: Company, people: list[Person]) -> AccessMatrix:
    """Collaborators × services, the current roles in the cells, for the given (paginated)
    people: two queries whatever the number of people."""
    grants = list(
        Grant.objects.current()
        .for_tenant(tenant)
        .filter(person__in=people)
        .select_related("role__service")
        .order_by("role__code")
    )
    services = tuple(sorted({g.role.service for g in grants}, key=lambda s: (s.name_en, s.pk)))
    index = {s.pk: i for i, s in enumerate(services)}
    by_person: dict[int, list[list[Grant]]] = {p.pk: [[] for _ in services] for p in people}
    for grant in grants:
        by_person[grant.person_id][index[grant.role.service_id]].append(grant)
    return AccessMatrix(
        services=services,
        rows=tuple(
            MatrixRow(person=p, cells=tuple(tuple(c) for c in by_person[p.pk])) for p in people
        ),
    )


def role_list_grantable(*, domain_ids: set[int] | None) -> QuerySet[Role]:
    """Roles of active services, limited to ``domain_ids`` (None: every domain)."""
    roles = Role.objects.filter(service__is_active=True).select_related("service__domain")
    if domain_ids is not None:
        roles = roles.filter(service__domain_id__in=domain_ids)
    return roles.order_by("service__name_en", "code")


def role_get(*, service_code: str, role_code: str) -> Role | None:
    return (
        Role.objects.select_related("service__domain")
        .filter(service__code=service_code, code=role_code, service__is_active=True)
        .first()
    )


def domain_list() -> QuerySet[Domain]:
    return Domain.objects.order_by("name_en")


def company_history(*, tenant: Company) -> QuerySet[AuditEvent]:
    """The tenant's part of the audit log, newest first."""
    return AuditEvent.objects.filter(tenant_id=tenant.pk).order_by("-id")


EXPORT_COLUMNS = (
    "national_number",
    "surname",
    "given_names",
    "service",
    "role",
    "for_clients",
    "valid_from",
    "valid_until",
    "status",
)


def grants_export_rows(*, tenant: Company) -> list[list[str]]:
    """The tenant's grants (all, with their status) as CSV rows, header first. Cells that a
    spreadsheet would run as a formula are prefixed with a quote."""
    now = timezone.now()
    today = timezone.localdate(now)

    def cell(value: object) -> str:
        text = "" if value is None else str(value)
        return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text

    rows = [list(EXPORT_COLUMNS)]
    for grant in grant_list(tenant=tenant, status="all").order_by(
        "person__surname", "person__id", "role__service__code", "role__code", "id"
    ):
        if grant.ended_at is not None and grant.ended_at <= now:
            status = grant.end_reason or "ended"
        elif grant.valid_until is not None and grant.valid_until < today:
            status = "expired"
        elif grant.valid_from > today:
            status = "future"
        else:
            status = "current"
        rows.append(
            [
                cell(grant.person.national_number),
                cell(grant.person.surname),
                cell(grant.person.given_names),
                cell(grant.role.service.code),
                cell(grant.role.code),
                "yes" if grant.for_clients else "no",
                grant.valid_from.isoformat(),
                grant.valid_until.isoformat() if grant.valid_until else "",
                status,
            ]
        )
    return rows


# --- For the access manager pages (companies/views/) ----------------------------------------------


def grant_status(*, grant: Grant, at: dt.datetime | None = None) -> str:
    """Where ``grant`` stands at ``at`` (now by default): "current", "future", or how it ended
    ("revoked", "expired", "replaced", "ended"). The same words as the export's status column."""
    at = at or timezone.now()
    today = timezone.localdate(at)
    if grant.ended_at is not None and grant.ended_at <= at:
        return grant.end_reason or "ended"
    if grant.valid_until is not None and grant.valid_until < today:
        return "expired"
    if grant.valid_from > today:
        return "future"
    return "current"


def person_map_for_tenant(*, tenant: Company, person_ids: set[int]) -> dict[int, Person]:
    """The people among ``person_ids`` who hold or held a grant, a designation or a legal
    representation in the tenant, by id, in one query. Anybody else is left out, so an id read
    from elsewhere (an audit record, say) names nobody outside the tenant."""
    if not person_ids:
        return {}
    tied = (
        Q(id__in=Grant.objects.for_tenant(tenant).values("person_id"))
        | Q(id__in=AccessManager.objects.for_tenant(tenant).values("person_id"))
        | Q(id__in=LegalRepresentative.objects.for_tenant(tenant).values("person_id"))
    )
    return {p.pk: p for p in Person.objects.filter(tied, id__in=person_ids)}


# --- Reads for the company access-management API --------------------------------------------------


def period_status(
    *, row: Grant | AccessManager | LegalRepresentative, at: dt.datetime | None = None
) -> str:
    """Where a right stands at ``at`` (now by default): ``current``, ``future`` or ``ended``.

    The same rules as the ``status`` filter of `grant_list`: ended once revoked or replaced, or
    once its last valid day has passed; future until its first day.
    """
    at = at or timezone.now()
    today = timezone.localdate(at)
    if row.ended_at is not None and row.ended_at <= at:
        return "ended"
    if row.valid_until is not None and row.valid_until < today:
        return "ended"
    if row.valid_from > today:
        return "future"
    return "current"


def service_get(*, service_code: str) -> Service | None:
    """An offered (active) service of the catalogue by code; None when unknown or withdrawn."""
    return (
        Service.objects.select_related("domain").filter(code=service_code, is_active=True).first()
    )


def domain_get(*, domain_code: str) -> Domain | None:
    return Domain.objects.filter(code=domain_code).first()


def company_history_list(
    *,
    tenant: Company,
    action: str = "",
    object_type: str = "",
    object_id: str = "",
) -> QuerySet[AuditEvent]:
    """`company_history`, narrowed: ``action`` matches a prefix (``companies.grant`` finds every
    grant event), ``object_type`` and ``object_id`` match exactly."""
    events = company_history(tenant=tenant)
    if action:
        events = events.filter(action__startswith=action)
    if object_type:
        events = events.filter(object_type=object_type)
    if object_id:
        events = events.filter(object_id=object_id)
    return events


def service_get_by_code(*, code: str) -> Service | None:
    return Service.objects.filter(code=code, is_active=True).first()


# The catalogue and the rights versions, as the decision engine reads them.
from companies.catalogue import (  # noqa: E402 - re-exported for other apps
    VERSION_KEY as CATALOGUE_VERSION_KEY,
)
from companies.catalogue import (  # noqa: E402
    CatalogueRole,
    catalogue_at,
    catalogue_role,
    catalogue_role_exists_service,
    catalogue_version,
    new_version,
)
from companies.rights_cache import company_key, person_key  # noqa: E402

__all__ = [
    "CATALOGUE_VERSION_KEY",
    "CatalogueRole",
    "catalogue_at",
    "catalogue_role",
    "catalogue_role_exists_service",
    "catalogue_version",
    "company_key",
    "new_version",
    "person_key",
]
