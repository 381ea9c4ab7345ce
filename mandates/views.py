"""The mandate pages: the mandates of the acting party, one mandate with its history, the acts
on it (accept, refuse, revoke, each confirmed), and the wizards that propose, request or
sub-delegate a mandate.

The acting party is the person acting in their own name, or the company they act for
(`mandate_viewer_party`, from ``request.acting``); a party id never comes from the request.
Mandates are looked up among the party's own, so another party's mandate is simply not found
(404). The acts go through the services, which ask the engine themselves: a `PermissionDenied`
or `MandateConflict` becomes a message on the page, and `StepUpRequired` goes up to the
middleware, which sends the user to the step-up page (accepting needs the eID card).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.cache import never_cache

from companies.models import Company
from companies.selectors import catalogue_domains_with_services, role_list_grantable
from identity.assurance import AssuranceLevel
from identity.decorators import AssuranceRequiredMixin
from identity.models import Person
from identity.numbers import mask_national_number
from mandates.exceptions import MandateConflict
from mandates.forms import (
    COMPANY,
    ConfirmForm,
    MandateFilterForm,
    PartyForm,
    ScopeForm,
    scope_catalogue,
)
from mandates.models import Initiator, Mandate, MandateState
from mandates.selectors import (
    mandate_events,
    mandate_get,
    mandate_list_awaiting,
    mandate_list_given,
    mandate_list_received,
    mandate_party_find,
    mandate_viewer_party,
)
from mandates.services import (
    mandate_accept,
    mandate_propose,
    mandate_refuse,
    mandate_request,
    mandate_revoke,
    mandate_subdelegate,
    party_from_number,
)

if TYPE_CHECKING:
    from csam.authz.context import ActingContext

Party = Person | Company
PAGE_SIZE = 20
TABS = ("given", "received", "awaiting")
WIZARD_SESSION_KEY = "csam_mandate_wizard"


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


def _deciding_party(mandate: Mandate) -> Party:
    """Who decides a pending mandate: the side that did not start it."""
    return mandate.mandatary if mandate.initiated_by == Initiator.MANDATOR else mandate.mandator


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


# --- Shared pieces -------------------------------------------------------------------------------


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


def _paginate(request: HttpRequest, items: QuerySet[Mandate]) -> Page:
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    page.elided_range = list(page.paginator.get_elided_page_range(page.number))
    return page


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
        page = _paginate(request, mandates)
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
                may_subdelegate=may_subdelegate,
                awaiting_other=pending and not _same(deciding, self.party),
                viewer_is_mandator=_same(mandate.mandator, self.party),
            ),
        )


# --- Accept, refuse, revoke ----------------------------------------------------------------------


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
}


class MandateActView(MandatePageView):
    """Confirm, then do one act on a mandate (``act``: accept, refuse or revoke)."""

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


# --- The wizards: propose, request, sub-delegate --------------------------------------------------


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
STEP_FIELDS = {
    "number": "party",
    "kind": "party",
    "scope": "scope",
    "valid_from": "scope",
    "valid_until": "scope",
    "max_depth": "scope",
    "allows_subdelegation": "scope",
    "parent": "scope",
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


@dataclass(frozen=True)
class _StepError:
    message: str
    url: str
    step_label: str


class WizardReviewView(_WizardView):
    """Step 3: everything once more, checked again, then the service on confirmation."""

    def _forms(self) -> tuple[PartyForm, ScopeForm] | None:
        stored = self.stored()
        if "party" not in stored or "scope" not in stored:
            return None
        return PartyForm(stored["party"]), self.scope_form(stored["scope"])

    def _render(
        self,
        request: HttpRequest,
        party_form: PartyForm,
        scope_form: ScopeForm,
        errors: list[_StepError],
        status: int = 200,
    ) -> HttpResponse:
        errors = list(errors)
        for form, step in ((party_form, "party"), (scope_form, "scope")):
            for field, field_errors in form.errors.items():
                errors += [
                    self._step_error(field if field != "__all__" else step, e) for e in field_errors
                ]
        party = self.stored()["party"]
        items = []
        if not scope_form.errors:
            items = [scope_form.options[v] for v in scope_form.cleaned_data["scope"]]
        return render(
            request,
            "mandates/wizard_review.html",
            self.context(
                step="review",
                other=self.shown_party(party["kind"], party["number"]),
                scope_items=items,
                data=scope_form.cleaned_data if not scope_form.errors else None,
                errors=errors,
                confirm_form=ConfirmForm(),
            ),
            status=status,
        )

    def _step_error(self, field: str, message: str) -> _StepError:
        step = STEP_FIELDS.get(field, "scope")
        label = _("The other party") if step == "party" else _("Scope and period")
        return _StepError(message=str(message), url=self.step_url(step), step_label=label)

    def handle_get(self, request: HttpRequest) -> HttpResponse:
        forms = self._forms()
        if forms is None:
            return self.restart("party" if "party" not in self.stored() else "scope")
        party_form, scope_form = forms
        valid = party_form.is_valid() & scope_form.is_valid()
        return self._render(request, party_form, scope_form, [], status=200 if valid else 400)

    def handle_post(self, request: HttpRequest) -> HttpResponse:
        forms = self._forms()
        if forms is None:
            return self.restart("party" if "party" not in self.stored() else "scope")
        party_form, scope_form = forms
        if not (party_form.is_valid() & scope_form.is_valid()):
            return self._render(request, party_form, scope_form, [], status=400)
        if not ConfirmForm(request.POST).is_valid():
            error = self._step_error("confirm", _("Confirm with the button on this page."))
            return self._render(request, party_form, scope_form, [error], status=400)
        try:
            mandate = self._create(party_form, scope_form)
        except ValidationError as exc:
            errors = [
                self._step_error(field, message)
                for field, messages_ in exc.message_dict.items()
                for message in messages_
            ]
            return self._render(request, party_form, scope_form, errors, status=400)
        except PermissionDenied as exc:
            error = self._step_error("", str(exc) or _("You may not do this."))
            return self._render(request, party_form, scope_form, [error], status=403)
        except MandateConflict as exc:
            error = self._step_error("parent", exc.message)
            return self._render(request, party_form, scope_form, [error], status=409)
        self.forget()
        other = mandate.mandator if self.flow.other == "mandator" else mandate.mandatary
        messages.success(request, str(self.flow.done) % {"party": other})
        return HttpResponseRedirect(reverse("mandates:detail", args=[mandate.pk]))

    def _create(self, party_form: PartyForm, scope_form: ScopeForm) -> Mandate:
        data = scope_form.cleaned_data
        period = {"valid_from": data["valid_from"], "valid_until": data.get("valid_until")}
        # One transaction: a person first named here is not kept if the service refuses.
        with transaction.atomic():
            other = party_from_number(
                kind=party_form.cleaned_data["kind"], number=party_form.cleaned_data["number"]
            )
            if self.flow_name == "request":
                return mandate_request(
                    actor=self.acting, mandator=other, scope=scope_form.scope_items(), **period
                )
            chain = {
                "allows_subdelegation": bool(data.get("allows_subdelegation")),
                "max_depth": data.get("max_depth") or 0,
            }
            if self.parent is not None:
                return mandate_subdelegate(
                    actor=self.acting,
                    parent=self.parent,
                    mandatary=other,
                    scope=scope_form.scope_items(),
                    **period,
                    **chain,
                )
            return mandate_propose(
                actor=self.acting,
                mandatary=other,
                scope=scope_form.scope_items(),
                **period,
                **chain,
            )
