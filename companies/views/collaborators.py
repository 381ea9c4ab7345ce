"""Collaborators: the people holding (or having held) a role in the acting company, and one
collaborator's roles."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from companies import selectors
from companies.models import Grant
from companies.views._common import (
    CompanyPageView,
    _collaborator_or_404,
    _filter_form,
    _managed_domain_ids,
    _offered,
)
from csam.pages import paginate

if TYPE_CHECKING:
    from csam.authz.context import ActingContext


class CollaboratorListView(CompanyPageView):
    def get(self, request: HttpRequest) -> HttpResponse:
        form = _filter_form(request)
        page = paginate(request, selectors.collaborator_list(tenant=self.tenant, **form.filters()))
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
