"""What every mandate page shares: the engine's view of which acts to offer, and
`MandatePageView`, the base that resolves the acting party."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache

from companies.models import Company
from identity.assurance import AssuranceLevel
from identity.decorators import AssuranceRequiredMixin
from identity.models import Person
from mandates.models import Mandate
from mandates.selectors import mandate_get, mandate_viewer_party

if TYPE_CHECKING:
    from csam.authz.context import ActingContext

Party = Person | Company


# --- The engine (it sits above this app: looked up at call time, dependencies point one way) ---


def _scope_domain_ids(mandate: Mandate) -> frozenset[int]:
    """The domains a mandate's scope touches (its scope is prefetched by the selectors)."""
    ids = set()
    for item in mandate.scope.all():
        if item.domain_id is not None:
            ids.add(item.domain_id)
        elif item.service_id is not None:
            ids.add(item.service.domain_id)
        else:
            ids.add(item.role.service.domain_id)
    return frozenset(ids)


def _offered(acting: ActingContext, action: str, party: Party, mandate: Mandate) -> bool:
    """Whether to offer an act on the page: the engine allows it, or it lacks only the level of
    assurance (the act then leads through the step-up page). The service decides again."""
    from csam.authz.actions import Action
    from csam.authz.engine import decide

    decision = decide(
        actor=acting,
        action=Action(action),
        target=(party, _scope_domain_ids(mandate)),
        tenant=party if isinstance(party, Company) else None,
    )
    return decision.allowed or decision.codes == ("assurance_too_low",)


def _same(a: Party, b: Party) -> bool:
    return type(a) is type(b) and a.pk == b.pk


# --- The base of the pages -----------------------------------------------------------------------


class _PartyMixin(View):
    """The party the user handles mandates for now (themselves, or the company they act for)."""

    acting: ActingContext
    party: Party

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.acting = request.acting
        self.party = mandate_viewer_party(actor=self.acting)
        return super().dispatch(request, *args, **kwargs)

    def context(self, **extra: Any) -> dict[str, Any]:
        return {"party": self.party, "party_is_company": isinstance(self.party, Company), **extra}

    def mandate_or_404(self, mandate_id: int) -> Mandate:
        mandate = mandate_get(party=self.party, mandate_id=mandate_id)
        if mandate is None:
            raise Http404(_("No such mandate among yours."))
        return mandate


@method_decorator(never_cache, name="dispatch")
class MandatePageView(AssuranceRequiredMixin, _PartyMixin):
    """Base of the pages: logged in (at ``required_assurance``), then the acting party.
    Personal data: never cached."""

    required_assurance = AssuranceLevel.LOW
