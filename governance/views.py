"""Governance pages. The register, the bodies, their members, the minutes, the applications and
the strategic plans are public; the recording pages are for each body's secretary, the pages
registering applications and their reports for the Operational Management Group's secretary,
and the drafting pages for those who sit on the drafting body (the engine decides, and also
decides what the pages offer). Objects come from the selectors; a missing one is 404."""

from __future__ import annotations

import csv
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import QuerySet
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache

from governance import selectors
from governance.forms import (
    ApplicationListFilterForm,
    ApplicationReportForm,
    ApplicationSubmitForm,
    DecisionForm,
    MeetingForm,
    PlanCreateForm,
    PlanVersionForm,
    RegisterFilterForm,
    ServiceForm,
)
from governance.models import (
    Application,
    ApplicationStatus,
    Body,
    BodyKind,
    Meeting,
    Organisation,
    StrategicPlan,
)
from governance.services import (
    application_report,
    application_submit,
    decision_record,
    meeting_record,
    plan_create,
    plan_version_add,
)
from identity.assurance import AssuranceLevel
from identity.decorators import AssuranceRequiredMixin

if TYPE_CHECKING:
    from csam.authz.context import ActingContext

PAGE_SIZE = 25


def _require(acting: ActingContext, action: str, target: Any) -> None:
    """Raise `PermissionDenied` (or `StepUpRequired`) unless the engine allows the act."""
    from csam.authz.actions import Action
    from csam.authz.engine import require

    require(actor=acting, action=Action(action), target=target)


def _offered(request: HttpRequest, action: str, target: Any) -> bool:
    """Offer the act on a page when the engine allows it or lacks only the level (step-up)."""
    from csam.authz.actions import Action
    from csam.authz.engine import decide

    acting = getattr(request, "acting", None)
    if acting is None or not acting.is_authenticated:
        return False
    decision = decide(actor=acting, action=Action(action), target=target)
    return decision.allowed or decision.codes == ("assurance_too_low",)


def _paginate(request: HttpRequest, items: QuerySet[Any]) -> Page:
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    page.elided_range = list(page.paginator.get_elided_page_range(page.number))
    return page


def _put_errors_on_form(form: Form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def _body_or_404(code: str) -> Body:
    body = selectors.body_get(code=code)
    if body is None:
        raise Http404(_("No such body."))
    return body


def _meeting_or_404(meeting_id: int) -> Meeting:
    meeting = selectors.meeting_get(meeting_id=meeting_id)
    if meeting is None:
        raise Http404(_("No such meeting."))
    return meeting


# --- Public pages ---------------------------------------------------------------------------------


class RegisterView(View):
    """The public register of decisions, filtered by body, type, outcome and date."""

    def get(self, request: HttpRequest) -> HttpResponse:
        form = RegisterFilterForm(request.GET or None, bodies=selectors.body_list())
        page = _paginate(request, selectors.decision_register(**form.filters()))
        return render(
            request,
            "governance/register.html",
            {"form": form, "page": page},
            status=400 if form.is_bound and not form.is_valid() else 200,
        )


class MemberListView(View):
    """Member organisations, and who was approved when."""

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(
            request,
            "governance/members.html",
            {
                "members": selectors.organisation_list_members(),
                "approvals": selectors.member_approvals(),
            },
        )


class BodyListView(View):
    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, "governance/body_list.html", {"bodies": selectors.body_list()})


class BodyDetailView(View):
    """A body's current members and its meetings."""

    def get(self, request: HttpRequest, code: str) -> HttpResponse:
        body = _body_or_404(code)
        return render(
            request,
            "governance/body_detail.html",
            {
                "body": body,
                "seats": selectors.seat_list(body=body, day=timezone.localdate()),
                "page": _paginate(request, selectors.meeting_list(body=body)),
                "may_record": _offered(request, "governance.record_meeting", body),
                "may_draft": selectors.body_drafts_plans(body=body)
                and _offered(request, "governance.draft_plan", body),
            },
        )


class MeetingDetailView(View):
    def get(self, request: HttpRequest, meeting_id: int) -> HttpResponse:
        meeting = _meeting_or_404(meeting_id)
        return render(
            request,
            "governance/meeting_detail.html",
            {
                "meeting": meeting,
                "quorum": selectors.meeting_quorum(meeting=meeting),
                "decisions": selectors.decision_list_for_meeting(meeting=meeting),
                "may_record": _offered(request, "governance.record_decision", meeting.body),
            },
        )


class DecisionDetailView(View):
    def get(self, request: HttpRequest, decision_id: int) -> HttpResponse:
        decision = selectors.decision_get(decision_id=decision_id)
        if decision is None:
            raise Http404(_("No such decision."))
        return render(request, "governance/decision_detail.html", {"decision": decision})


class MinutesCsvView(View):
    def get(self, request: HttpRequest, meeting_id: int) -> HttpResponse:
        meeting = _meeting_or_404(meeting_id)
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="minutes-{meeting.pk}.csv"'
        writer = csv.writer(response)
        for row in selectors.meeting_minutes_rows(meeting=meeting):
            writer.writerow(row)
        return response


def _minutes_pdf(meeting: Meeting) -> bytes:
    """The minutes as a PDF (ReportLab), from the same rows as the CSV export."""
    import io

    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table
    from reportlab.platypus.tables import TableStyle

    styles = getSampleStyleSheet()
    buffer = io.BytesIO()
    title = _("Minutes: %(body)s, %(date)s") % {
        "body": meeting.body.name,
        "date": meeting.date.isoformat(),
    }
    document = SimpleDocTemplate(buffer, pagesize=A4, title=title, lang="en")
    cell = styles["BodyText"]
    rows = [
        [Paragraph(escape(text), cell) for text in row]
        for row in selectors.meeting_minutes_rows(meeting=meeting)
    ]
    table = Table(rows, colWidths=[90, 150, 260], repeatRows=0)
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    document.build([Paragraph(escape(title), styles["Title"]), table])
    return buffer.getvalue()


class MinutesPdfView(View):
    def get(self, request: HttpRequest, meeting_id: int) -> HttpResponse:
        meeting = _meeting_or_404(meeting_id)
        response = HttpResponse(_minutes_pdf(meeting), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="minutes-{meeting.pk}.pdf"'
        return response


# --- Recording (secretaries) ----------------------------------------------------------------------


@method_decorator(never_cache, name="dispatch")
class MeetingRecordView(AssuranceRequiredMixin, View):
    """Record a meeting of the body: date, agenda and attendance (its secretary only)."""

    required_assurance = AssuranceLevel.SUBSTANTIAL
    template_name = "governance/meeting_form.html"

    def _body(self, request: HttpRequest, code: str) -> Body:
        body = _body_or_404(code)
        _require(request.acting, "governance.record_meeting", body)
        return body

    def _render(
        self, request: HttpRequest, body: Body, form: MeetingForm, status: int = 200
    ) -> HttpResponse:
        return render(request, self.template_name, {"body": body, "form": form}, status=status)

    def _form(self, body: Body, data: Any = None) -> MeetingForm:
        return MeetingForm(
            data,
            seats=selectors.seat_list(body=body, day=timezone.localdate()),
            initial={"date": timezone.localdate()},
        )

    def get(self, request: HttpRequest, code: str) -> HttpResponse:
        body = self._body(request, code)
        return self._render(request, body, self._form(body))

    def post(self, request: HttpRequest, code: str) -> HttpResponse:
        body = self._body(request, code)
        form = self._form(body, request.POST)
        if not form.is_valid():
            return self._render(request, body, form, status=400)
        try:
            meeting = meeting_record(
                actor=request.acting,
                body=body,
                date=form.cleaned_data["date"],
                title=form.cleaned_data["title"],
                agenda=form.agenda_items(),
                present_seat_ids=form.present_seat_ids(),
            )
        except ValidationError as exc:
            _put_errors_on_form(form, exc)
            return self._render(request, body, form, status=400)
        messages.success(request, _("The meeting was recorded."))
        return HttpResponseRedirect(reverse("governance:meeting", args=[meeting.pk]))


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
            _put_errors_on_form(form, exc)
            return self._render(request, meeting, form, status=400)
        messages.success(
            request,
            _("The decision “%(decision)s” was recorded.")
            % {"decision": decision.get_type_display()},
        )
        return HttpResponseRedirect(reverse("governance:meeting", args=[meeting.pk]))


# --- Applications --------------------------------------------------------------------------------


def _application_or_404(application_id: int) -> Application:
    application = selectors.application_get(application_id=application_id)
    if application is None:
        raise Http404(_("No such application."))
    return application


class ApplicationListView(View):
    """Applications to join the framework or the Strategic User Committee, with their status
    (public, like the decisions taken on them)."""

    def get(self, request: HttpRequest) -> HttpResponse:
        form = ApplicationListFilterForm(request.GET or None)
        page = _paginate(request, selectors.application_list(**form.filters()))
        return render(
            request,
            "governance/application_list.html",
            {
                "form": form,
                "page": page,
                "may_submit": _offered(request, "governance.manage_applications", None),
            },
            status=400 if form.is_bound and not form.is_valid() else 200,
        )


class ApplicationDetailView(View):
    """An application, the Operational Management Group's report and the decisions on it."""

    def get(self, request: HttpRequest, application_id: int) -> HttpResponse:
        application = _application_or_404(application_id)
        committee = selectors.body_get_by_kind(kind=BodyKind.MANAGEMENT_COMMITTEE)
        may_decide = (
            committee is not None
            and selectors.application_is_decidable(application=application)
            and _offered(request, "governance.record_decision", committee)
        )
        return render(
            request,
            "governance/application_detail.html",
            {
                "application": application,
                "decisions": selectors.application_decisions(application=application),
                "may_report": application.status == ApplicationStatus.SUBMITTED
                and _offered(request, "governance.manage_applications", application),
                "decision_meetings": (
                    selectors.meeting_list(body=committee)[:5] if may_decide else []
                ),
            },
        )


@method_decorator(never_cache, name="dispatch")
class ApplicationSubmitView(AssuranceRequiredMixin, View):
    """Register an organisation's application (the Operational Management Group's secretary,
    who receives them)."""

    required_assurance = AssuranceLevel.SUBSTANTIAL
    template_name = "governance/application_form.html"

    def _form(self, data: Any = None, target: str = "") -> ApplicationSubmitForm:
        return ApplicationSubmitForm(
            data,
            organisations=selectors.organisation_list_applicable(),
            initial={"target": target} if target else None,
        )

    def _render(
        self, request: HttpRequest, form: ApplicationSubmitForm, status: int = 200
    ) -> HttpResponse:
        return render(request, self.template_name, {"form": form}, status=status)

    def get(self, request: HttpRequest) -> HttpResponse:
        _require(request.acting, "governance.manage_applications", None)
        return self._render(request, self._form(target=request.GET.get("target", "")))

    def post(self, request: HttpRequest) -> HttpResponse:
        from identity.services import person_get_or_create

        _require(request.acting, "governance.manage_applications", None)
        form = self._form(request.POST)
        if not form.is_valid():
            return self._render(request, form, status=400)
        data = form.cleaned_data
        try:
            # One transaction: a refused application leaves no representative behind.
            with transaction.atomic():
                representative, _created = person_get_or_create(
                    national_number=data["national_number"],
                    given_names=data["given_names"],
                    surname=data["surname"],
                )
                application = application_submit(
                    actor=request.acting,
                    organisation=form.applicant(),
                    target=data["target"],
                    motivation=data["motivation"],
                    representative=representative,
                )
        except ValidationError as exc:
            _put_errors_on_form(form, _new_organisation_fields(exc))
            return self._render(request, form, status=400)
        messages.success(
            request,
            _("The application of %(organisation)s was registered.")
            % {"organisation": application.organisation.name},
        )
        return HttpResponseRedirect(reverse("governance:application", args=[application.pk]))


def _new_organisation_fields(error: ValidationError) -> ValidationError:
    """The service names a new organisation's fields as the model does; the form prefixes them."""
    if not hasattr(error, "error_dict"):
        return error
    renamed = {name.removeprefix("new_") for name in ApplicationSubmitForm.NEW_FIELDS}
    return ValidationError(
        {
            (f"new_{field}" if field in renamed else field): messages
            for field, messages in error.error_dict.items()
        }
    )


@method_decorator(never_cache, name="dispatch")
class ApplicationReportView(AssuranceRequiredMixin, View):
    """Record the Operational Management Group's report on an application (its secretary)."""

    required_assurance = AssuranceLevel.SUBSTANTIAL
    template_name = "governance/application_report.html"

    def _application(self, request: HttpRequest, application_id: int) -> Application:
        application = _application_or_404(application_id)
        _require(request.acting, "governance.manage_applications", application)
        return application

    def _render(
        self,
        request: HttpRequest,
        application: Application,
        form: ApplicationReportForm,
        status: int = 200,
    ) -> HttpResponse:
        return render(
            request,
            self.template_name,
            {
                "application": application,
                "form": form,
                "open": application.status == ApplicationStatus.SUBMITTED,
            },
            status=status,
        )

    def get(self, request: HttpRequest, application_id: int) -> HttpResponse:
        application = self._application(request, application_id)
        return self._render(request, application, ApplicationReportForm())

    def post(self, request: HttpRequest, application_id: int) -> HttpResponse:
        application = self._application(request, application_id)
        form = ApplicationReportForm(request.POST)
        if not form.is_valid():
            return self._render(request, application, form, status=400)
        try:
            application_report(
                actor=request.acting, application=application, report=form.cleaned_data["report"]
            )
        except ValidationError as exc:
            _put_errors_on_form(form, exc)
            return self._render(request, application, form, status=400)
        messages.success(
            request,
            _(
                "The report was recorded; the application awaits the Management Committee's "
                "decision."
            ),
        )
        return HttpResponseRedirect(reverse("governance:application", args=[application.pk]))


# --- Strategic plans ------------------------------------------------------------------------------


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
                "page": _paginate(request, selectors.plan_list()),
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
            _put_errors_on_form(form, exc)
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
            _put_errors_on_form(form, exc)
            return self._render(request, plan, form, status=400)
        messages.success(
            request, _("Version %(number)s of the plan was added.") % {"number": version.number}
        )
        return HttpResponseRedirect(reverse("governance:plan", args=[plan.pk]))


# --- A member registers its services --------------------------------------------------------------


@method_decorator(never_cache, name="dispatch")
class ServiceRegisterView(AssuranceRequiredMixin, View):
    """A member organisation's representative registers one of its e-government services in
    the catalogue (through the companies service, which refuses non-members)."""

    required_assurance = AssuranceLevel.SUBSTANTIAL
    template_name = "governance/service_form.html"

    def _organisation(self, request: HttpRequest, code: str) -> Organisation:
        organisation = selectors.organisation_get(code=code)
        if organisation is None:
            raise Http404(_("No such organisation."))
        _require(request.acting, "catalogue.register_service", organisation)
        return organisation

    def _form(self, data: Any = None) -> ServiceForm:
        # The catalogue sits above this app: read it at call time (dependencies point one way).
        from companies.selectors import domain_list

        return ServiceForm(data, domains=domain_list())

    def _render(
        self, request: HttpRequest, organisation: Organisation, form: ServiceForm, status: int = 200
    ) -> HttpResponse:
        return render(
            request,
            self.template_name,
            {
                "organisation": organisation,
                "form": form,
                "may_register": selectors.organisation_may_register_services(organisation),
            },
            status=status,
        )

    def get(self, request: HttpRequest, code: str) -> HttpResponse:
        organisation = self._organisation(request, code)
        return self._render(request, organisation, self._form())

    def post(self, request: HttpRequest, code: str) -> HttpResponse:
        from companies.services import service_register

        organisation = self._organisation(request, code)
        form = self._form(request.POST)
        if not form.is_valid():
            return self._render(request, organisation, form, status=400)
        data = form.cleaned_data
        try:
            service = service_register(
                actor=request.acting,
                organisation=organisation,
                code=data["code"],
                domain=form.domains[data["domain"]],
                name_en=data["name_en"],
                name_fr=data["name_fr"],
                name_nl=data["name_nl"],
                name_de=data["name_de"],
            )
        except ValidationError as exc:
            _put_errors_on_form(form, exc)
            return self._render(request, organisation, form, status=400)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
            return self._render(request, organisation, form, status=403)
        messages.success(
            request,
            _("The service “%(service)s” is now in the catalogue.") % {"service": service.name},
        )
        return HttpResponseRedirect(reverse("governance:members"))
