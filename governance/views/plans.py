"""Strategic plans: the public list, a plan and its versions, and drafting (those who sit on
the drafting body)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache

from csam.pages import paginate, put_errors_on_form
from governance import selectors
from governance.forms import PlanCreateForm, PlanVersionForm
from governance.models import Body, BodyKind, StrategicPlan
from governance.services import plan_create, plan_version_add
from governance.views._common import _body_or_404, _offered, _require
from identity.assurance import AssuranceLevel
from identity.decorators import AssuranceRequiredMixin


def _plan_or_404(plan_id: int) -> StrategicPlan:
    plan = selectors.plan_get(plan_id=plan_id)
    if plan is None:
        raise Http404(_("No such strategic plan."))
    return plan


class PlanListView(View):
    """Strategic plans and their versions (public, like the decisions approving them)."""

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(
            request,
            "governance/plan_list.html",
            {
                "page": paginate(request, selectors.plan_list()),
                "drafting_bodies": [
                    body
                    for body in selectors.plan_drafting_body_list()
                    if _offered(request, "governance.draft_plan", body)
                ],
            },
        )


class PlanDetailView(View):
    """A plan's versions, which decision approved which, and the text of the latest one."""

    def get(self, request: HttpRequest, plan_id: int) -> HttpResponse:
        plan = _plan_or_404(plan_id)
        versions = list(selectors.plan_version_list(plan=plan))
        return render(
            request,
            "governance/plan_detail.html",
            {
                "plan": plan,
                "versions": versions,
                "latest": versions[0] if versions else None,
                "approval": selectors.plan_approval_in_force(plan=plan),
                "may_draft": _offered(request, "governance.draft_plan", plan.drafted_by),
            },
        )


class PlanVersionDetailView(View):
    def get(self, request: HttpRequest, plan_id: int, number: int) -> HttpResponse:
        plan = _plan_or_404(plan_id)
        version = selectors.plan_version_get(plan=plan, number=number)
        if version is None:
            raise Http404(_("No such version."))
        committee = selectors.body_get_by_kind(kind=BodyKind.MANAGEMENT_COMMITTEE)
        may_decide = committee is not None and _offered(
            request, "governance.record_decision", committee
        )
        return render(
            request,
            "governance/plan_version_detail.html",
            {
                "plan": plan,
                "version": version,
                "decision_meetings": (
                    selectors.meeting_list(body=committee)[:5] if may_decide else []
                ),
            },
        )


@method_decorator(never_cache, name="dispatch")
class PlanCreateView(AssuranceRequiredMixin, View):
    """Draft a new strategic plan for a working group or the Operational Management Group
    (those who sit on it)."""

    required_assurance = AssuranceLevel.SUBSTANTIAL
    template_name = "governance/plan_form.html"

    def _body(self, request: HttpRequest, code: str) -> Body:
        body = _body_or_404(code)
        if not selectors.body_drafts_plans(body=body):
            raise PermissionDenied(
                _(
                    "A strategic plan is drafted by a working group or the Operational "
                    "Management Group."
                )
            )
        _require(request.acting, "governance.draft_plan", body)
        return body

    def _render(
        self, request: HttpRequest, body: Body, form: PlanCreateForm, status: int = 200
    ) -> HttpResponse:
        return render(request, self.template_name, {"body": body, "form": form}, status=status)

    def get(self, request: HttpRequest, code: str) -> HttpResponse:
        body = self._body(request, code)
        return self._render(request, body, PlanCreateForm())

    def post(self, request: HttpRequest, code: str) -> HttpResponse:
        body = self._body(request, code)
        form = PlanCreateForm(request.POST)
        if not form.is_valid():
            return self._render(request, body, form, status=400)
        try:
            plan = plan_create(
                actor=request.acting,
                body=body,
                title=form.cleaned_data["title"],
                text=form.cleaned_data["text"],
            )
        except ValidationError as exc:
            put_errors_on_form(form, exc)
            return self._render(request, body, form, status=400)
        messages.success(request, _("The strategic plan was drafted (version 1)."))
        return HttpResponseRedirect(reverse("governance:plan", args=[plan.pk]))


@method_decorator(never_cache, name="dispatch")
class PlanVersionAddView(AssuranceRequiredMixin, View):
    """Add a new version of a plan (those who sit on its drafting body)."""

    required_assurance = AssuranceLevel.SUBSTANTIAL
    template_name = "governance/plan_version_form.html"

    def _plan(self, request: HttpRequest, plan_id: int) -> StrategicPlan:
        plan = _plan_or_404(plan_id)
        _require(request.acting, "governance.draft_plan", plan.drafted_by)
        return plan

    def _render(
        self, request: HttpRequest, plan: StrategicPlan, form: PlanVersionForm, status: int = 200
    ) -> HttpResponse:
        return render(request, self.template_name, {"plan": plan, "form": form}, status=status)

    def get(self, request: HttpRequest, plan_id: int) -> HttpResponse:
        plan = self._plan(request, plan_id)
        latest = selectors.plan_version_list(plan=plan).first()
        form = PlanVersionForm(initial={"text": latest.text if latest else ""})
        return self._render(request, plan, form)

    def post(self, request: HttpRequest, plan_id: int) -> HttpResponse:
        plan = self._plan(request, plan_id)
        form = PlanVersionForm(request.POST)
        if not form.is_valid():
            return self._render(request, plan, form, status=400)
        try:
            version = plan_version_add(
                actor=request.acting, plan=plan, text=form.cleaned_data["text"]
            )
        except ValidationError as exc:
            put_errors_on_form(form, exc)
            return self._render(request, plan, form, status=400)
        messages.success(
            request, _("Version %(number)s of the plan was added.") % {"number": version.number}
        )
        return HttpResponseRedirect(reverse("governance:plan", args=[plan.pk]))
