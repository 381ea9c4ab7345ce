"""Shared fixtures: two tenants always, people at each level of assurance, real services in CI."""

import os
from collections.abc import Callable, Iterator

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.utils import timezone

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from identity.assurance import SESSION_KEY, Assurance, AssuranceLevel, Means
from tests.browser.fixtures import browser, page  # noqa: F401 - one Playwright for all tests
from tests.eid_fixtures import (  # noqa: F401 - one test PKI and one SoftHSM2 token set
    eid_trust,
    pki,
    softhsm,
    start_agent,
    trust_anchor_files,
)
from tests.factories.companies import CompanyFactory
from tests.factories.identity import UserFactory
from tests.factories.world import world  # noqa: F401 - citizens, a client and providers


def pytest_configure(config: pytest.Config) -> None:
    # In CI the suite must run on the real PostgreSQL and Redis, never fall back silently.
    if os.environ.get("CSAM_REQUIRE_SERVICES") == "1":
        if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
            raise pytest.UsageError("CSAM_REQUIRE_SERVICES=1 but DATABASE_URL is not PostgreSQL.")
        if not os.environ.get("REDIS_URL", "").startswith("redis"):
            raise pytest.UsageError("CSAM_REQUIRE_SERVICES=1 but REDIS_URL is not set.")


@pytest.fixture(scope="session", autouse=True)
def _services_reachable(django_db_setup: None, django_db_blocker: object) -> None:
    """Fail the whole run at once if a configured service is down (clear, not 500 tests)."""
    if settings.REDIS_URL:
        import redis

        redis.Redis.from_url(settings.REDIS_URL).ping()
    if os.environ.get("CSAM_REQUIRE_SERVICES") == "1":
        with django_db_blocker.unblock():  # type: ignore[attr-defined]
            assert connection.vendor == "postgresql"


@pytest.fixture(autouse=True)
def _clean_cache() -> None:
    from companies.authentication import forget_cached_clients

    cache.clear()
    forget_cached_clients()


@pytest.fixture(autouse=True)
def _tasks_run_in_process():
    """Tasks run at once in the test's process (with Redis as broker too); the one test that
    needs a real worker over Redis starts one itself (tests/test_celery.py)."""
    from csam.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _language_reset() -> Iterator[None]:
    """Each test starts in the default language. A request through the test client leaves the
    language its LocaleMiddleware chose active in this thread, so without this reset a test that
    asked for Dutch pages would make later tests compare against Dutch strings."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:
    # The production hasher is slow on purpose; tests check behaviour, not hashing cost.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def company_a():
    return CompanyFactory(name="Company A")


@pytest.fixture
def company_b():
    return CompanyFactory(name="Company B")


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def otp_user(db):
    user = UserFactory()
    TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    return user


def totp_code(user) -> str:
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    return (
        f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():06d}"
    )


def login_at(client: Client, user, level: AssuranceLevel | str) -> Client:
    """Log ``user`` in on ``client`` with a session at ``level`` (bypasses the forms; the log-in
    tests drive the forms themselves)."""
    level = AssuranceLevel(level)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    means = {
        AssuranceLevel.LOW: (Means.PASSWORD,),
        AssuranceLevel.SUBSTANTIAL: (Means.PASSWORD, Means.TOTP),
        AssuranceLevel.HIGH: (Means.EID,),
    }[level]
    session = client.session
    session[SESSION_KEY] = Assurance(level=level, means=means, at=timezone.now()).to_session()
    session.save()
    return client


@pytest.fixture
def client_at(client: Client) -> Callable[..., Client]:
    def make(user, level: AssuranceLevel | str = AssuranceLevel.LOW) -> Client:
        return login_at(client, user, level)

    return make
