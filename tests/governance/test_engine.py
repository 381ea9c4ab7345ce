"""Permission matrix of the governance actions against the engine."""

import pytest

from csam.authz.actions import Action
from csam.authz.context import ActingContext
from csam.authz.engine import decide
from tests.governance.conftest import actor

pytestmark = pytest.mark.django_db

WHO = ["mc_secretary", "omg_secretary", "member", "anonymous"]


def _actor(gov, who, level="high"):
    if who == "anonymous":
        return ActingContext(person=None)
    return actor(getattr(gov, who), level)


@pytest.mark.parametrize(
    ("who", "action", "body", "expected"),
    [
        (who, action, body, who == {"mc": "mc_secretary", "omg": "omg_secretary"}[body])
        for who in WHO
        for action in (Action.GOVERNANCE_RECORD_MEETING, Action.GOVERNANCE_RECORD_DECISION)
        for body in ("mc", "omg")
    ],
)
def test_recording_allowed_only_to_that_bodys_secretary(gov, who, action, body, expected):
    decision = decide(actor=_actor(gov, who), action=action, target=getattr(gov, body))
    assert decision.allowed is expected


@pytest.mark.parametrize(("who", "expected"), [(w, w == "omg_secretary") for w in WHO])
def test_applications_managed_only_by_group_secretary(gov, who, expected):
    decision = decide(actor=_actor(gov, who), action=Action.GOVERNANCE_MANAGE_APPLICATIONS)
    assert decision.allowed is expected


def test_record_decision_denied_below_level_high(gov):
    decision = decide(
        actor=actor(gov.mc_secretary, "substantial"),
        action=Action.GOVERNANCE_RECORD_DECISION,
        target=gov.mc,
    )
    assert decision.codes == ("assurance_too_low",)
