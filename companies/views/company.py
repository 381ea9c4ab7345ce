"""The company page: the acting company at a glance, and the user's own part in it."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from companies import selectors
from companies.views._common import CompanyPageView, _managed_domain_ids


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
