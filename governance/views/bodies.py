"""The bodies, and one body with its current members and its meetings."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views import View

from csam.pages import paginate
from governance import selectors
from governance.views._common import _body_or_404, _offered


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
                "page": paginate(request, selectors.meeting_list(body=body)),
                "may_record": _offered(request, "governance.record_meeting", body),
                "may_draft": selectors.body_drafts_plans(body=body)
                and _offered(request, "governance.draft_plan", body),
            },
        )
