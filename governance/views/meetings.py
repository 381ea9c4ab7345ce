"""A meeting with its quorum and decisions, its minutes (CSV and PDF), and recording a meeting
(the body's secretary)."""

from __future__ import annotations

import csv
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache

from csam.pages import put_errors_on_form
from governance import selectors
from governance.forms import MeetingForm
from governance.models import Body, Meeting
from governance.services import meeting_record
from governance.views._common import _body_or_404, _meeting_or_404, _offered, _require
from identity.assurance import AssuranceLevel
from identity.decorators import AssuranceRequiredMixin


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
            put_errors_on_form(form, exc)
            return self._render(request, body, form, status=400)
        messages.success(request, _("The meeting was recorded."))
        return HttpResponseRedirect(reverse("governance:meeting", args=[meeting.pk]))
