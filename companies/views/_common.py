"""What every access manager page shares: asking the engine, the base view that resolves the
acting company, the collaborator lookup and the collaborator filters (paging and form errors are
every app's: `csam.pages`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache

from companies import selectors
from companies.forms import CollaboratorFilterForm
from companies.models import Company
from identity.assurance import AssuranceLevel
from identity.decorators import AssuranceRequiredMixin
from identity.models import Person

if TYPE_CHECKING:
    from csam.authz.context import ActingContext


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
