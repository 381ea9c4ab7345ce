"""The decision engine for e-government services: every path, every deny reason, periods and
"as of", the level rule, one statement per uncached decision, none on a hit, and the cache
forgetting an answer as soon as a right changes."""

import datetime as dt

from django.utils import timezone

import pytest

from companies.catalogue import catalogue_role
from companies.services import grant_create, grant_revoke
from csam.authz.decisions import Question, decide_cached, decide_question
from identity.assurance import AssuranceLevel
from mandates.services import (
    ScopeItem,
    mandate_accept,
    mandate_propose,
    mandate_refuse,
    mandate_revoke,
    mandate_subdelegate,
)
from tests.companies.conftest import acting, designate
from tests.factories.companies import GrantFactory, LegalRepresentativeFactory
from tests.factories.identity import UserFactory

pytestmark = pytest.mark.django_db
NOW = timezone.now


def ask(world, subject, kind="company", number=None, role=None, level="substantial", at=None):
    role = role or world.vat
    return Question(
        subject=subject.person.national_number,
        on_behalf_kind=kind,
        on_behalf_number=number,
        role=catalogue_role(service_code=role.service.code, role_code=role.code),
        assurance=AssuranceLevel(level),
        at=at,
    )


def company_q(world, user, company=None, **kw):
    return ask(world, user, "company", (company or world.client).enterprise_number, **kw)


# --- Paths ----------------------------------------------------------------------------------------


def test_decision_allows_self(world):
    answer = decide_question(ask(world, world.alice, "self"))
    assert answer.allowed
    assert answer.path == ({"kind": "self"},)


def test_decision_allows_company_grant_with_path(world):
    grant = GrantFactory(company=world.client, person=world.bob.person, role=world.vat)
    answer = decide_question(company_q(world, world.bob))
    assert answer.allowed
    assert answer.path[0]["kind"] == "grant"
    assert answer.path[0]["id"] == grant.pk


def test_decision_allows_legal_representative(world):
    rep = LegalRepresentativeFactory(company=world.client, person=world.bob.person)
    answer = decide_question(company_q(world, world.bob))
    assert answer.allowed
    assert answer.path == (
        {
            "kind": "legal_representative",
            "id": rep.pk,
            "valid_from": "2024-01-01",
            "valid_until": None,
        },
    )


def _citizen_mandate(world):
    mandate = mandate_propose(
        actor=acting(world.alice, None), mandatary=world.bob.person, scope=world.vat_scope()
    )
    return mandate_accept(actor=acting(world.bob, None), mandate=mandate)


def test_decision_allows_person_mandate(world):
    mandate = _citizen_mandate(world)
    answer = decide_question(ask(world, world.bob, "person", world.alice.person.national_number))
    assert answer.allowed
    assert [step["id"] for step in answer.path] == [mandate.pk]


def _company_mandate(world, **kwargs):
    mandate = mandate_propose(
        actor=acting(world.client_manager, world.client),
        mandatary=world.provider,
        scope=world.finance_scope(),
        **kwargs,
    )
    return mandate_accept(actor=acting(world.provider_manager, world.provider), mandate=mandate)


def test_decision_allows_company_mandate_with_client_grant(world):
    mandate = _company_mandate(world)
    answer = decide_question(company_q(world, world.accountant))
    assert answer.allowed
    assert [step["kind"] for step in answer.path] == ["mandate", "grant"]
    assert answer.path[0]["id"] == mandate.pk
    assert answer.path[1]["for_clients"] is True


def test_decision_denies_company_mandate_without_client_grant(world):
    _company_mandate(world)
    answer = decide_question(company_q(world, world.carol))
    assert not answer.allowed
    assert "no_grant" in [r.code for r in answer.reasons]


def test_decision_allows_chained_mandate_within_depth(world):
    parent = _company_mandate(world, allows_subdelegation=True, max_depth=1)
    other_manager = UserFactory()
    designate(other_manager, world.other_provider, "main")
    child = mandate_subdelegate(
        actor=acting(world.provider_manager, world.provider),
        parent=parent,
        mandatary=world.other_provider,
        scope=world.vat_scope(),
    )
    mandate_accept(actor=acting(other_manager, world.other_provider), mandate=child)
    clerk = UserFactory()
    GrantFactory(
        company=world.other_provider, person=clerk.person, role=world.vat, for_clients=True
    )
    answer = decide_question(company_q(world, clerk))
    assert answer.allowed
    assert [s["id"] for s in answer.path if s["kind"] == "mandate"] == [parent.pk, child.pk]
    assert [s.get("depth") for s in answer.path if s["kind"] == "mandate"] == [0, 1]


def test_decision_denies_chain_beyond_depth_limit(world):
    from mandates.models import MAX_DEPTH_LIMIT, Mandate, MandateScope

    # Build a chain longer than the limit directly (the services refuse to): only links up to
    # the limit are read, so the collaborator at the end gets no answer through it.
    companies = [world.client, world.provider]
    from tests.factories.companies import CompanyFactory

    companies += [CompanyFactory() for _ in range(MAX_DEPTH_LIMIT + 1)]
    parent = None
    for depth, (mandator, mandatary) in enumerate(zip(companies, companies[1:], strict=False)):
        parent = Mandate.objects.create(
            mandator_company=mandator,
            mandatary_company=mandatary,
            valid_from=timezone.localdate(),
            state="accepted",
            accepted_at=NOW(),
            parent=parent,
            depth=min(depth, MAX_DEPTH_LIMIT),
        )
        MandateScope.objects.create(mandate=parent, role=world.vat)
    clerk = UserFactory()
    GrantFactory(company=companies[-1], person=clerk.person, role=world.vat, for_clients=True)
    answer = decide_question(company_q(world, clerk))
    assert not answer.allowed


def test_chain_with_a_link_not_covering_the_role_does_not_count(world):
    from mandates.models import Mandate, MandateScope

    # The services keep a sub-delegation within its parent's scope; made directly, a chain whose
    # first link covers another service only must not let the collaborator at its end through.
    parent = Mandate.objects.create(
        mandator_company=world.client,
        mandatary_company=world.provider,
        valid_from=timezone.localdate(),
        state="accepted",
        accepted_at=NOW(),
    )
    MandateScope.objects.create(mandate=parent, role=world.filer)
    child = Mandate.objects.create(
        mandator_company=world.provider,
        mandatary_company=world.other_provider,
        valid_from=timezone.localdate(),
        state="accepted",
        accepted_at=NOW(),
        parent=parent,
        depth=1,
    )
    MandateScope.objects.create(mandate=child, role=world.vat)
    clerk = UserFactory()
    GrantFactory(
        company=world.other_provider, person=clerk.person, role=world.vat, for_clients=True
    )
    assert not decide_question(company_q(world, clerk)).allowed
    MandateScope.objects.create(mandate=parent, role=world.vat)
    assert decide_question(company_q(world, clerk)).allowed


def test_mandate_in_another_partys_chains_does_not_count(world):
    mandate = mandate_propose(
        actor=acting(world.alice, None), mandatary=world.bob.person, scope=world.vat_scope()
    )
    mandate_accept(actor=acting(world.bob, None), mandate=mandate)
    # Bob acts for Alice, not for Carol, nor for a company.
    assert decide_question(ask(world, world.bob, "person", world.alice.person.national_number))
    answer = decide_question(ask(world, world.bob, "person", world.carol.person.national_number))
    assert [r.code for r in answer.reasons] == ["no_mandate"]
    assert not decide_question(company_q(world, world.bob)).allowed


def test_facts_hold_only_the_chains_that_reach_the_subject(world):
    from csam.authz.decisions.statement import gather_facts

    reaching = _company_mandate(world)
    for person in (world.alice.person, world.carol.person):
        other = mandate_propose(
            actor=acting(world.client_manager, world.client),
            mandatary=person,
            scope=world.finance_scope(),
        )
        assert other.root_mandator_company == world.client
    facts = gather_facts(company_q(world, world.accountant))
    assert [m["id"] for m in facts.mandates] == [reaching.pk]
    assert [g["company_id"] for g in facts.client_grants] == [world.provider.pk]


def test_statement_text_stays_short_enough_for_psycopg_to_keep_its_parsing():
    from csam.authz.decisions.statement import _STATEMENT, _statement_text

    assert "--" not in _STATEMENT  # its lines are joined: a comment would swallow the rest

    psycopg_queries = pytest.importorskip("psycopg._queries")
    assert len(_statement_text(1).encode()) <= psycopg_queries.MAX_CACHED_STATEMENT_LENGTH
    assert psycopg_queries.MAX_CACHED_STATEMENT_PARAMS >= 7 + 2  # one question's parameters


# --- Deny reasons ---------------------------------------------------------------------------------


def test_decision_denies_without_any_right(world):
    answer = decide_question(company_q(world, world.carol))
    assert not answer.allowed
    assert [r.code for r in answer.reasons] == ["no_grant"]


def test_decision_names_expired_grant(world):
    GrantFactory(
        company=world.client,
        person=world.bob.person,
        role=world.vat,
        valid_from=dt.date(2024, 1, 1),
        valid_until=dt.date(2024, 12, 31),
    )
    answer = decide_question(company_q(world, world.bob))
    assert [r.code for r in answer.reasons] == ["grant_expired"]


def test_decision_names_future_grant(world):
    GrantFactory(company=world.client, person=world.bob.person, role=world.vat, future=True)
    answer = decide_question(company_q(world, world.bob))
    assert [r.code for r in answer.reasons] == ["grant_not_yet_valid"]


def test_decision_names_revoked_grant(world):
    grant = grant_create(
        actor=acting(world.client_manager, world.client),
        tenant=world.client,
        national_number=world.bob.person.national_number,
        role=world.vat,
    )
    grant_revoke(actor=acting(world.client_manager, world.client), tenant=world.client, grant=grant)
    answer = decide_question(company_q(world, world.bob))
    assert [r.code for r in answer.reasons] == ["grant_revoked"]


def test_decision_names_refused_and_revoked_mandates(world):
    refused = mandate_propose(
        actor=acting(world.alice, None), mandatary=world.bob.person, scope=world.vat_scope()
    )
    mandate_refuse(actor=acting(world.bob, None), mandate=refused)
    answer = decide_question(ask(world, world.bob, "person", world.alice.person.national_number))
    assert [r.code for r in answer.reasons] == ["mandate_refused"]
    revoked = _citizen_mandate(world)
    mandate_revoke(actor=acting(world.alice, None), mandate=revoked)
    answer = decide_question(ask(world, world.bob, "person", world.alice.person.national_number))
    assert {r.code for r in answer.reasons} == {"mandate_refused", "mandate_revoked"}


def test_decision_denies_stopped_company(world):
    GrantFactory(company=world.client, person=world.bob.person, role=world.vat)
    world.client.status = "stopped"
    world.client.stopped_on = timezone.localdate()
    world.client.save()
    answer = decide_question(company_q(world, world.bob))
    assert [r.code for r in answer.reasons] == ["company_stopped"]


def test_decision_denies_unknown_company(world):
    answer = decide_question(ask(world, world.bob, "company", "0200065765"))
    assert [r.code for r in answer.reasons] == ["unknown_company"]


def test_decision_denies_person_without_mandate(world):
    answer = decide_question(ask(world, world.bob, "person", world.carol.person.national_number))
    assert [r.code for r in answer.reasons] == ["no_mandate"]


def test_decision_names_level_when_too_low(world):
    world.vat.min_assurance = "high"
    world.vat.save()
    from companies.catalogue import catalogue_changed

    catalogue_changed()
    GrantFactory(company=world.client, person=world.bob.person, role=world.vat)
    answer = decide_question(company_q(world, world.bob, level="substantial"))
    assert not answer.allowed
    assert [r.code for r in answer.reasons] == ["assurance_too_low"]
    assert answer.required_assurance == AssuranceLevel.HIGH
    assert decide_question(company_q(world, world.bob, level="high")).allowed


# --- Periods and "as of" --------------------------------------------------------------------------


def test_decision_as_of_past_moment_sees_revoked_grant(world):
    grant = grant_create(
        actor=acting(world.client_manager, world.client),
        tenant=world.client,
        national_number=world.bob.person.national_number,
        role=world.vat,
    )
    before_revocation = NOW()
    grant_revoke(actor=acting(world.client_manager, world.client), tenant=world.client, grant=grant)
    assert not decide_question(company_q(world, world.bob)).allowed
    assert decide_question(company_q(world, world.bob, at=before_revocation)).allowed


def test_decision_as_of_before_grant_existed_denies(world):
    before = NOW()
    grant_create(
        actor=acting(world.client_manager, world.client),
        tenant=world.client,
        national_number=world.bob.person.national_number,
        role=world.vat,
    )
    assert decide_question(company_q(world, world.bob)).allowed
    assert not decide_question(company_q(world, world.bob, at=before)).allowed


def test_decision_as_of_past_moment_sees_revoked_mandate(world):
    mandate = _citizen_mandate(world)
    during = NOW()
    mandate_revoke(actor=acting(world.alice, None), mandate=mandate)
    question = ask(world, world.bob, "person", world.alice.person.national_number)
    assert not decide_question(question).allowed
    past = ask(world, world.bob, "person", world.alice.person.national_number, at=during)
    assert decide_question(past).allowed


# --- Statements and cache -------------------------------------------------------------------------


def test_uncached_decision_is_one_statement(world, django_assert_num_queries):
    _company_mandate(world)
    question = company_q(world, world.accountant)
    with django_assert_num_queries(1):
        assert decide_question(question).allowed


def stored(question: Question):
    """The answer to ``question``, asked twice so that the cache holds it (an answer is stored
    from the second time its question is asked)."""
    decide_cached(question)
    return decide_cached(question)


def test_cached_decision_runs_no_statement(world, django_assert_num_queries):
    _company_mandate(world)
    question = company_q(world, world.accountant)
    with django_assert_num_queries(1):
        decide_cached(question)
    with django_assert_num_queries(1):
        decide_cached(question)
    with django_assert_num_queries(0):
        assert decide_cached(question).allowed


def test_cache_forgets_after_grant_change(world, django_capture_on_commit_callbacks):
    question = company_q(world, world.bob)
    assert not stored(question).allowed
    with django_capture_on_commit_callbacks(execute=True):
        grant = grant_create(
            actor=acting(world.client_manager, world.client),
            tenant=world.client,
            national_number=world.bob.person.national_number,
            role=world.vat,
        )
    assert stored(question).allowed
    with django_capture_on_commit_callbacks(execute=True):
        grant_revoke(
            actor=acting(world.client_manager, world.client), tenant=world.client, grant=grant
        )
    assert not decide_cached(question).allowed


def test_cache_forgets_after_mandate_change(world, django_capture_on_commit_callbacks):
    question = company_q(world, world.accountant)
    assert not stored(question).allowed
    with django_capture_on_commit_callbacks(execute=True):
        mandate = _company_mandate(world)
    assert stored(question).allowed
    with django_capture_on_commit_callbacks(execute=True):
        mandate_revoke(actor=acting(world.client_manager, world.client), mandate=mandate)
    assert not decide_cached(question).allowed


def test_cache_forgets_after_client_grant_change(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _company_mandate(world)
    question = company_q(world, world.carol)
    assert not stored(question).allowed
    with django_capture_on_commit_callbacks(execute=True):
        grant_create(
            actor=acting(world.provider_manager, world.provider),
            tenant=world.provider,
            national_number=world.carol.person.national_number,
            role=world.vat,
            for_clients=True,
        )
    assert decide_cached(question).allowed


def test_scope_item_role_of_other_service_not_covered(world):
    mandate = mandate_propose(
        actor=acting(world.alice, None),
        mandatary=world.bob.person,
        scope=[ScopeItem(role=world.filer)],
    )
    mandate_accept(actor=acting(world.bob, None), mandate=mandate)
    answer = decide_question(ask(world, world.bob, "person", world.alice.person.national_number))
    assert not answer.allowed


def test_cache_forgets_after_register_import(world, django_capture_on_commit_callbacks):
    from companies.services import legal_representatives_import_csv

    question = company_q(world, world.carol)
    assert not stored(question).allowed
    person = world.carol.person
    extract = (
        "enterprise_number,company_name,legal_form,national_number,surname,given_names,function\n"
        f"{world.client.enterprise_number},{world.client.name},SA,{person.national_number},"
        f"{person.surname},{person.given_names},Director\n"
    ).encode()
    with django_capture_on_commit_callbacks(execute=True):
        assert not legal_representatives_import_csv(content=extract).errors
    answer = decide_cached(question)
    assert answer.allowed
    assert answer.path[0]["kind"] == "legal_representative"


def test_cache_forgets_after_company_stopped_in_admin(
    world, client, django_capture_on_commit_callbacks
):
    from identity.models import User

    GrantFactory(company=world.client, person=world.bob.person, role=world.vat)
    question = company_q(world, world.bob)
    assert stored(question).allowed
    staff = User.objects.create_superuser("staff", "staff@example.org", "a long staff password")
    client.force_login(staff)
    data = {
        "enterprise_number": world.client.enterprise_number,
        "name": world.client.name,
        "legal_form": "SA",
        "status": "stopped",
        "stopped_on": timezone.localdate().isoformat(),
        "legal_representatives-TOTAL_FORMS": "0",
        "legal_representatives-INITIAL_FORMS": "0",
        "legal_representatives-MIN_NUM_FORMS": "0",
        "legal_representatives-MAX_NUM_FORMS": "1000",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/companies/company/{world.client.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    answer = decide_cached(question)
    assert [r.code for r in answer.reasons] == ["company_stopped"]
