"""Reads behind the application and plan pages."""

import pytest

from governance.selectors import (
    application_is_decidable,
    application_list,
    application_list_decidable,
    plan_approval_in_force,
    plan_version_list,
)
from governance.services import decision_record
from tests.factories.governance import (
    ApplicationFactory,
    StrategicPlanFactory,
    StrategicPlanVersionFactory,
)
from tests.governance.conftest import actor

pytestmark = pytest.mark.django_db


def _decide(gov, meeting, outcome="approved", **links):
    votes = {"votes_for": 3} if outcome == "approved" else {"votes_against": 3}
    return decision_record(
        actor=actor(gov.mc_secretary),
        meeting=meeting,
        outcome=outcome,
        rationale="x",
        **votes,
        **links,
    )


def test_application_list_filters_by_target_and_status(gov):
    membership = ApplicationFactory()
    committee = ApplicationFactory(target="strategic_user_committee", reported=True)
    assert list(application_list(target="strategic_user_committee")) == [committee]
    assert list(application_list(status="submitted")) == [membership]
    assert set(application_list()) == {membership, committee}


def test_application_list_decidable_holds_reported_and_correctable_applications(gov, meeting):
    submitted = ApplicationFactory()
    reported = ApplicationFactory(reported=True)
    decided = ApplicationFactory(reported=True)
    _decide(gov, meeting, type="member_approval", application=decided)
    assert set(application_list_decidable()) == {reported, decided}
    assert not application_is_decidable(application=submitted)


def test_plan_approval_in_force_is_latest_approved_version_not_superseded(gov, meeting):
    plan = StrategicPlanFactory(drafted_by=gov.wg)
    first = StrategicPlanVersionFactory(plan=plan, number=1)
    second = StrategicPlanVersionFactory(plan=plan, number=2)
    assert plan_approval_in_force(plan=plan) is None
    _decide(gov, meeting, type="plan_approval", plan_version=first)
    approval = _decide(gov, meeting, type="plan_approval", plan_version=second)
    assert plan_approval_in_force(plan=plan) == approval
    _decide(
        gov,
        meeting,
        outcome="rejected",
        type="plan_approval",
        plan_version=second,
        supersedes=approval,
    )
    assert plan_approval_in_force(plan=plan).plan_version == first


def test_plan_version_list_newest_first_with_decisions(gov, meeting):
    plan = StrategicPlanFactory(drafted_by=gov.wg)
    first = StrategicPlanVersionFactory(plan=plan, number=1)
    StrategicPlanVersionFactory(plan=plan, number=2)
    approval = _decide(gov, meeting, type="plan_approval", plan_version=first)
    versions = list(plan_version_list(plan=plan))
    assert [v.number for v in versions] == [2, 1]
    assert list(versions[1].decisions.all()) == [approval]
