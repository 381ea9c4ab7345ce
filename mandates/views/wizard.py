"""The wizards that propose, request or sub-delegate a mandate: the three flows, the base of their
steps (the answers kept in the session), and the first two steps (the other party; the scope and
period). The last step, which calls the service, is in `wizard_review`."""

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

from companies.models import Company
from companies.selectors import catalogue_domains_with_services, role_list_grantable
from identity.assurance import AssuranceLevel
from identity.numbers import mask_national_number
from mandates.forms import COMPANY, PartyForm, ScopeForm, scope_catalogue
from mandates.models import Mandate, MandateState
from mandates.selectors import mandate_party_find
from mandates.views._common import MandatePageView, _offered, _same

WIZARD_SESSION_KEY = "csam_mandate_wizard"


@dataclass(frozen=True)
class _Flow:
    name: str
    title: str | Promise
    other: str  # the other party's side: "mandatary" or "mandator"
    party_legend: str | Promise
    party_help: str | Promise
    button: str | Promise
    done: str | Promise


FLOWS = {
    "propose": _Flow(
        name="propose",
        title=gettext_lazy("Give a mandate"),
        other="mandatary",
        party_legend=gettext_lazy("Who may act on your behalf?"),
        party_help=gettext_lazy(
            "The mandatary: the person or company who will act for you once they accept."
        ),
        button=gettext_lazy("Send the proposal"),
        done=gettext_lazy(
            "The proposal is sent. The mandate takes effect once %(party)s accepts it."
        ),
    ),
    "request": _Flow(
        name="request",
        title=gettext_lazy("Ask for a mandate"),
        other="mandator",
        party_legend=gettext_lazy("On whose behalf do you want to act?"),
        party_help=gettext_lazy(
            "The mandator: the person or company who would give you the mandate. They decide."
        ),
        button=gettext_lazy("Send the request"),
        done=gettext_lazy(
            "The request is sent. The mandate takes effect once %(party)s approves it."
        ),
    ),
    "subdelegate": _Flow(
        name="subdelegate",
        title=gettext_lazy("Sub-delegate a mandate"),
        other="mandatary",
        party_legend=gettext_lazy("To whom do you pass this mandate on?"),
        party_help=gettext_lazy(
            "They will act for the same mandator, within this mandate's scope and period, once "
            "they accept."
        ),
        button=gettext_lazy("Send the sub-delegation"),
        done=gettext_lazy("The sub-delegation is sent. It takes effect once %(party)s accepts it."),
    ),
}


@dataclass(frozen=True)
class PartyShown:
    """The other party as the wizard shows it: the name if known, a masked number."""

    kind: str
    name: str
    number: str
    known: bool


class _WizardView(MandatePageView):
    """Base of the three steps. The answers are kept in the session, under one key per flow
    (and per parent mandate), and every step checks them again."""

    required_assurance = AssuranceLevel.SUBSTANTIAL
    flow_name: str = "propose"
    parent: Mandate | None = None

    @property
    def flow(self) -> _Flow:
        return FLOWS[self.flow_name]

    def setup_parent(self, mandate_id: int | None) -> HttpResponse | None:
        if self.flow_name != "subdelegate":
            return None
        assert mandate_id is not None  # noqa: S101 - the URL carries it
        parent = self.mandate_or_404(mandate_id)
        if not (
            parent.state == MandateState.ACCEPTED
            and parent.ended_at is None
            and parent.allows_subdelegation
            and parent.max_depth >= 1
        ):
            messages.error(self.request, _("This mandate may not be sub-delegated."))
            return HttpResponseRedirect(reverse("mandates:detail", args=[parent.pk]))
        if not _offered(self.acting, "mandates.subdelegate", parent.mandatary, parent):
            raise PermissionDenied(_("Only the mandatary can sub-delegate this mandate."))
        self.parent = parent
        return None

    def step_url(self, step: str) -> str:
        names = {"party": "", "scope": "_scope", "review": "_review"}
        args = [self.parent.pk] if self.parent is not None else []
        return reverse(f"mandates:{self.flow_name}{names[step]}", args=args)

    @property
    def session_key(self) -> str:
        suffix = f":{self.parent.pk}" if self.parent is not None else ""
        return f"{WIZARD_SESSION_KEY}:{self.flow_name}{suffix}"

    def stored(self) -> dict[str, Any]:
        value = self.request.session.get(self.session_key)
        return value if isinstance(value, dict) else {}

    def store(self, **values: Any) -> None:
        self.request.session[self.session_key] = {**self.stored(), **values}

    def forget(self) -> None:
        self.request.session.pop(self.session_key, None)

    def catalogue(self) -> Any:
        within = list(self.parent.scope.all()) if self.parent is not None else None
        return scope_catalogue(
            domains=catalogue_domains_with_services(),
            roles=role_list_grantable(domain_ids=None),
            within=within,
        )

    def scope_form(self, data: Any = None, initial: dict[str, Any] | None = None) -> ScopeForm:
        if self.parent is None:
            with_subdelegation, limit = self.flow_name == "propose", None
        else:
            with_subdelegation, limit = True, self.parent.max_depth - 1
        kwargs: dict[str, Any] = {"catalogue": self.catalogue()}
        kwargs["with_subdelegation"] = with_subdelegation
        if limit is not None:
            kwargs["max_depth_limit"] = limit
        if initial is not None:
            kwargs["initial"] = initial
        return ScopeForm(data, **kwargs)

    def shown_party(self, kind: str, digits: str) -> PartyShown:
        found = mandate_party_find(kind=kind, digits=digits)
        if isinstance(found, Company):
            return PartyShown(COMPANY, found.name, found.formatted_number, True)
        # A person is shown by the masked number only: typing a number must not reveal a name,
        # nor whether the person is known here.
        return PartyShown("person", "", mask_national_number(digits), True)

    def context(self, **extra: Any) -> dict[str, Any]:
        steps = [
            ("party", _("The other party")),
            ("scope", _("Scope and period")),
            ("review", _("Review and confirm")),
        ]
        return super().context(
            flow=self.flow,
            parent=self.parent,
            steps=[(key, label, self.step_url(key)) for key, label in steps],
            **extra,
        )

    def get(self, request: HttpRequest, mandate_id: int | None = None) -> HttpResponse:
        return self.setup_parent(mandate_id) or self.handle_get(request)

    def post(self, request: HttpRequest, mandate_id: int | None = None) -> HttpResponse:
        return self.setup_parent(mandate_id) or self.handle_post(request)

    def handle_get(self, request: HttpRequest) -> HttpResponse:
        raise NotImplementedError

    def handle_post(self, request: HttpRequest) -> HttpResponse:
        raise NotImplementedError

    def restart(self, step: str) -> HttpResponse:
        messages.info(self.request, _("Please answer this step first."))
        return HttpResponseRedirect(self.step_url(step))


class WizardPartyView(_WizardView):
    """Step 1: the other party, by number. Nothing is stored but the answer in the session."""

    def _render(self, request: HttpRequest, form: PartyForm, status: int = 200) -> HttpResponse:
        return render(
            request,
            "mandates/wizard_party.html",
            self.context(form=form, step="party"),
            status=status,
        )

    def handle_get(self, request: HttpRequest) -> HttpResponse:
        if self.parent is None and request.GET.get("restart"):
            self.forget()
        initial = self.stored().get("party")
        return self._render(request, PartyForm(initial=initial))

    def handle_post(self, request: HttpRequest) -> HttpResponse:
        form = PartyForm(request.POST)
        if form.is_valid():
            kind, digits = form.cleaned_data["kind"], form.cleaned_data["number"]
            found = mandate_party_find(kind=kind, digits=digits)
            if kind == COMPANY and found is None:
                form.add_error("number", _("No company with this enterprise number is registered."))
            elif found is not None and _same(found, self.party):
                form.add_error(
                    "number",
                    _("A mandate cannot be given to oneself.")
                    if self.flow.other == "mandatary"
                    else _("You cannot ask yourself for a mandate."),
                )
        if not form.is_valid():
            return self._render(request, form, status=400)
        self.store(party={"kind": form.cleaned_data["kind"], "number": form.cleaned_data["number"]})
        return HttpResponseRedirect(self.step_url("scope"))


class WizardScopeView(_WizardView):
    """Step 2: scope, period and sub-delegation."""

    def _render(self, request: HttpRequest, form: ScopeForm, status: int = 200) -> HttpResponse:
        party = self.stored()["party"]
        return render(
            request,
            "mandates/wizard_scope.html",
            self.context(
                form=form,
                step="scope",
                other=self.shown_party(party["kind"], party["number"]),
            ),
            status=status,
        )

    def handle_get(self, request: HttpRequest) -> HttpResponse:
        if "party" not in self.stored():
            return self.restart("party")
        stored_scope = self.stored().get("scope")
        initial = None
        if stored_scope is not None:
            initial = {
                **stored_scope,
                "allows_subdelegation": bool(stored_scope.get("allows_subdelegation")),
            }
        elif self.parent is not None:
            initial = {"valid_until": self.parent.valid_until, "max_depth": 1}
        return self._render(request, self.scope_form(initial=initial))

    def handle_post(self, request: HttpRequest) -> HttpResponse:
        if "party" not in self.stored():
            return self.restart("party")
        form = self.scope_form(request.POST)
        if not form.is_valid():
            return self._render(request, form, status=400)
        self.store(scope=form.as_session())
        return HttpResponseRedirect(self.step_url("review"))
