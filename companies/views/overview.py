"""Overview and history: the collaborators × services matrix and the company's change
history."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from companies import selectors
from companies.models import AccessManagerKind, EndReason
from companies.views._common import CompanyPageView, _filter_form
from csam.pages import paginate
from identity.models import Person

# --- Access matrix -------------------------------------------------------------------------------


class AccessMatrixView(CompanyPageView):
    def get(self, request: HttpRequest) -> HttpResponse:
        form = _filter_form(request, with_ended=False)
        filters = form.filters()
        filters.pop("include_ended")
        # The matrix loads its own grants: drop the list's prefetch of them.
        people = selectors.collaborator_list(tenant=self.tenant, **filters).prefetch_related(None)
        page = paginate(request, people)
        matrix = selectors.access_matrix(tenant=self.tenant, people=list(page.object_list))
        return render(
            request,
            "companies/matrix.html",
            {"form": form, "page": page, "matrix": matrix},
        )


# --- Change history ------------------------------------------------------------------------------

ACTION_LABELS = {
    "companies.grant_created": gettext_lazy("Role granted"),
    "companies.grant_revoked": gettext_lazy("Role revoked"),
    "companies.grant_expired": gettext_lazy("Role expired"),
    "companies.grants_imported": gettext_lazy("Roles imported from a file"),
    "companies.access_manager_designated": gettext_lazy("Access manager designated"),
    "companies.access_manager_ended": gettext_lazy("Access manager designation ended"),
    "acting.choose_company": gettext_lazy("Started acting for the company"),
}

# The fields of a before/after snapshot the history shows, in this order.
HISTORY_FIELDS = {
    "person_id": gettext_lazy("Person"),
    "service": gettext_lazy("Service"),
    "role": gettext_lazy("Role"),
    "kind": gettext_lazy("Kind"),
    "domain": gettext_lazy("Domain"),
    "for_clients": gettext_lazy("For clients"),
    "valid_from": gettext_lazy("Valid from"),
    "valid_until": gettext_lazy("Valid until"),
    "ended_at": gettext_lazy("Ended at"),
    "end_reason": gettext_lazy("End reason"),
}


def _snapshot(event: Any, key: str) -> dict[str, Any]:
    data = event.data if isinstance(event.data, dict) else {}
    value = data.get(key)
    return value if isinstance(value, dict) else {}


def _history_value(key: str, value: Any, people: dict[int, Person]) -> str:
    if value is None or value == "":
        return "—"
    if key == "person_id":
        person = people.get(value) if isinstance(value, int) else None
        return str(person) if person is not None else _("person no. %(id)s") % {"id": value}
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if key == "kind" and value in AccessManagerKind.values:
        return str(AccessManagerKind(value).label)
    if key == "end_reason" and value in EndReason.values:
        return str(EndReason(value).label)
    if key == "ended_at":
        moment = parse_datetime(str(value))
        if moment is not None:
            return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")
    return str(value)


def _history_row(event: Any, people: dict[int, Person]) -> dict[str, Any]:
    before, after = _snapshot(event, "before"), _snapshot(event, "after")
    changes = []
    for key, label in HISTORY_FIELDS.items():
        if key not in before and key not in after:
            continue
        old, new = before.get(key), after.get(key)
        # A created object shows what it holds; a changed one what changed, and whom it is about.
        if not before and new in (None, ""):
            continue
        if before and old == new and key != "person_id":
            continue
        changes.append(
            {
                "label": label,
                "before": _history_value(key, old, people) if before else "",
                "after": _history_value(key, new, people) if after else "",
            }
        )
    rows = event.data.get("rows") if isinstance(event.data, dict) else None
    return {
        "event": event,
        "label": ACTION_LABELS.get(event.action, event.action),
        "changes": changes,
        "rows": rows if isinstance(rows, int) else None,
        "has_before": bool(before),
    }


class CompanyHistoryView(CompanyPageView):
    def get(self, request: HttpRequest) -> HttpResponse:
        page = paginate(request, selectors.company_history(tenant=self.tenant))
        events = list(page.object_list)
        person_ids = {
            value
            for event in events
            for key in ("before", "after")
            if isinstance(value := _snapshot(event, key).get("person_id"), int)
        }
        people = selectors.person_map_for_tenant(tenant=self.tenant, person_ids=person_ids)
        return render(
            request,
            "companies/history.html",
            {"page": page, "rows": [_history_row(event, people) for event in events]},
        )
