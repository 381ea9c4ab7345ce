"""Applications: the public list and pages, registering an application and recording the
Operational Management Group's report on it (its secretary)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache

from csam.pages import paginate, put_errors_on_form
from governance import selectors
from governance.forms import (
    ApplicationListFilterForm,
    ApplicationReportForm,
    ApplicationSubmitForm,
)
from governance.models import Application, ApplicationStatus, BodyKind
from governance.services import application_report, application_submit
from governance.views._common import _offered, _require
from identity.assurance import AssuranceLevel
from identity.decorators import AssuranceRequiredMixin


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
        page = paginate(request, selectors.application_list(**form.filters()))
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
            put_errors_on_form(form, _new_organisation_fields(exc))
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
            put_errors_on_form(form, exc)
            return self._render(request, application, form, status=400)
        messages.success(
            request,
            _(
                "The report was recorded; the application awaits the Management Committee's "
                "decision."
            ),
        )
        return HttpResponseRedirect(reverse("governance:application", args=[application.pk]))
