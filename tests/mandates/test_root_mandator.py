"""Every mandate knows the party its whole chain acts for (its root mandator): set when it is
made, and filled in for existing mandates by the migration that added it."""

from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

import pytest

from mandates.models import Mandate
from mandates.services import mandate_accept, mandate_propose, mandate_subdelegate
from tests.companies.conftest import acting, designate
from tests.factories.companies import CompanyFactory
from tests.factories.identity import PersonFactory, UserFactory


@pytest.mark.django_db
def test_first_mandates_and_sub_delegations_carry_the_chains_root_mandator(world):
    person_root = mandate_propose(
        actor=acting(world.alice, None), mandatary=world.bob.person, scope=world.vat_scope()
    )
    assert (person_root.root_mandator_person, person_root.root_mandator_company) == (
        world.alice.person,
        None,
    )
    parent = mandate_propose(
        actor=acting(world.client_manager, world.client),
        mandatary=world.provider,
        scope=world.finance_scope(),
        allows_subdelegation=True,
        max_depth=2,
    )
    mandate_accept(actor=acting(world.provider_manager, world.provider), mandate=parent)
    other_manager = UserFactory()
    designate(other_manager, world.other_provider, "main")
    child = mandate_subdelegate(
        actor=acting(world.provider_manager, world.provider),
        parent=parent,
        mandatary=world.other_provider,
        scope=world.vat_scope(),
        allows_subdelegation=True,
        max_depth=1,
    )
    assert child.mandator_company == world.provider
    assert (child.root_mandator_company, child.root_mandator_person) == (world.client, None)
    mandate_accept(actor=acting(other_manager, world.other_provider), mandate=child)
    grandchild = mandate_subdelegate(
        actor=acting(other_manager, world.other_provider),
        parent=child,
        mandatary=world.carol.person,
        scope=world.vat_scope(),
    )
    grandchild.refresh_from_db()
    assert grandchild.root_mandator_company == world.client


@pytest.mark.django_db(transaction=True)
def test_migration_fills_in_the_root_mandator_of_existing_chains():
    executor = MigrationExecutor(connection)
    executor.migrate([("mandates", "0002_mandate_withdrawn")])
    old = executor.loader.project_state([("mandates", "0002_mandate_withdrawn")]).apps
    OldMandate = old.get_model("mandates", "Mandate")
    company, provider, sub_provider = (CompanyFactory() for _ in range(3))
    alice, bob = PersonFactory(), PersonFactory()
    day = timezone.localdate()

    def make(parent=None, depth=0, **parties):
        return OldMandate.objects.create(valid_from=day, parent=parent, depth=depth, **parties)

    top = make(mandator_company_id=company.pk, mandatary_company_id=provider.pk)
    middle = make(top, 1, mandator_company_id=provider.pk, mandatary_company_id=sub_provider.pk)
    bottom = make(middle, 2, mandator_company_id=sub_provider.pk, mandatary_person_id=bob.pk)
    personal = make(mandator_person_id=alice.pk, mandatary_person_id=bob.pk)

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    roots = {
        m.pk: (m.root_mandator_company_id, m.root_mandator_person_id) for m in Mandate.objects.all()
    }
    assert roots == {
        top.pk: (company.pk, None),
        middle.pk: (company.pk, None),
        bottom.pk: (company.pk, None),
        personal.pk: (None, alice.pk),
    }
