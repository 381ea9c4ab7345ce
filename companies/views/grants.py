"""Grants, one at a time: giving a collaborator a role, and revoking one."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from companies import selectors
from companies.exceptions import Conflict
from companies.forms import ConfirmForm, GrantForm
from companies.models import Grant
from companies.services import grant_create, grant_revoke
from companies.views._common import (
    CompanyPageView,
    _collaborator_or_404,
    _managed_domain_ids,
    _require,
)
from csam.pages import put_errors_on_form
from identity.assurance import AssuranceLevel
from identity.models import Person


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
            put_errors_on_form(form, exc)
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
