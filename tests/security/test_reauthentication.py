"""Re-authentication before the most sensitive acts: designating a main access manager,
accepting a mandate and recording a governance decision need level high proven within
REAUTHENTICATION_MAX_AGE, not only once in the session. Other acts at level high do not."""

import base64
import datetime as dt

from django.urls import reverse
from django.utils import timezone

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from csam.authz.actions import REAUTHENTICATION_REQUIRED, Action
from csam.authz.context import ActingContext
from csam.authz.engine import decide
from csam.authz.services import SESSION_KEY as ACTING_SESSION_KEY
from identity.assurance import SESSION_KEY, Assurance, AssuranceLevel, Means, StepUpRequired
from identity.eid.pkcs11 import sign_challenge
from mandates.models import MandateState
from mandates.services import mandate_accept
from tests.companies.conftest import tenant  # noqa: F401 - a company with its legal representative
from tests.conftest import login_at, totp_code
from tests.factories.identity import PersonFactory, UserFactory
from tests.governance.conftest import gov, meeting  # noqa: F401 - a body, its secretary, a meeting
from tests.mandates.helpers import citizen_mandate

pytestmark = pytest.mark.django_db

STEP_UP = reverse("identity:step_up")
NEWCOMER = "85071412429"


def _actor(user, *, proven_ago: dt.timedelta, company=None) -> ActingContext:
    assurance = Assurance(
        level=AssuranceLevel.HIGH, means=(Means.EID,), at=timezone.now() - proven_ago
    )
    return ActingContext(
        person=user.person,
        assurance=assurance,
        company=company,
        user_id=user.pk,
        label=user.username,
        user=user,
    )


def _age_session(client, ago: dt.timedelta):
    """Make the session's proof of its level ``ago`` old."""
    session = client.session
    assurance = Assurance.from_session(session)
    session[SESSION_KEY] = Assurance(
        level=assurance.level, means=assurance.means, at=timezone.now() - ago
    ).to_session()
    session.save()


def _act_for(client, user, company):
    login_at(client, user, "high")
    session = client.session
    session[ACTING_SESSION_KEY] = company.pk
    session.save()
    return client


def test_the_most_sensitive_acts_need_re_authentication():
    assert {
        Action.COMPANIES_DESIGNATE_MAIN_MANAGER,
        Action.MANDATES_ACCEPT,
        Action.GOVERNANCE_RECORD_DECISION,
    } == REAUTHENTICATION_REQUIRED


# --- The engine -----------------------------------------------------------------------------------


def test_mandate_accept_refused_with_step_up_when_high_proven_too_long_ago(world, settings):
    mandate = citizen_mandate(world)
    old = _actor(world.bob, proven_ago=settings.REAUTHENTICATION_MAX_AGE + dt.timedelta(seconds=1))

    with pytest.raises(StepUpRequired) as excinfo:
        mandate_accept(actor=old, mandate=mandate)

    assert excinfo.value.required == AssuranceLevel.HIGH
    assert excinfo.value.reauthenticate
    assert "confirm your identity again" in excinfo.value.message
    mandate.refresh_from_db()
    assert mandate.state == MandateState.PROPOSED


def test_mandate_accept_allowed_when_high_proven_recently(world, settings):
    mandate = citizen_mandate(world)
    recent = _actor(world.bob, proven_ago=settings.REAUTHENTICATION_MAX_AGE / 2)

    accepted = mandate_accept(actor=recent, mandate=mandate)

    assert accepted.state == MandateState.ACCEPTED


def test_decide_names_re_authentication_and_keeps_step_up_code(world, settings):
    citizen_mandate(world)
    old = _actor(world.bob, proven_ago=dt.timedelta(hours=1))

    # The target is the party that decides (Bob, the mandatary) and the scope's domains.
    decision = decide(
        actor=old, action=Action.MANDATES_ACCEPT, target=(world.bob.person, {world.finance.pk})
    )

    assert not decision.allowed
    # The same code as a missing level: pages keep offering the act, through the step-up.
    assert decision.codes == ("assurance_too_low",)
    assert decision.reasons[0].message == (
        "This requires confirming your identity again at the level “high”."
    )


def test_other_act_at_high_allowed_with_an_older_proof(tenant):  # noqa: F811
    old = _actor(tenant.main, proven_ago=dt.timedelta(hours=2), company=tenant.company)

    decision = decide(
        actor=old,
        action=Action.COMPANIES_GRANT_ROLE,
        target=tenant.vat,
        tenant=tenant.company,
    )

    assert decision.allowed


def test_re_authentication_window_follows_settings(world, settings):
    settings.REAUTHENTICATION_MAX_AGE = dt.timedelta(hours=3)
    mandate = citizen_mandate(world)

    accepted = mandate_accept(
        actor=_actor(world.bob, proven_ago=dt.timedelta(hours=2)), mandate=mandate
    )

    assert accepted.state == MandateState.ACCEPTED


# --- Pages and API --------------------------------------------------------------------------------


def test_decision_record_page_asks_re_authentication_when_high_is_old(client_at, gov, meeting):  # noqa: F811
    client = client_at(gov.mc_secretary, "high")
    _age_session(client, dt.timedelta(minutes=30))

    response = client.get(reverse("governance:decision_record", args=[meeting.pk]))

    assert response.status_code == 302
    assert response["Location"].startswith(f"{STEP_UP}?level=high&reauthenticate=1&next=")


def test_decision_record_page_served_when_high_is_recent(client_at, gov, meeting):  # noqa: F811
    client = client_at(gov.mc_secretary, "high")

    response = client.get(reverse("governance:decision_record", args=[meeting.pk]))

    assert response.status_code == 200


def test_main_manager_designation_api_answers_403_re_authenticate(client, tenant, settings):  # noqa: F811
    _act_for(client, tenant.legal_rep, tenant.company)
    _age_session(client, dt.timedelta(minutes=30))

    response = client.post(
        "/api/v1/company/managers/",
        {"national_number": NEWCOMER, "kind": "main"},
        content_type="application/json",
    )

    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "step_up_required"
    assert body["required_assurance"] == "high"
    assert body["reauthenticate"] is True
    assert body["max_age_seconds"] == settings.REAUTHENTICATION_MAX_AGE.total_seconds()


def test_main_manager_designation_api_allowed_when_high_is_recent(client, tenant):  # noqa: F811
    _act_for(client, tenant.legal_rep, tenant.company)

    response = client.post(
        "/api/v1/company/managers/",
        {"national_number": NEWCOMER, "kind": "main"},
        content_type="application/json",
    )

    assert response.status_code == 201


def test_mandate_accept_api_answers_403_re_authenticate_when_high_is_old(client_at, world):
    mandate = citizen_mandate(world)
    client = client_at(world.bob, "high")
    _age_session(client, dt.timedelta(minutes=30))

    response = client.post(reverse("api:mandate_accept", args=[mandate.pk]))

    assert response.status_code == 403
    assert response.json()["reauthenticate"] is True


def test_step_up_page_asks_again_when_re_authenticating(client_at, user):
    client = client_at(user, "high")
    _age_session(client, dt.timedelta(minutes=30))

    again = client.get(f"{STEP_UP}?level=high&reauthenticate=1&next=/mandates/")
    plain = client.get(f"{STEP_UP}?level=high&next=/mandates/")

    assert again.status_code == 200
    assert "confirm your identity again" in again.content.decode()
    assert plain.status_code == 302


def test_eid_card_re_authenticates_and_step_up_page_lets_through(client, softhsm, eid_trust):
    card = softhsm.card("ec").card
    user = UserFactory(person=PersonFactory(national_number=card.national_number))
    login_at(client, user, "high")
    _age_session(client, dt.timedelta(minutes=30))
    soft = softhsm.card("ec")
    challenge = client.post("/api/v1/auth/eid/challenge/").json()["challenge"]
    signed = sign_challenge(
        base64.b64decode(challenge),
        pin=soft.card.pin,
        card_serial=soft.serial,
        module_path=softhsm.module,
    )

    client.post(
        "/api/v1/auth/eid/login/",
        {
            "challenge": challenge,
            "certificate": base64.b64encode(signed.certificate).decode(),
            "signature": base64.b64encode(signed.signature).decode(),
        },
        content_type="application/json",
    )
    response = client.get(f"{STEP_UP}?level=high&reauthenticate=1&next=/mandates/")

    assert response.status_code == 302
    assert response["Location"] == "/mandates/"


def test_code_after_card_does_not_make_an_old_high_look_recent(client_at, settings):
    user = UserFactory()
    TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    client = client_at(user, "high")
    _age_session(client, dt.timedelta(minutes=30))
    proven_at = Assurance.from_session(client.session).at

    client.post(f"{STEP_UP}?level=substantial", {"code": totp_code(user)})

    assurance = Assurance.from_session(client.session)
    assert assurance.level == AssuranceLevel.HIGH
    assert assurance.at == proven_at
    assert not assurance.satisfies(AssuranceLevel.HIGH, within=settings.REAUTHENTICATION_MAX_AGE)
