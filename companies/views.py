"""The access manager's pages: who holds which role in the acting company, and changing that.

Every page works on the company the user acts for (``request.acting.company``), never on a
company named in the request. Reading is authorised by the engine (``companies.view``); changes
go through the services, which ask the engine themselves (and raise `StepUpRequired`, which the
middleware turns into the step-up page). Objects are looked up through selectors scoped to the
acting company, so another company's object is simply not found (404).
"""

from __future__ import annotations

import base64
import binascii
import csv
import secrets
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views import View
from django.views.decorators.cache import never_cache

from companies import selectors
from companies.exceptions import Conflict
from companies.forms import (
    CollaboratorFilterForm,
    ConfirmForm,
    DesignationForm,
    GrantForm,
    GrantImportApplyForm,
    GrantImportUploadForm,
)
from companies.models import AccessManager, AccessManagerKind, Company, EndReason, Grant
from companies.services import (
    GrantImportResult,
    access_manager_designate,
    access_manager_end,
    grant_create,
    grant_revoke,
    grants_import_csv,
)
from companies.services.access import DESIGNATE_ACTION
from companies.services.imports import MAX_IMPORT_BYTES, OPTIONAL_COLUMNS, REQUIRED_COLUMNS
from identity.assurance import AssuranceLevel
from identity.decorators import AssuranceRequiredMixin
from identity.models import Person
from identity.numbers import mask_national_number

if TYPE_CHECKING:
    from csam.authz.context import ActingContext

PAGE_SIZE = 25
# The checked CSV file waiting for "apply", kept in the session so it is not uploaded twice.
IMPORT_SESSION_KEY = "csam_grant_import"


# --- The engine (it sits above this app: looked up at call time, dependencies point one way) ---


def _require(acting: ActingContext, action: str, target: Any = None) -> None:
    """Raise `PermissionDenied` (or `StepUpRequired`) unless the engine allows the act."""
    from csam.authz.actions import Action
    from csam.authz.engine import require

    require(actor=acting, action=Action(action), target=target, tenant=acting.company)


def _offered(acting: ActingContext, action: str, target: Any = None) -> bool:
    """Whether to offer an act on the page: the engine allows it, or it lacks only the level of
    assurance (the act then leads through the step-up page)."""
    from csam.authz.actions import Action
    from csam.authz.engine import decide

    decision = decide(actor=acting, action=Action(action), target=target, tenant=acting.company)
    return decision.allowed or decision.codes == ("assurance_too_low",)


def _managed_domain_ids(acting: ActingContext, tenant: Company) -> set[int] | None:
    """The domains whose access the user manages in ``tenant`` (None: every domain). Used only
    to narrow what a page offers; the services decide, through the engine."""
    from csam.authz.permissions import user_managed_domain_ids, user_manages_all

    if acting.user is None:
        return set()
    if user_manages_all(user=acting.user, company=tenant):
        return None
    return user_managed_domain_ids(user=acting.user, company=tenant)


# --- Shared pieces -------------------------------------------------------------------------------


class _ActingCompanyMixin(View):
    """The user acts for a company and may see its access rights."""

    acting: ActingContext
    tenant: Company

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        acting = request.acting
        if acting.company is None:
            messages.info(request, _("Choose the company you act for first."))
            query = urlencode({"next": request.get_full_path()})
            return HttpResponseRedirect(f"{reverse('authz:acting_choose')}?{query}")
        _require(acting, "companies.view")
        self.acting = acting
        self.tenant = acting.company
        return super().dispatch(request, *args, **kwargs)


@method_decorator(never_cache, name="dispatch")
class CompanyPageView(AssuranceRequiredMixin, _ActingCompanyMixin):
    """Base of the pages: logged in (at ``required_assurance``), then acting for a company,
    then allowed to see its rights. Personal data: never cached."""

    required_assurance = AssuranceLevel.SUBSTANTIAL


def _paginate(request: HttpRequest, items: QuerySet[Any]) -> Page:
    """A page of ``items``; ``elided_range`` holds the page links to show ("1 2 … 7 8 9 … 20")."""
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    page.elided_range = list(page.paginator.get_elided_page_range(page.number))
    return page


def _put_errors_on_form(form: Form, error: ValidationError) -> None:
    """A service's `ValidationError` on the form: by field where the form has that field."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def _collaborator_or_404(tenant: Company, person_id: int) -> Person:
    person = selectors.collaborator_get(tenant=tenant, person_id=person_id)
    if person is None:
        raise Http404(_("No such collaborator in this company."))
    return person


def _filter_form(request: HttpRequest, *, with_ended: bool = True) -> CollaboratorFilterForm:
    return CollaboratorFilterForm(
        request.GET,
        domains=selectors.catalogue_domains_with_services(),
        with_ended=with_ended,
    )


# --- Dashboard -----------------------------------------------------------------------------------


class CompanyDashboardView(CompanyPageView):
    def get(self, request: HttpRequest) -> HttpResponse:
        managers = list(selectors.access_manager_list(tenant=self.tenant))
        representatives = list(selectors.legal_representative_list(tenant=self.tenant))
        person_id = self.acting.person.pk if self.acting.person else None
        return render(
            request,
            "companies/dashboard.html",
            {
                "company": self.tenant,
                "collaborator_count": selectors.collaborator_list(tenant=self.tenant).count(),
                "grant_count": selectors.grant_list(tenant=self.tenant).count(),
                "manager_count": len({d.person_id for d in managers}),
                "my_designations": [d for d in managers if d.person_id == person_id],
                "my_representations": [r for r in representatives if r.person_id == person_id],
                "may_grant": _managed_domain_ids(self.acting, self.tenant) != set(),
            },
        )


# --- Collaborators -------------------------------------------------------------------------------


class CollaboratorListView(CompanyPageView):
    def get(self, request: HttpRequest) -> HttpResponse:
        form = _filter_form(request)
        page = _paginate(request, selectors.collaborator_list(tenant=self.tenant, **form.filters()))
        now = timezone.now()
        rows = [
            {
                "person": person,
                "grants": [
                    {"grant": g, "status": selectors.grant_status(grant=g, at=now)}
                    for g in person.tenant_grants
                ],
            }
            for person in page.object_list
        ]
        return render(
            request,
            "companies/collaborator_list.html",
            {
                "form": form,
                "page": page,
                "rows": rows,
                "may_grant": _managed_domain_ids(self.acting, self.tenant) != set(),
            },
        )


class _RevokeOffer:
    """Asks the engine whether to offer "revoke" for a grant, once per domain: its revoke rule
    depends on the tenant and the role's domain only, and a page must not ask once per row."""

    def __init__(self, acting: ActingContext) -> None:
        self.acting = acting
        self.by_domain: dict[int, bool] = {}

    def __call__(self, grant: Grant) -> bool:
        domain_id = grant.role.service.domain_id
        if domain_id not in self.by_domain:
            self.by_domain[domain_id] = _offered(self.acting, "companies.revoke_grant", grant)
        return self.by_domain[domain_id]


class CollaboratorDetailView(CompanyPageView):
    def get(self, request: HttpRequest, person_id: int) -> HttpResponse:
        person = _collaborator_or_404(self.tenant, person_id)
        now = timezone.now()
        offer_revoke = _RevokeOffer(self.acting)
        groups: dict[str, list[dict[str, Any]]] = {"current": [], "future": [], "ended": []}
        for grant in selectors.grant_list(tenant=self.tenant, person=person, status="all", at=now):
            status = selectors.grant_status(grant=grant, at=now)
            group = status if status in ("current", "future") else "ended"
            groups[group].append(
                {
                    "grant": grant,
                    "status": status,
                    "can_revoke": group != "ended" and offer_revoke(grant),
                }
            )
        return render(
            request,
            "companies/collaborator_detail.html",
            {
                "person": person,
                "current": groups["current"],
                "future": groups["future"],
                "ended": groups["ended"],
                "may_grant": _managed_domain_ids(self.acting, self.tenant) != set(),
            },
        )


# --- Grants --------------------------------------------------------------------------------------


class GrantCreateView(CompanyPageView):
    """Give a collaborator a role. Granting needs level high, so the page does too: the user
    steps up before typing rather than after."""

    required_assurance = AssuranceLevel.HIGH
    template_name = "companies/grant_form.html"

    def _chosen_person(self, request: HttpRequest) -> Person | None:
        raw = request.GET.get("person", "")
        if not raw:
            return None
        if not raw.isdigit():
            raise Http404(_("No such collaborator in this company."))
        return _collaborator_or_404(self.tenant, int(raw))

    def _form(self, person: Person | None, data: Any = None) -> GrantForm:
        return GrantForm(
            data,
            accepted_roles=selectors.role_list_grantable(domain_ids=None),
            offered_roles=selectors.role_list_grantable(
                domain_ids=_managed_domain_ids(self.acting, self.tenant)
            ),
            with_national_number=person is None,
        )

    def _render(
        self, request: HttpRequest, form: GrantForm, person: Person | None, status: int = 200
    ) -> HttpResponse:
        offered = len(form.fields["role"].widget.choices) > 1
        return render(
            request,
            self.template_name,
            {"form": form, "person": person, "offers_roles": offered},
            status=status,
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        person = self._chosen_person(request)
        return self._render(request, self._form(person), person)

    def post(self, request: HttpRequest) -> HttpResponse:
        person = self._chosen_person(request)
        form = self._form(person, request.POST)
        if not form.is_valid():
            return self._render(request, form, person, status=400)
        data = form.cleaned_data
        try:
            grant = grant_create(
                actor=self.acting,
                tenant=self.tenant,
                national_number=(
                    person.national_number if person is not None else data["national_number"]
                ),
                role=data["role"],
                valid_from=data["valid_from"],
                valid_until=data["valid_until"],
                for_clients=data["for_clients"],
            )
        except ValidationError as exc:
            _put_errors_on_form(form, exc)
            return self._render(request, form, person, status=400)
        except PermissionDenied as exc:
            form.add_error(None, str(exc) or _("You may not grant this role."))
            return self._render(request, form, person, status=403)
        messages.success(
            request,
            _("%(person)s now holds the role “%(role)s” of %(service)s.")
            % {
                "person": grant.person,
                "role": grant.role.name,
                "service": grant.role.service.name,
            },
        )
        return HttpResponseRedirect(reverse("companies:collaborator", args=[grant.person_id]))


class GrantRevokeView(CompanyPageView):
    """GET shows what will be revoked and asks to confirm; POST (with the confirmation) revokes."""

    template_name = "companies/grant_revoke.html"

    def _grant(self, grant_id: int) -> Grant:
        grant = selectors.grant_get(tenant=self.tenant, grant_id=grant_id)
        if grant is None:
            raise Http404(_("No such grant in this company."))
        # Asked on the confirmation page already, so the step-up comes before, not after.
        _require(self.acting, "companies.revoke_grant", grant)
        return grant

    def _render(
        self, request: HttpRequest, grant: Grant, form: ConfirmForm, status: int = 200
    ) -> HttpResponse:
        return render(
            request,
            self.template_name,
            {"grant": grant, "form": form, "status": selectors.grant_status(grant=grant)},
            status=status,
        )

    def get(self, request: HttpRequest, grant_id: int) -> HttpResponse:
        return self._render(request, self._grant(grant_id), ConfirmForm())

    def post(self, request: HttpRequest, grant_id: int) -> HttpResponse:
        grant = self._grant(grant_id)
        form = ConfirmForm(request.POST)
        if not form.is_valid():
            return self._render(request, grant, form, status=400)
        target = reverse("companies:collaborator", args=[grant.person_id])
        try:
            grant_revoke(actor=self.acting, tenant=self.tenant, grant=grant)
        except Conflict as exc:
            messages.error(request, exc.message)
            return HttpResponseRedirect(target)
        messages.success(
            request,
            _("The role “%(role)s” of %(service)s was revoked from %(person)s.")
            % {
                "role": grant.role.name,
                "service": grant.role.service.name,
                "person": grant.person,
            },
        )
        return HttpResponseRedirect(target)


# --- Access managers -----------------------------------------------------------------------------


class ManagerListView(CompanyPageView):
    """The current designations and legal representatives; the designation form for those who
    may designate."""

    template_name = "companies/manager_list.html"

    def _form(self, data: Any = None) -> DesignationForm:
        may_designate_main = _offered(
            self.acting, "companies.designate_main_manager", (AccessManagerKind.MAIN, None)
        )
        may_designate_managers = _offered(
            self.acting, "companies.designate_manager", (AccessManagerKind.DOMAIN, None)
        )
        domains = list(selectors.domain_list())
        managed = _managed_domain_ids(self.acting, self.tenant)
        own_domains = domains if managed is None else [d for d in domains if d.pk in managed]
        kinds: list[str] = []
        if may_designate_main:
            kinds.append(AccessManagerKind.MAIN)
        if may_designate_managers:
            kinds += [AccessManagerKind.CO_MAIN, AccessManagerKind.DOMAIN]
        if own_domains:
            kinds.append(AccessManagerKind.CO_DOMAIN)
        return DesignationForm(
            data,
            offered_kinds=kinds,
            accepted_domains=selectors.domain_list(),
            offered_domains=domains if may_designate_managers else own_domains,
        )

    def _render(
        self, request: HttpRequest, form: DesignationForm, status: int = 200
    ) -> HttpResponse:
        designations = list(selectors.access_manager_list(tenant=self.tenant))
        offer_end = _EndOffer(self.acting)
        return render(
            request,
            self.template_name,
            {
                "form": form,
                "may_designate": len(form.fields["kind"].widget.choices) > 0,
                "designations": [{"designation": d, "can_end": offer_end(d)} for d in designations],
                "representatives": selectors.legal_representative_list(tenant=self.tenant),
            },
            status=status,
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._render(request, self._form())


class _EndOffer:
    """Asks the engine whether to offer "end" for a designation, once per kind and domain (the
    authority to end one is the authority to designate that kind for that domain)."""

    def __init__(self, acting: ActingContext) -> None:
        self.acting = acting
        self.known: dict[tuple[str, int | None], bool] = {}

    def __call__(self, designation: AccessManager) -> bool:
        key = (designation.kind, designation.domain_id)
        if key not in self.known:
            kind = AccessManagerKind(designation.kind)
            self.known[key] = _offered(
                self.acting, DESIGNATE_ACTION[kind], (kind, designation.domain)
            )
        return self.known[key]


class ManagerDesignateView(ManagerListView):
    def get(self, request: HttpRequest) -> HttpResponse:
        return HttpResponseRedirect(reverse("companies:managers"))

    def post(self, request: HttpRequest) -> HttpResponse:
        form = self._form(request.POST)
        if not form.is_valid():
            return self._render(request, form, status=400)
        data = form.cleaned_data
        try:
            designation = access_manager_designate(
                actor=self.acting,
                tenant=self.tenant,
                national_number=data["national_number"],
                kind=data["kind"],
                domain=data["domain"],
            )
        except ValidationError as exc:
            _put_errors_on_form(form, exc)
            return self._render(request, form, status=400)
        except PermissionDenied as exc:
            form.add_error(None, str(exc) or _("You may not designate this access manager."))
            return self._render(request, form, status=403)
        messages.success(
            request,
            _("%(person)s is now %(kind)s.")
            % {"person": designation.person, "kind": designation.get_kind_display()},
        )
        return HttpResponseRedirect(reverse("companies:managers"))


class ManagerEndView(CompanyPageView):
    """GET shows the designation and asks to confirm; POST (with the confirmation) ends it."""

    template_name = "companies/manager_end.html"

    def _designation(self, designation_id: int) -> AccessManager:
        designation = selectors.access_manager_get(
            tenant=self.tenant, designation_id=designation_id
        )
        if designation is None:
            raise Http404(_("No such designation in this company."))
        kind = AccessManagerKind(designation.kind)
        _require(self.acting, DESIGNATE_ACTION[kind], (kind, designation.domain))
        return designation

    def _render(
        self,
        request: HttpRequest,
        designation: AccessManager,
        form: ConfirmForm,
        status: int = 200,
    ) -> HttpResponse:
        return render(
            request,
            self.template_name,
            {"designation": designation, "form": form},
            status=status,
        )

    def get(self, request: HttpRequest, designation_id: int) -> HttpResponse:
        return self._render(request, self._designation(designation_id), ConfirmForm())

    def post(self, request: HttpRequest, designation_id: int) -> HttpResponse:
        designation = self._designation(designation_id)
        form = ConfirmForm(request.POST)
        if not form.is_valid():
            return self._render(request, designation, form, status=400)
        try:
            access_manager_end(actor=self.acting, tenant=self.tenant, designation=designation)
        except Conflict as exc:
            messages.error(request, exc.message)
            return HttpResponseRedirect(reverse("companies:managers"))
        messages.success(
            request,
            _("%(person)s is no longer %(kind)s.")
            % {"person": designation.person, "kind": designation.get_kind_display()},
        )
        return HttpResponseRedirect(reverse("companies:managers"))


# --- Access matrix -------------------------------------------------------------------------------


class AccessMatrixView(CompanyPageView):
    def get(self, request: HttpRequest) -> HttpResponse:
        form = _filter_form(request, with_ended=False)
        filters = form.filters()
        filters.pop("include_ended")
        # The matrix loads its own grants: drop the list's prefetch of them.
        people = selectors.collaborator_list(tenant=self.tenant, **filters).prefetch_related(None)
        page = _paginate(request, people)
        matrix = selectors.access_matrix(tenant=self.tenant, people=list(page.object_list))
        return render(
            request,
            "companies/matrix.html",
            {"form": form, "page": page, "matrix": matrix},
        )


# --- Change history ------------------------------------------------------------------------------

ACTION_LABELS = {
    "companies.grant_created": gettext_lazy("Role granted"),
    "companies.grant_revoked": gettext_lazy("Role revoked"),
    "companies.grant_expired": gettext_lazy("Role expired"),
    "companies.grants_imported": gettext_lazy("Roles imported from a file"),
    "companies.access_manager_designated": gettext_lazy("Access manager designated"),
    "companies.access_manager_ended": gettext_lazy("Access manager designation ended"),
    "acting.choose_company": gettext_lazy("Started acting for the company"),
}

# The fields of a before/after snapshot the history shows, in this order.
HISTORY_FIELDS = {
    "person_id": gettext_lazy("Person"),
    "service": gettext_lazy("Service"),
    "role": gettext_lazy("Role"),
    "kind": gettext_lazy("Kind"),
    "domain": gettext_lazy("Domain"),
    "for_clients": gettext_lazy("For clients"),
    "valid_from": gettext_lazy("Valid from"),
    "valid_until": gettext_lazy("Valid until"),
    "ended_at": gettext_lazy("Ended at"),
    "end_reason": gettext_lazy("End reason"),
}


def _snapshot(event: Any, key: str) -> dict[str, Any]:
    data = event.data if isinstance(event.data, dict) else {}
    value = data.get(key)
    return value if isinstance(value, dict) else {}


def _history_value(key: str, value: Any, people: dict[int, Person]) -> str:
    if value is None or value == "":
        return "—"
    if key == "person_id":
        person = people.get(value) if isinstance(value, int) else None
        return str(person) if person is not None else _("person no. %(id)s") % {"id": value}
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if key == "kind" and value in AccessManagerKind.values:
        return str(AccessManagerKind(value).label)
    if key == "end_reason" and value in EndReason.values:
        return str(EndReason(value).label)
    if key == "ended_at":
        moment = parse_datetime(str(value))
        if moment is not None:
            return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")
    return str(value)


def _history_row(event: Any, people: dict[int, Person]) -> dict[str, Any]:
    before, after = _snapshot(event, "before"), _snapshot(event, "after")
    changes = []
    for key, label in HISTORY_FIELDS.items():
        if key not in before and key not in after:
            continue
        old, new = before.get(key), after.get(key)
        # A created object shows what it holds; a changed one what changed, and whom it is about.
        if not before and new in (None, ""):
            continue
        if before and old == new and key != "person_id":
            continue
        changes.append(
            {
                "label": label,
                "before": _history_value(key, old, people) if before else "",
                "after": _history_value(key, new, people) if after else "",
            }
        )
    rows = event.data.get("rows") if isinstance(event.data, dict) else None
    return {
        "event": event,
        "label": ACTION_LABELS.get(event.action, event.action),
        "changes": changes,
        "rows": rows if isinstance(rows, int) else None,
        "has_before": bool(before),
    }


class CompanyHistoryView(CompanyPageView):
    def get(self, request: HttpRequest) -> HttpResponse:
        page = _paginate(request, selectors.company_history(tenant=self.tenant))
        events = list(page.object_list)
        person_ids = {
            value
            for event in events
            for key in ("before", "after")
            if isinstance(value := _snapshot(event, key).get("person_id"), int)
        }
        people = selectors.person_map_for_tenant(tenant=self.tenant, person_ids=person_ids)
        return render(
            request,
            "companies/history.html",
            {"page": page, "rows": [_history_row(event, people) for event in events]},
        )


# --- CSV import and export -----------------------------------------------------------------------


def _import_context(**extra: Any) -> dict[str, Any]:
    return {
        "required_columns": REQUIRED_COLUMNS,
        "optional_columns": OPTIONAL_COLUMNS,
        "max_kib": MAX_IMPORT_BYTES // 1024,
        **extra,
    }


def _preview_rows(result: GrantImportResult) -> list[dict[str, Any]]:
    return [
        {
            "line": row.line,
            "number": mask_national_number(row.values.get("national_number", "")),
            "values": row.values,
            "errors": row.errors,
        }
        for row in result.rows
    ]


class GrantImportView(CompanyPageView):
    """Upload a CSV file of grants: every row is checked (nothing written) and listed. A file
    without errors is kept in the session, under a random token, for "apply"."""

    required_assurance = AssuranceLevel.HIGH
    template_name = "companies/import.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, self.template_name, _import_context(form=GrantImportUploadForm()))

    def post(self, request: HttpRequest) -> HttpResponse:
        form = GrantImportUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return render(request, self.template_name, _import_context(form=form), status=400)
        content: bytes = form.cleaned_data["file"]
        result = grants_import_csv(
            actor=self.acting, tenant=self.tenant, content=content, dry_run=True
        )
        request.session.pop(IMPORT_SESSION_KEY, None)
        apply_form = None
        if result.ok:
            token = secrets.token_urlsafe(32)
            request.session[IMPORT_SESSION_KEY] = {
                "token": token,
                "company_id": self.tenant.pk,
                "content": base64.b64encode(content).decode("ascii"),
            }
            apply_form = GrantImportApplyForm(initial={"token": token})
        return render(
            request,
            self.template_name,
            _import_context(
                form=GrantImportUploadForm(),
                result=result,
                rows=_preview_rows(result),
                apply_form=apply_form,
            ),
            status=200 if result.ok else 400,
        )


class GrantImportApplyView(CompanyPageView):
    """Apply the checked file kept in the session: all rows in one transaction, or none."""

    required_assurance = AssuranceLevel.HIGH

    def _stored_content(self, request: HttpRequest) -> bytes | None:
        form = GrantImportApplyForm(request.POST)
        stored = request.session.pop(IMPORT_SESSION_KEY, None)
        if not form.is_valid() or not isinstance(stored, dict):
            return None
        # The token proves the file is the one this page showed; the company, that the user
        # still acts for the company it was checked for.
        if not secrets.compare_digest(str(stored.get("token", "")), form.cleaned_data["token"]):
            return None
        if stored.get("company_id") != self.tenant.pk:
            return None
        try:
            content = base64.b64decode(str(stored.get("content", "")), validate=True)
        except (binascii.Error, ValueError):
            return None
        return content if len(content) <= MAX_IMPORT_BYTES else None

    def get(self, request: HttpRequest) -> HttpResponse:
        return HttpResponseRedirect(reverse("companies:import"))

    def post(self, request: HttpRequest) -> HttpResponse:
        content = self._stored_content(request)
        if content is None:
            messages.error(
                request,
                _(
                    "This import is no longer available (applied already, or replaced). Upload "
                    "the file again."
                ),
            )
            return HttpResponseRedirect(reverse("companies:import"))
        result = grants_import_csv(
            actor=self.acting, tenant=self.tenant, content=content, dry_run=False
        )
        if not result.ok:
            return render(
                request,
                "companies/import.html",
                _import_context(
                    form=GrantImportUploadForm(), result=result, rows=_preview_rows(result)
                ),
                status=400,
            )
        messages.success(
            request,
            ngettext(
                "%(count)d role was granted from the file.",
                "%(count)d roles were granted from the file.",
                result.applied,
            )
            % {"count": result.applied},
        )
        return HttpResponseRedirect(reverse("companies:collaborators"))


class GrantExportView(CompanyPageView):
    """Every grant of the company (with its status) as a CSV download."""

    def get(self, request: HttpRequest) -> HttpResponse:
        filename = f"grants-{self.tenant.enterprise_number}-{timezone.localdate():%Y-%m-%d}.csv"
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        # A byte-order mark, so spreadsheet programs read the accents right.
        response.write("\ufeff")
        csv.writer(response).writerows(selectors.grants_export_rows(tenant=self.tenant))
        return response
