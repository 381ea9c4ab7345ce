"""The last step of the wizards: everything checked once more, then, on confirmation, the service
that proposes, requests or sub-delegates the mandate."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from mandates.exceptions import MandateConflict
from mandates.forms import ConfirmForm, PartyForm, ScopeForm
from mandates.models import Mandate
from mandates.services import (
    mandate_propose,
    mandate_request,
    mandate_subdelegate,
    party_from_number,
)
from mandates.views.wizard import _WizardView

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
