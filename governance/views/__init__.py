"""Governance pages. The register, the bodies, their members, the minutes, the applications and
the strategic plans are public; the recording pages are for each body's secretary, the pages
registering applications and their reports for the Operational Management Group's secretary,
and the drafting pages for those who sit on the drafting body (the engine decides, and also
decides what the pages offer). Objects come from the selectors; a missing one is 404."""

from governance.views.applications import (
    ApplicationDetailView,
    ApplicationListView,
    ApplicationReportView,
    ApplicationSubmitView,
)
from governance.views.bodies import BodyDetailView, BodyListView
from governance.views.decisions import DecisionDetailView, DecisionRecordView, RegisterView
from governance.views.meetings import (
    MeetingDetailView,
    MeetingRecordView,
    MinutesCsvView,
    MinutesPdfView,
)
from governance.views.members import MemberListView, ServiceRegisterView
from governance.views.plans import (
    PlanCreateView,
    PlanDetailView,
    PlanListView,
    PlanVersionAddView,
    PlanVersionDetailView,
)

__all__ = [
    "ApplicationDetailView",
    "ApplicationListView",
    "ApplicationReportView",
    "ApplicationSubmitView",
    "BodyDetailView",
    "BodyListView",
    "DecisionDetailView",
    "DecisionRecordView",
    "MeetingDetailView",
    "MeetingRecordView",
    "MemberListView",
    "MinutesCsvView",
    "MinutesPdfView",
    "PlanCreateView",
    "PlanDetailView",
    "PlanListView",
    "PlanVersionAddView",
    "PlanVersionDetailView",
    "RegisterView",
    "ServiceRegisterView",
]
