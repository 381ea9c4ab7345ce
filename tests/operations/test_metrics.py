"""/metrics: the Prometheus format, for the configured addresses only; request, decision and
Celery task figures."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from companies.services import service_client_create
from csam.celery import app
from csam.observability.tasks import heartbeat
from tests.factories.companies import GrantFactory

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def scrape(client, **extra) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics", **extra)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def value(samples, name, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_served_to_an_allowed_address(client):
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 200


@pytest.mark.parametrize("address", ["203.0.113.9", "10.0.0.5", "::ffff:203.0.113.9", "bogus"])
def test_metrics_not_found_from_other_addresses(client, address):
    response = client.get("/metrics", REMOTE_ADDR=address)
    assert response.status_code == 404
    assert b"csam_http_requests" not in response.content


def test_metrics_not_found_through_the_proxy_even_from_an_allowed_address(client):
    # nginx adds X-Forwarded-For to every request it passes on: a visitor reaching the portal
    # through it never reads the metrics, even when the proxy's own address is allowed.
    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert response.status_code == 404


def test_metrics_served_to_an_allowed_network(client, settings):
    settings.METRICS_ALLOWED_ADDRESSES = ["10.20.0.0/16"]
    assert client.get("/metrics", REMOTE_ADDR="10.20.3.4").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 404


def test_requests_counted_by_view_method_and_status(client):
    before = scrape(client)
    client.get("/healthz")
    client.get("/healthz")
    client.post("/healthz")
    client.get("/no-such-page/")
    after = scrape(client)
    name = "csam_http_requests_total"
    for labels, added in [
        ({"view": "healthz", "method": "GET", "status": "200"}, 2),
        ({"view": "healthz", "method": "POST", "status": "405"}, 1),
        ({"view": "<none>", "method": "GET", "status": "404"}, 1),
    ]:
        assert value(after, name, **labels) - value(before, name, **labels) == added
    count = "csam_http_request_duration_seconds_count"
    assert value(after, count, view="healthz") - value(before, count, view="healthz") == 3


def test_unknown_methods_counted_as_other(client):
    before = scrape(client)
    client.generic("BREW", "/healthz")
    after = scrape(client)
    labels = {"view": "healthz", "method": "other", "status": "405"}
    assert (
        value(after, "csam_http_requests_total", **labels)
        - value(before, "csam_http_requests_total", **labels)
        == 1
    )


def test_decisions_counted_by_outcome_and_source(client, world):
    _client, key = service_client_create(
        name="VAT backend",
        organisation=world.vat.service.owner,
        services=[world.vat.service],
        actor_label="staff",
    )
    GrantFactory(company=world.client, person=world.bob.person, role=world.vat)

    def ask(person):
        body = {
            "subject": person.national_number,
            "on_behalf_of": {"kind": "company", "number": world.client.enterprise_number},
            "service": "vat",
            "role": "declarant",
            "assurance": "substantial",
        }
        response = client.post(
            "/api/v1/decisions/",
            body,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {key}",
        )
        assert response.status_code == 200
        return response.json()["decision"]

    before = scrape(client)
    assert ask(world.bob.person) == "allow"
    assert ask(world.bob.person) == "allow"  # asked again: from the database, then stored
    assert ask(world.bob.person) == "allow"  # answered from the cache
    assert ask(world.carol.person) == "deny"
    after = scrape(client)
    name = "csam_decisions_total"
    for labels, added in [
        ({"outcome": "allow", "source": "database"}, 2),
        ({"outcome": "allow", "source": "cache"}, 1),
        ({"outcome": "deny", "source": "database"}, 1),
    ]:
        assert value(after, name, **labels) - value(before, name, **labels) == added


@app.task(name="tests.operations.fails")
def fails() -> None:
    raise RuntimeError("on purpose")


def test_task_results_counted_by_task_and_state(client):
    before = scrape(client)
    heartbeat.delay()
    with pytest.raises(RuntimeError):
        fails.delay()
    after = scrape(client)
    name = "csam_celery_tasks_total"
    ok = {"task": "csam.observability.tasks.heartbeat", "state": "SUCCESS"}
    failed = {"task": "tests.operations.fails", "state": "FAILURE"}
    assert value(after, name, **ok) - value(before, name, **ok) == 1
    assert value(after, name, **failed) - value(before, name, **failed) == 1
    assert value(after, "csam_celery_heartbeat_timestamp_seconds") > 0
    assert value(after, "csam_celery_task_seconds_total", task="tests.operations.fails") > 0


def test_metrics_added_up_over_worker_processes(tmp_path):
    """Under gunicorn every worker keeps its counters in PROMETHEUS_MULTIPROC_DIR, and a scrape
    answered by any of them adds them all up."""
    count = (
        "from csam.observability.metrics import request_observe\n"
        "for _ in range({n}): request_observe('healthz', 'GET', 200, 0.001)\n"
    )
    read = (
        "import django; django.setup()\n"
        "from prometheus_client import generate_latest\n"
        "from csam.observability.metrics import registry\n"
        "print(generate_latest(registry()).decode())\n"
    )
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "REDIS_URL": ""}
    for n in (3, 4):
        subprocess.run(  # noqa: S603 - a fixed script
            [sys.executable, "-c", count.format(n=n)], cwd=ROOT, env=env, check=True, timeout=60
        )
    out = subprocess.run(  # noqa: S603 - a fixed script
        [sys.executable, "-c", read],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=60,
        capture_output=True,
        text=True,
    ).stdout
    assert 'csam_http_requests_total{method="GET",status="200",view="healthz"} 7.0' in out
