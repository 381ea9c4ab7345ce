"""The strategic plan pages: drafting a plan and its versions (those who sit on a working group
or the Operational Management Group), the versions and the decisions approving them."""

from django.urls import reverse

import pytest

from csam.audit.models import AuditEvent
from governance.models import StrategicPlan, StrategicPlanVersion
from governance.services import decision_record
from tests.factories.governance import (
    SeatFactory,
    StrategicPlanFactory,
    StrategicPlanVersionFactory,
)
from tests.factories.identity import UserFactory
from tests.governance.conftest import actor

pytestmark = pytest.mark.django_db

ACTORS = ["anonymous", "citizen", "wg_secretary", "mc_secretary", "staff"]


def _client(client, client_at, gov, who, level="substantial"):
    if who == "anonymous":
        return client
    return client_at(getattr(gov, who), level)


def _expected(who, allowed):
    """Anonymous goes to the log-in page; only the working group's secretary is allowed."""
    if who == "anonymous":
        return 302
    return allowed if who == "wg_secretary" else 403


@pytest.fixture
def plan(gov):
    plan = StrategicPlanFactory(title="Digital identity 2030", drafted_by=gov.wg)
    StrategicPlanVersionFactory(plan=plan, number=1, text="First draft.")
    return plan


def _approve(gov, meeting, version, **kw):
    values = {"outcome": "approved", "votes_for": 3, "rationale": "A good plan."}
    values.update(kw)
    return decision_record(
        actor=actor(gov.mc_secretary),
        meeting=meeting,
        type="plan_approval",
        plan_version=version,
        **values,
    )


# --- Permission matrices --------------------------------------------------------------------------


@pytest.mark.parametrize("who", ACTORS)
def test_plan_create_page_matrix(client, client_at, gov, who):
    response = _client(client, client_at, gov, who).get(
        reverse("governance:plan_create", args=[gov.wg.code])
    )
    assert response.status_code == _expected(who, 200)


@pytest.mark.parametrize("who", ACTORS)
def test_plan_create_post_matrix(client, client_at, gov, who):
    response = _client(client, client_at, gov, who).post(
        reverse("governance:plan_create", args=[gov.wg.code]),
        {"title": "Security roadmap", "text": "Phase one."},
    )
    assert response.status_code == _expected(who, 302)
    assert StrategicPlan.objects.count() == (1 if who == "wg_secretary" else 0)


@pytest.mark.parametrize("who", ACTORS)
def test_plan_version_add_page_matrix(client, client_at, gov, plan, who):
    response = _client(client, client_at, gov, who).get(
        reverse("governance:plan_version_add", args=[plan.pk])
    )
    assert response.status_code == _expected(who, 200)


@pytest.mark.parametrize("who", ACTORS)
def test_plan_version_add_post_matrix(client, client_at, gov, plan, who):
    response = _client(client, client_at, gov, who).post(
        reverse("governance:plan_version_add", args=[plan.pk]), {"text": "Second draft."}
    )
    assert response.status_code == _expected(who, 302)
    assert plan.versions.count() == (2 if who == "wg_secretary" else 1)


@pytest.mark.parametrize("who", ACTORS)
def test_plan_pages_are_public(client, client_at, gov, plan, who):
    c = _client(client, client_at, gov, who)
    responses = [
        c.get(reverse("governance:plans")),
        c.get(reverse("governance:plan", args=[plan.pk])),
        c.get(reverse("governance:plan_version", args=[plan.pk, 1])),
    ]
    assert [r.status_code for r in responses] == [200, 200, 200]
    assert "Digital identity 2030" in responses[0].content.decode()
    assert "First draft." in responses[2].content.decode()


@pytest.mark.parametrize("who", ["citizen", "mc_secretary", "staff"])
def test_plan_create_denial_explains_who_may(client_at, gov, who):
    response = client_at(getattr(gov, who), "substantial").get(
        reverse("governance:plan_create", args=[gov.wg.code])
    )
    assert response.status_code == 403
    assert "Only those who sit on Security working group draft its plans." in (
        response.content.decode()
    )


def test_plan_create_allowed_to_group_secretary_for_the_group(client_at, gov):
    response = client_at(gov.omg_secretary, "substantial").post(
        reverse("governance:plan_create", args=[gov.omg.code]),
        {"title": "Operations plan", "text": "Run the service."},
    )
    assert response.status_code == 302
    assert StrategicPlan.objects.get().drafted_by == gov.omg


def test_plan_version_add_allowed_to_seated_member_of_drafting_body(client_at, gov, plan):
    # The engine lets everyone who sits on the drafting body draft, not only its secretary.
    drafter = UserFactory()
    SeatFactory(body=gov.wg, organisation=gov.sponsors[1], person=drafter.person)
    response = client_at(drafter, "substantial").post(
        reverse("governance:plan_version_add", args=[plan.pk]), {"text": "Second draft."}
    )
    assert response.status_code == 302
    assert plan.versions.get(number=2).drafted_by == drafter.person


def test_plan_create_refused_for_management_committee_with_message(client_at, gov):
    # The committee's secretary sits on it, but the committee approves plans, it does not draft.
    response = client_at(gov.mc_secretary, "substantial").get(
        reverse("governance:plan_create", args=[gov.mc.code])
    )
    assert response.status_code == 403
    assert (
        "A strategic plan is drafted by a working group or the Operational Management Group."
        in response.content.decode()
    )


def test_plan_create_page_steps_up_when_session_low(client_at, gov):
    response = client_at(gov.wg_secretary, "low").get(
        reverse("governance:plan_create", args=[gov.wg.code])
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/step-up/?level=substantial")


def test_plan_pages_404_when_unknown(client, client_at, gov, plan):
    assert client.get(reverse("governance:plan", args=[999])).status_code == 404
    assert client.get(reverse("governance:plan_version", args=[plan.pk, 9])).status_code == 404
    c = client_at(gov.wg_secretary, "substantial")
    assert c.get(reverse("governance:plan_version_add", args=[999])).status_code == 404
    assert c.get(reverse("governance:plan_create", args=["nope"])).status_code == 404


# --- Drafting -------------------------------------------------------------------------------------


def test_plan_create_keeps_first_version_and_audits(client_at, gov):
    response = client_at(gov.wg_secretary, "substantial").post(
        reverse("governance:plan_create", args=[gov.wg.code]),
        {"title": "Security roadmap", "text": "Phase one."},
    )
    plan = StrategicPlan.objects.get()
    assert response["Location"] == reverse("governance:plan", args=[plan.pk])
    version = plan.versions.get()
    assert (version.number, version.text, version.drafted_by) == (
        1,
        "Phase one.",
        gov.wg_secretary.person,
    )
    actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
    assert actions[-2:] == ["governance.plan_created", "governance.plan_version_added"]


def test_plan_create_refused_when_text_blank(client_at, gov):
    response = client_at(gov.wg_secretary, "substantial").post(
        reverse("governance:plan_create", args=[gov.wg.code]), {"title": "Roadmap", "text": " "}
    )
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert StrategicPlan.objects.count() == 0


def test_plan_version_add_keeps_earlier_versions(client_at, gov, plan):
    c = client_at(gov.wg_secretary, "substantial")
    page = c.get(reverse("governance:plan_version_add", args=[plan.pk]))
    assert "First draft." in page.content.decode()  # the form starts from the latest text
    c.post(reverse("governance:plan_version_add", args=[plan.pk]), {"text": "Second draft."})
    assert list(plan.versions.values_list("number", "text")) == [
        (1, "First draft."),
        (2, "Second draft."),
    ]
    assert AuditEvent.objects.filter(action="governance.plan_version_added").count() == 1


def test_plan_version_add_refused_when_text_unchanged(client_at, gov, plan):
    response = client_at(gov.wg_secretary, "substantial").post(
        reverse("governance:plan_version_add", args=[plan.pk]), {"text": "First draft."}
    )
    assert response.status_code == 400
    assert "This text is the same as version 1: a new version changes something." in (
        response.content.decode()
    )
    assert StrategicPlanVersion.objects.count() == 1


# --- Which version was approved by which decision -------------------------------------------------


def test_plan_detail_shows_which_version_which_decision_approved(client, gov, plan, meeting):
    approval = _approve(gov, meeting, plan.versions.get(number=1))
    StrategicPlanVersionFactory(plan=plan, number=2, text="Second draft.")
    body = client.get(reverse("governance:plan", args=[plan.pk])).content.decode()
    assert f"version 1, approved on {meeting.date:%Y-%m-%d}" in body
    assert reverse("governance:decision", args=[approval.pk]) in body
    assert "not decided" in body  # version 2
    assert "Second draft." in body  # the latest text
    decision_page = client.get(reverse("governance:decision", args=[approval.pk])).content
    assert reverse("governance:plan_version", args=[plan.pk, 1]) in decision_page.decode()


def test_plan_detail_shows_no_approval_once_corrected(client, gov, plan, meeting):
    version = plan.versions.get(number=1)
    first = _approve(gov, meeting, version)
    _approve(
        gov,
        meeting,
        version,
        outcome="rejected",
        votes_for=0,
        votes_against=3,
        supersedes=first,
        rationale="Recorded wrongly.",
    )
    body = client.get(reverse("governance:plan", args=[plan.pk])).content.decode()
    assert "none yet" in body
    assert "superseded" in body


def test_plan_version_offers_committee_meetings_to_committee_secretary(
    client, client_at, gov, plan, meeting
):
    version = plan.versions.get(number=1)
    url = reverse("governance:plan_version", args=[plan.pk, 1])
    link = f"{reverse('governance:decision_record', args=[meeting.pk])}?plan_version={version.pk}"
    assert link not in client.get(url).content.decode()
    assert link not in client_at(gov.wg_secretary, "high").get(url).content.decode()
    assert link in client_at(gov.mc_secretary, "high").get(url).content.decode()
    form = client_at(gov.mc_secretary, "high").get(link).content.decode()
    assert f'<option value="{version.pk}" selected>' in form
    assert '<option value="plan_approval" selected>' in form


# --- What the lists offer -------------------------------------------------------------------------


def test_plan_list_offers_drafting_only_for_bodies_one_sits_on(client, client_at, gov):
    wg_link = reverse("governance:plan_create", args=[gov.wg.code])
    omg_link = reverse("governance:plan_create", args=[gov.omg.code])
    assert wg_link not in client.get(reverse("governance:plans")).content.decode()
    page = client_at(gov.wg_secretary, "substantial").get(reverse("governance:plans"))
    assert wg_link in page.content.decode()
    assert omg_link not in page.content.decode()


def test_body_page_offers_drafting_to_seated_person_of_drafting_body(client_at, gov):
    wg_link = reverse("governance:plan_create", args=[gov.wg.code])
    mc_link = reverse("governance:plan_create", args=[gov.mc.code])
    c = client_at(gov.wg_secretary, "substantial")
    assert wg_link in c.get(reverse("governance:body", args=[gov.wg.code])).content.decode()
    c = client_at(gov.mc_secretary, "substantial")
    assert mc_link not in c.get(reverse("governance:body", args=[gov.mc.code])).content.decode()


def test_plan_list_is_paginated_with_bounded_queries(client, gov, django_assert_max_num_queries):
    for _ in range(30):
        StrategicPlanVersionFactory(plan=StrategicPlanFactory(drafted_by=gov.wg), number=1)
    with django_assert_max_num_queries(12):
        first = client.get(reverse("governance:plans"))
    assert "30 strategic plans" in first.content.decode()
    assert client.get(reverse("governance:plans"), {"page": 2}).status_code == 200


def test_governance_navigation_links_applications_and_plans(client, gov):
    body = client.get(reverse("governance:register")).content.decode()
    assert reverse("governance:applications") in body
    assert reverse("governance:plans") in body
