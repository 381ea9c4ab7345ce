"""Accept, refuse, revoke or withdraw from a mandate, each confirmed on its own page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mandates.exceptions import MandateConflict
from mandates.forms import ConfirmForm
from mandates.models import Mandate
from mandates.services import mandate_accept, mandate_refuse, mandate_revoke, mandate_withdraw
from mandates.views._common import MandatePageView


@dataclass(frozen=True)
class _Act:
    service: Any
    title: str | Promise
    button: str | Promise
    warning: str | Promise
    done: str | Promise


ACTS = {
    "accept": _Act(
        service=mandate_accept,
        title=gettext_lazy("Accept this mandate"),
        button=gettext_lazy("Yes, accept the mandate"),
        warning=gettext_lazy(
            "Once accepted, the mandate is in force for its period: the mandatary may act for "
            "the mandator within its scope. Accepting needs the eID card (level of assurance "
            "high); you may be asked to confirm your identity with it."
        ),
        done=gettext_lazy("The mandate is accepted."),
    ),
    "refuse": _Act(
        service=mandate_refuse,
        title=gettext_lazy("Refuse this mandate"),
        button=gettext_lazy("Yes, refuse the mandate"),
        warning=gettext_lazy(
            "The mandate will never take effect. The refusal is recorded and cannot be undone; "
            "a new mandate would have to be proposed."
        ),
        done=gettext_lazy("The mandate is refused."),
    ),
    "revoke": _Act(
        service=mandate_revoke,
        title=gettext_lazy("Revoke this mandate"),
        button=gettext_lazy("Yes, revoke the mandate"),
        warning=gettext_lazy(
            "The mandate ends at once, without the mandatary's consent, and so does everything "
            "that was sub-delegated from it. The revocation is recorded and cannot be undone."
        ),
        done=gettext_lazy("The mandate is revoked. It no longer lets anyone act for you."),
    ),
    "withdraw": _Act(
        service=mandate_withdraw,
        title=gettext_lazy("Withdraw from this mandate"),
        button=gettext_lazy("Yes, withdraw from the mandate"),
        warning=gettext_lazy(
            "You give up the mandate at once: you may no longer act for the mandator, and "
            "everything you sub-delegated from it ends too. The mandator is told. The withdrawal "
            "is recorded and cannot be undone."
        ),
        done=gettext_lazy("You have withdrawn from the mandate. It no longer lets you act."),
    ),
}


class MandateActView(MandatePageView):
    """Confirm, then do one act on a mandate (``act``: accept, refuse, revoke or
    withdraw)."""

    act: str = ""

    def _render(
        self,
        request: HttpRequest,
        mandate: Mandate,
        form: ConfirmForm,
        error: str = "",
        status: int = 200,
    ) -> HttpResponse:
        return render(
            request,
            "mandates/confirm.html",
            self.context(
                mandate=mandate, act=ACTS[self.act], act_name=self.act, form=form, error=error
            ),
            status=status,
        )

    def get(self, request: HttpRequest, mandate_id: int) -> HttpResponse:
        return self._render(request, self.mandate_or_404(mandate_id), ConfirmForm())

    def post(self, request: HttpRequest, mandate_id: int) -> HttpResponse:
        mandate = self.mandate_or_404(mandate_id)
        form = ConfirmForm(request.POST)
        if not form.is_valid():
            return self._render(request, mandate, form, status=400)
        act = ACTS[self.act]
        try:
            act.service(actor=self.acting, mandate=mandate)
        except MandateConflict as exc:
            return self._render(request, mandate, form, error=exc.message, status=409)
        except PermissionDenied as exc:
            message = str(exc) or _("You may not do this.")
            return self._render(request, mandate, form, error=message, status=403)
        messages.success(request, str(act.done))
        return HttpResponseRedirect(reverse("mandates:detail", args=[mandate.pk]))
