"""Reading the audit log."""

import datetime as dt

from django.db.models import QuerySet

from csam.audit.models import AuditEvent


def audit_event_list_for_period(
    *, since: dt.datetime, until: dt.datetime, tenant_id: int | None = None
) -> QuerySet[AuditEvent]:
    """The events with ``since <= at < until``, oldest first.

    With ``tenant_id``, only that company's events: those recorded with the company as tenant,
    exactly what the company's own history page shows. That is every change made while acting
    for the company (grants, access managers, CSV imports, expiries by the daily task), its
    mandates (as the mandator, or as the mandatary of a person), and each choice to act for it.
    Not included: its people's log-ins (personal events) and staff actions on the catalogue or in
    governance (no tenant). Without ``tenant_id``: every event, for staff only.
    """
    events = AuditEvent.objects.filter(at__gte=since, at__lt=until)
    if tenant_id is not None:
        events = events.filter(tenant_id=tenant_id)
    return events.order_by("id")
