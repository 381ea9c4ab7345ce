"""Helpers shared by the mandate view and API tests."""

from csam.authz.services import SESSION_KEY
from mandates.models import MandateState
from mandates.services import mandate_accept, mandate_propose, mandate_refuse, mandate_revoke
from tests.companies.conftest import acting


def citizen_mandate(world, state=MandateState.PROPOSED, **kwargs):
    """Alice (mandator) → Bob (mandatary), VAT role, in ``state``."""
    mandate = mandate_propose(
        actor=acting(world.alice, None),
        mandatary=world.bob.person,
        scope=world.vat_scope(),
        **kwargs,
    )
    if state in (MandateState.ACCEPTED, MandateState.REVOKED):
        mandate = mandate_accept(actor=acting(world.bob, None), mandate=mandate)
    if state == MandateState.REVOKED:
        mandate = mandate_revoke(actor=acting(world.alice, None), mandate=mandate)
    if state == MandateState.REFUSED:
        mandate = mandate_refuse(actor=acting(world.bob, None), mandate=mandate)
    return mandate


def company_mandate(world, state=MandateState.PROPOSED):
    """The client company (mandator) → the provider company (mandatary), finance domain."""
    mandate = mandate_propose(
        actor=acting(world.client_manager, world.client),
        mandatary=world.provider,
        scope=world.finance_scope(),
    )
    if state == MandateState.ACCEPTED:
        mandate = mandate_accept(
            actor=acting(world.provider_manager, world.provider), mandate=mandate
        )
    return mandate


def act_for(client, company):
    session = client.session
    session[SESSION_KEY] = company.pk
    session.save()
    return client
