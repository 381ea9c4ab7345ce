"""/readyz: 503 naming the failing part (database, migrations, Redis), 200 again once it is back;
and cheap: no new connection per probe."""

import shutil

import pytest

import csam.health
from tests.private_redis import PrivateRedis

pytestmark = pytest.mark.django_db


@pytest.fixture
def migrations_unknown(monkeypatch):
    """Forget that migrations were found applied, as a process that just started."""
    monkeypatch.setattr(csam.health, "_migrations_applied", False)


def test_readyz_503_names_migrations_when_some_not_applied(client, monkeypatch, migrations_unknown):
    monkeypatch.setattr(
        csam.health.MigrationExecutor, "migration_plan", lambda self, targets: [("m", False)] * 2
    )
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["status"] == "fail"
    assert response.json()["checks"]["migrations"] == "2 not applied"


def test_readyz_reads_migration_plan_only_until_found_complete(
    client, monkeypatch, migrations_unknown
):
    plans = []
    original = csam.health.MigrationExecutor.migration_plan
    monkeypatch.setattr(
        csam.health.MigrationExecutor,
        "migration_plan",
        lambda self, targets: plans.append(1) or original(self, targets),
    )
    assert client.get("/readyz").status_code == 200
    assert client.get("/readyz").status_code == 200
    assert len(plans) == 1


@pytest.fixture
def private_redis():
    if shutil.which("redis-server") is None:
        pytest.skip("needs redis-server")
    server = PrivateRedis()
    server.start()
    yield server
    server.stop()


def test_readyz_503_naming_redis_while_down_and_200_when_back(client, settings, private_redis):
    settings.REDIS_URL = f"redis://127.0.0.1:{private_redis.port}/0"
    assert client.get("/readyz").status_code == 200

    private_redis.stop()
    down = client.get("/readyz")
    assert down.status_code == 503
    assert down.json()["checks"]["redis"].startswith("unreachable")
    assert down.json()["checks"]["database"] == "ok"

    private_redis.start()
    back = client.get("/readyz")
    assert back.status_code == 200
    assert back.json()["checks"] == {"database": "ok", "migrations": "ok", "redis": "ok"}


def test_readyz_keeps_one_redis_connection_between_probes(client, settings, private_redis):
    import redis

    settings.REDIS_URL = f"redis://127.0.0.1:{private_redis.port}/0"
    for _ in range(5):
        assert client.get("/readyz").status_code == 200
    clients = redis.Redis(port=private_redis.port).client_list()
    assert len(clients) == 2  # the probes' kept connection, and this one
