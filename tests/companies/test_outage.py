"""Outages: with Redis (cache and broker) stopped, a grant still succeeds and its notice waits in
the outbox until Redis is back, then goes out exactly once; with PostgreSQL unreachable, pages
and the API answer 503 and nothing is half-written."""

import datetime as dt
import shutil
import time

from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone

import pytest

from companies.models import Grant
from csam.audit import outbox
from csam.audit.models import AuditEvent, OutboxMessage
from csam.authz.services import SESSION_KEY as ACTING_KEY
from csam.celery import app
from tests.private_redis import PrivateRedis, free_port


def _use_broker(url: str) -> None:
    """Point the Celery app at ``url``: its connection pools are made again on next use (the
    previous broker's pools are shared by URL, so they are left open for whoever uses them)."""
    app.conf.broker_url = url
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def private_redis(settings, monkeypatch):
    """A private Redis as the cache and the broker, tasks sent through it (not run in-process)."""
    if shutil.which("redis-server") is None:
        pytest.skip("needs redis-server")
    server = PrivateRedis()
    server.start()
    settings.CACHES = {"default": {"BACKEND": "csam.cache.RedisCache", "LOCATION": server.url}}
    previous_broker = app.conf.broker_url
    _use_broker(server.url)
    app.conf.task_always_eager = False  # restored by the suite's autouse fixture
    monkeypatch.setattr(outbox, "_broker_down_until", 0.0)
    yield server
    app.pool.force_close_all()  # the private broker's connections
    _use_broker(previous_broker)
    server.stop()


def _acting_client(client_at, user, company) -> Client:
    c = client_at(user, "high")
    session = c.session
    session[ACTING_KEY] = company.pk
    session.save()
    return c


@pytest.mark.django_db(transaction=True)
def test_grant_notice_sent_once_after_redis_back_when_granted_during_outage(
    client_at, tenant, private_redis, mailoutbox
):
    from celery.contrib.testing.worker import start_worker

    manager = _acting_client(client_at, tenant.main, tenant.company)
    person = tenant.collaborator.person
    private_redis.stop()

    # When: a grant while Redis (cache and broker) is down.
    response = manager.post(f"/company/grants/new/?person={person.pk}", {"role": tenant.vat.pk})

    # Then: the grant is made, its notice waits in the outbox.
    assert response.status_code == 302
    assert Grant.objects.filter(person=person, role=tenant.vat, ended_at=None).exists()
    message = OutboxMessage.objects.get(task="companies.tasks.grant_notify")
    assert message.delivered_at is None
    assert message.last_error
    assert mailoutbox == []

    # When: Redis is back and the outbox is drained (twice, by two runs).
    private_redis.start()
    OutboxMessage.objects.filter(pk=message.pk).update(
        created_at=timezone.now() - dt.timedelta(minutes=1)
    )
    call_command("outbox_drain")
    call_command("outbox_drain")

    # Then: handed over once, and a worker sends exactly one notice.
    assert OutboxMessage.objects.get(pk=message.pk).delivered_at is not None
    with start_worker(app, perform_ping_check=False, pool="solo", concurrency=1):
        deadline = time.monotonic() + 20
        while not mailoutbox and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.5)  # time for a second notice, were one on its way
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [tenant.collaborator.email]


def test_api_answers_when_redis_down(client_at, tenant, private_redis):
    person_client = client_at(tenant.collaborator, "high")
    private_redis.stop()

    # The rate limits count in Redis: with it down they let the request through.
    response = person_client.get("/api/v1/me/")

    assert response.status_code == 200


def test_decision_read_from_database_when_cache_down(
    tenant, private_redis, django_capture_on_commit_callbacks
):
    from companies.catalogue import catalogue_role
    from companies.services import grant_revoke
    from csam.authz.decisions import Question, decide_cached
    from identity.assurance import AssuranceLevel
    from tests.companies.conftest import acting

    grant = Grant.objects.get(person=tenant.collaborator.person, role=tenant.dmfa)
    question = Question(
        subject=tenant.collaborator.person.national_number,
        on_behalf_kind="company",
        on_behalf_number=tenant.company.enterprise_number,
        role=catalogue_role(service_code="dmfa", role_code="declarant"),
        assurance=AssuranceLevel.HIGH,
    )
    assert decide_cached(question).allowed  # now cached in Redis
    private_redis.stop()

    # When the cache is down, a revocation still succeeds (its cache bump fails, logged) ...
    with django_capture_on_commit_callbacks(execute=True):
        grant_revoke(actor=acting(tenant.main, tenant.company), tenant=tenant.company, grant=grant)

    # ... and the next decision comes from the database, never from a stale cached answer.
    assert not decide_cached(question).allowed


# --- PostgreSQL unreachable ---------------------------------------------------------------------

DATABASE_UNAVAILABLE = "cannot reach its database"


@pytest.fixture
def database_unreachable():
    """A context manager: inside it, this thread's connection points at a closed port, as when
    PostgreSQL is down; the connection is restored on the way out."""
    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL outage needs PostgreSQL")
    from contextlib import contextmanager

    @contextmanager
    def unreachable():
        saved = connection.settings_dict["PORT"]
        connection.close()
        connection.settings_dict["PORT"] = free_port()
        try:
            yield
        finally:
            connection.close()
            connection.settings_dict["PORT"] = saved

    return unreachable


def _no_raise(c: Client) -> Client:
    c.raise_request_exception = False  # answer as in production instead of re-raising
    return c


@pytest.mark.django_db(transaction=True)
def test_page_503_when_database_unreachable(client_at, tenant, database_unreachable):
    manager = _no_raise(_acting_client(client_at, tenant.main, tenant.company))
    person = tenant.collaborator.person

    with database_unreachable():
        response = manager.post(f"/company/grants/new/?person={person.pk}", {"role": tenant.vat.pk})

    assert response.status_code == 503
    assert response["Retry-After"]
    assert "text/html" in response["Content-Type"]
    assert DATABASE_UNAVAILABLE in response.content.decode()
    assert not Grant.objects.filter(person=person, role=tenant.vat).exists()


@pytest.mark.django_db(transaction=True)
def test_api_503_json_when_database_unreachable(client_at, tenant, database_unreachable):
    person_client = _no_raise(client_at(tenant.collaborator, "high"))

    with database_unreachable():
        response = person_client.get("/api/v1/me/")

    assert response.status_code == 503
    assert response.json()["code"] == "database_unavailable"
    assert DATABASE_UNAVAILABLE in response.json()["detail"]


@pytest.mark.django_db(transaction=True)
def test_grant_503_and_nothing_written_when_connection_lost_mid_change(
    client_at, tenant, monkeypatch
):
    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL outage needs PostgreSQL")
    from django.db import connections

    import companies.services.grants as grants

    manager = _no_raise(_acting_client(client_at, tenant.main, tenant.company))
    person = tenant.collaborator.person
    audit_act = grants.audit_act
    lost = []

    def connection_lost_then_audit(**kwargs):
        # The grant row is written; now the server ends this connection, as when PostgreSQL
        # restarts mid-request, and the change's next statement fails.
        other = connections.create_connection("default")
        try:
            with other.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(%s)", [connection.connection.info.backend_pid]
                )
        finally:
            other.close()
        lost.append(True)
        return audit_act(**kwargs)

    monkeypatch.setattr(grants, "audit_act", connection_lost_then_audit)

    response = manager.post(f"/company/grants/new/?person={person.pk}", {"role": tenant.vat.pk})

    assert lost
    assert response.status_code == 503
    connection.close()
    # Neither the grant, nor its notice, nor its audit record: the change rolled back whole.
    assert not Grant.objects.filter(person=person, role=tenant.vat).exists()
    assert not OutboxMessage.objects.exists()
    assert not AuditEvent.objects.filter(action="companies.grant_created").exists()


def test_server_error_stays_500_when_error_not_database(rf):
    from csam.errors import server_error

    try:
        raise ValueError("a bug")
    except ValueError:
        response = server_error(rf.get("/company/"))

    assert response.status_code == 500
