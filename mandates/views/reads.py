"""The party's mandates: the list in three tabs, and one mandate with its history and the acts
the viewer may do on it."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from csam.pages import paginate
from mandates.forms import MandateFilterForm
from mandates.models import Initiator, Mandate, MandateState
from mandates.selectors import (
    mandate_events,
    mandate_list_awaiting,
    mandate_list_given,
    mandate_list_received,
)
from mandates.views._common import MandatePageView, Party, _offered, _same

PAGE_SIZE = 20
TABS = ("given", "received", "awaiting")


def _deciding_party(mandate: Mandate) -> Party:
    """Who decides a pending mandate: the side that did not start it."""
    return mandate.mandatary if mandate.initiated_by == Initiator.MANDATOR else mandate.mandator


# --- My mandates ---------------------------------------------------------------------------------


class MandateListView(MandatePageView):
    """The party's mandates in three tabs: given, received, awaiting its decision."""

    def get(self, request: HttpRequest) -> HttpResponse:
        tab = request.GET.get("tab", "given")
        if tab not in TABS:
            tab = "given"
        form = MandateFilterForm(request.GET)
        state = form.cleaned_data["state"] if form.is_valid() else ""
        if tab == "given":
            mandates = mandate_list_given(party=self.party, state=state)
        elif tab == "received":
            mandates = mandate_list_received(party=self.party, state=state)
        else:
            mandates = mandate_list_awaiting(party=self.party)
        page = paginate(request, mandates, per_page=PAGE_SIZE)
        return render(
            request,
            "mandates/list.html",
            self.context(
                tab=tab,
                form=form,
                page=page,
                mandates=page.object_list,
                awaiting_count=(
                    page.paginator.count
                    if tab == "awaiting"
                    else mandate_list_awaiting(party=self.party).count()
                ),
            ),
        )


class MandateDetailView(MandatePageView):
    """One of the party's mandates: parties, scope, period, state, history, and the acts the
    viewer may do on it."""

    def get(self, request: HttpRequest, mandate_id: int) -> HttpResponse:
        mandate = self.mandate_or_404(mandate_id)
        pending = mandate.state == MandateState.PROPOSED
        running = mandate.state in (MandateState.PROPOSED, MandateState.ACCEPTED)
        deciding = _deciding_party(mandate)
        may_decide = pending and _offered(self.acting, "mandates.accept", deciding, mandate)
        may_subdelegate = (
            mandate.state == MandateState.ACCEPTED
            and mandate.ended_at is None
            and mandate.allows_subdelegation
            and mandate.max_depth >= 1
            and _offered(self.acting, "mandates.subdelegate", mandate.mandatary, mandate)
        )
        return render(
            request,
            "mandates/detail.html",
            self.context(
                mandate=mandate,
                events=mandate_events(mandate=mandate),
                may_accept=may_decide,
                may_refuse=pending and _offered(self.acting, "mandates.refuse", deciding, mandate),
                may_revoke=running
                and _offered(self.acting, "mandates.revoke", mandate.mandator, mandate),
                may_withdraw=mandate.state == MandateState.ACCEPTED
                and mandate.ended_at is None
                and _offered(self.acting, "mandates.withdraw", mandate.mandatary, mandate),
                may_subdelegate=may_subdelegate,
                awaiting_other=pending and not _same(deciding, self.party),
                viewer_is_mandator=_same(mandate.mandator, self.party),
            ),
        )
