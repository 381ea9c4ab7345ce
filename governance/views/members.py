"""The member organisations, and a member registering its services in the catalogue."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache

from csam.pages import put_errors_on_form
from governance import selectors
from governance.forms import ServiceForm
from governance.models import Organisation
from governance.views._common import _require
from identity.assurance import AssuranceLevel
from identity.decorators import AssuranceRequiredMixin


class MemberListView(View):
    """Member organisations, and who was approved when."""

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(
            request,
            "governance/members.html",
            {
                "members": selectors.organisation_list_members(),
                "approvals": selectors.member_approvals(),
            },
        )


@method_decorator(never_cache, name="dispatch")
class ServiceRegisterView(AssuranceRequiredMixin, View):
    """A member organisation's representative registers one of its e-government services in
    the catalogue (through the companies service, which refuses non-members)."""

    required_assurance = AssuranceLevel.SUBSTANTIAL
    template_name = "governance/service_form.html"

    def _organisation(self, request: HttpRequest, code: str) -> Organisation:
        organisation = selectors.organisation_get(code=code)
        if organisation is None:
            raise Http404(_("No such organisation."))
        _require(request.acting, "catalogue.register_service", organisation)
        return organisation

    def _form(self, data: Any = None) -> ServiceForm:
        # The catalogue sits above this app: read it at call time (dependencies point one way).
        from companies.selectors import domain_list

        return ServiceForm(data, domains=domain_list())

    def _render(
        self, request: HttpRequest, organisation: Organisation, form: ServiceForm, status: int = 200
    ) -> HttpResponse:
        return render(
            request,
            self.template_name,
            {
                "organisation": organisation,
                "form": form,
                "may_register": selectors.organisation_may_register_services(organisation),
            },
            status=status,
        )

    def get(self, request: HttpRequest, code: str) -> HttpResponse:
        organisation = self._organisation(request, code)
        return self._render(request, organisation, self._form())

    def post(self, request: HttpRequest, code: str) -> HttpResponse:
        from companies.services import service_register

        organisation = self._organisation(request, code)
        form = self._form(request.POST)
        if not form.is_valid():
            return self._render(request, organisation, form, status=400)
        data = form.cleaned_data
        try:
            service = service_register(
                actor=request.acting,
                organisation=organisation,
                code=data["code"],
                domain=form.domains[data["domain"]],
                name_en=data["name_en"],
                name_fr=data["name_fr"],
                name_nl=data["name_nl"],
                name_de=data["name_de"],
            )
        except ValidationError as exc:
            put_errors_on_form(form, exc)
            return self._render(request, organisation, form, status=400)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
            return self._render(request, organisation, form, status=403)
        messages.success(
            request,
            _("The service “%(service)s” is now in the catalogue.") % {"service": service.name},
        )
        return HttpResponseRedirect(reverse("governance:members"))
