"""Access managers: who manages the acting company's access, designating one and ending a
designation."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from companies import selectors
from companies.exceptions import Conflict
from companies.forms import ConfirmForm, DesignationForm
from companies.models import AccessManager, AccessManagerKind
from companies.services import access_manager_designate, access_manager_end
from companies.services.access import DESIGNATE_ACTION
from companies.views._common import CompanyPageView, _managed_domain_ids, _offered, _require
from csam.pages import put_errors_on_form

if TYPE_CHECKING:
    from csam.authz.context import ActingContext


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
            put_errors_on_form(form, exc)
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
