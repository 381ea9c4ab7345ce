"""The public register of decisions, one decision, and recording a decision (the body's
secretary)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache

from csam.pages import paginate, put_errors_on_form
from governance import selectors
from governance.forms import DecisionForm, RegisterFilterForm
from governance.models import Meeting
from governance.services import decision_record
from governance.views._common import _meeting_or_404, _require
from identity.assurance import AssuranceLevel
from identity.decorators import AssuranceRequiredMixin


class RegisterView(View):
    """The public register of decisions, filtered by body, type, outcome and date."""

    def get(self, request: HttpRequest) -> HttpResponse:
        form = RegisterFilterForm(request.GET or None, bodies=selectors.body_list())
        page = paginate(request, selectors.decision_register(**form.filters()))
        return render(
            request,
            "governance/register.html",
            {"form": form, "page": page},
            status=400 if form.is_bound and not form.is_valid() else 200,
        )


class DecisionDetailView(View):
    def get(self, request: HttpRequest, decision_id: int) -> HttpResponse:
        decision = selectors.decision_get(decision_id=decision_id)
        if decision is None:
            raise Http404(_("No such decision."))
        return render(request, "governance/decision_detail.html", {"decision": decision})


@method_decorator(never_cache, name="dispatch")
class DecisionRecordView(AssuranceRequiredMixin, View):
    """Record a decision of the meeting (its body's secretary, at level high)."""

    required_assurance = AssuranceLevel.HIGH
    template_name = "governance/decision_form.html"

    def _meeting(self, request: HttpRequest, meeting_id: int) -> Meeting:
        meeting = _meeting_or_404(meeting_id)
        _require(request.acting, "governance.record_decision", meeting.body)
        return meeting

    def _form(self, meeting: Meeting, data: Any = None, query: Any = None) -> DecisionForm:
        return DecisionForm(
            data,
            applications=selectors.application_list_decidable(),
            organisations=selectors.organisation_list_members(),
            plan_versions=selectors.plan_version_list_approvable(),
            correctable=selectors.decision_list_correctable(body=meeting.body),
            initial=DecisionForm.initial_from(query or {}),
        )

    def _render(
        self, request: HttpRequest, meeting: Meeting, form: DecisionForm, status: int = 200
    ) -> HttpResponse:
        return render(
            request,
            self.template_name,
            {
                "meeting": meeting,
                "form": form,
                "quorum": selectors.meeting_quorum(meeting=meeting),
            },
            status=status,
        )

    def get(self, request: HttpRequest, meeting_id: int) -> HttpResponse:
        meeting = self._meeting(request, meeting_id)
        # Coming from an application or a plan version: the decision is on it.
        return self._render(request, meeting, self._form(meeting, query=request.GET))

    def post(self, request: HttpRequest, meeting_id: int) -> HttpResponse:
        meeting = self._meeting(request, meeting_id)
        form = self._form(meeting, request.POST)
        if not form.is_valid():
            return self._render(request, meeting, form, status=400)
        data = form.cleaned_data
        person = None
        if data["national_number"]:
            from identity.services import person_get_or_create

            person, _created = person_get_or_create(national_number=data["national_number"])
        try:
            decision = decision_record(
                actor=request.acting,
                meeting=meeting,
                type=data["type"],
                outcome=data["outcome"],
                rationale=data["rationale"],
                votes_for=data["votes_for"],
                votes_against=data["votes_against"],
                votes_abstaining=data["votes_abstaining"],
                application=data["application"],
                organisation=data["organisation"],
                person=person,
                plan_version=data["plan_version"],
                supersedes=data["supersedes"],
            )
        except ValidationError as exc:
            put_errors_on_form(form, exc)
            return self._render(request, meeting, form, status=400)
        messages.success(
            request,
            _("The decision “%(decision)s” was recorded.")
            % {"decision": decision.get_type_display()},
        )
        return HttpResponseRedirect(reverse("governance:meeting", args=[meeting.pk]))
