"""Writes in the governance app: seats, meetings, decisions, applications and strategic plans.

Every act is authorised by the decision engine (it sits above this app, so it is looked up at
call time), validated, written in one transaction and audited. Decisions are never changed: a
correction is a new decision that supersedes the old one.

Other modules import from here only.
"""

from governance.services.applications import (
    NewOrganisation,
    application_report,
    application_submit,
)
from governance.services.decision_rules import DECISION_BODIES
from governance.services.decisions import decision_record
from governance.services.meetings import meeting_record
from governance.services.plans import plan_create, plan_version_add
from governance.services.seats import seat_create

__all__ = [
    "DECISION_BODIES",
    "NewOrganisation",
    "application_report",
    "application_submit",
    "decision_record",
    "meeting_record",
    "plan_create",
    "plan_version_add",
    "seat_create",
]
