"""The decision engine: deny by default, explained reasons, levels of assurance."""

from django.core.exceptions import PermissionDenied
from django.utils import timezone

import pytest

from csam.authz.actions import REQUIRED_ASSURANCE, Action
from csam.authz.context import ActingContext
from csam.authz.engine import decide, require
from identity.assurance import Assurance, AssuranceLevel, Means, StepUpRequired
from tests.factories.companies import CompanyFactory, GrantFactory
from tests.factories.identity import UserFactory

pytestmark = pytest.mark.django_db


def _actor(user, level: str | None = "low") -> ActingContext:
    assurance = (
        Assurance(level=AssuranceLevel(level), means=(Means.PASSWORD,), at=timezone.now())
        if level
        else Assurance()
    )
    return ActingContext(person=user.person, assurance=assurance, user_id=user.pk, label="t")


def test_every_action_declares_its_level():
    assert set(REQUIRED_ASSURANCE) == set(Action)


# (tie, company status, session level, expected allowed, expected codes)
MATRIX = [
    ("grant", "active", "low", True, ()),
    ("grant", "stopped", "low", False, ("company_stopped",)),
    ("none", "active", "low", False, ("no_right_in_company",)),
    ("none", "stopped", "low", False, ("no_right_in_company", "company_stopped")),
    ("grant", "active", None, False, ("not_authenticated",)),
    ("expired", "active", "low", False, ("no_right_in_company",)),
    ("future", "active", "low", False, ("no_right_in_company",)),
]


@pytest.mark.parametrize(("tie", "status", "level", "allowed", "codes"), MATRIX)
def test_decide_choose_company_matrix(tie, status, level, allowed, codes):
    user = UserFactory()
    company = CompanyFactory(status=status)
    if tie == "grant":
        GrantFactory(company=company, person=user.person)
    elif tie == "expired":
        GrantFactory(company=company, person=user.person, expired=True)
    elif tie == "future":
        GrantFactory(company=company, person=user.person, future=True)
    actor = _actor(user, level)
    if level is None:
        actor = ActingContext(person=None)
    decision = decide(actor=actor, action=Action.ACTING_CHOOSE_COMPANY, target=company)
    assert decision.allowed is allowed
    assert decision.codes == codes
    if allowed:
        assert decision.via[0]["kind"] == "grant"


def test_decide_denies_when_action_unknown(user):
    decision = decide(actor=_actor(user), action="no.such.action", target=None)  # type: ignore[arg-type]
    assert not decision.allowed
    assert decision.codes == ("unknown_action",)


def test_decide_names_level_when_session_too_low(user):
    decision = decide(
        actor=_actor(user, "low"), action=Action.IDENTITY_MANAGE_SECURITY, target=user.pk
    )
    assert not decision.allowed
    assert decision.codes == ("assurance_too_low",)
    assert decision.required_assurance == AssuranceLevel.SUBSTANTIAL


def test_require_raises_step_up_when_only_level_missing(user):
    with pytest.raises(StepUpRequired) as excinfo:
        require(actor=_actor(user, "low"), action=Action.IDENTITY_MANAGE_SECURITY, target=user.pk)
    assert excinfo.value.required == AssuranceLevel.SUBSTANTIAL


def test_require_raises_permission_denied_when_other_account(user):
    other = UserFactory()
    with pytest.raises(PermissionDenied):
        require(
            actor=_actor(user, "substantial"),
            action=Action.IDENTITY_MANAGE_SECURITY,
            target=other.pk,
        )


def test_require_allows_own_account_at_level(user):
    decision = require(
        actor=_actor(user, "substantial"), action=Action.IDENTITY_MANAGE_SECURITY, target=user.pk
    )
    assert decision.allowed
