"""Settings: the production profile passes Django's deployment checks; bad values fail loudly."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _run(args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    dropped = {"DEBUG", "SECRET_KEY", "SECURE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {k: v for k, v in os.environ.items() if k not in dropped}
    clean.update(env)
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_clean_with_production_profile(tmp_path):
    result = _run(
        ["check", "--deploy", "--fail-level", "WARNING"],
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="csam.example",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_startup_fails_without_secret_key_when_not_debug(tmp_path):
    result = _run(
        ["check"], DEBUG="0", SECRET_KEY="", DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}"
    )
    assert result.returncode != 0
    assert "SECRET_KEY is required" in result.stderr


def test_startup_fails_on_malformed_boolean(tmp_path):
    result = _run(["check"], DEBUG="perhaps", SECRET_KEY="x" * 50)
    assert result.returncode != 0
    assert "DEBUG must be a boolean" in result.stderr


def test_database_url_selects_backend(settings):
    import dj_database_url

    parsed = dj_database_url.parse("postgres://root@127.0.0.1:5432/csam")
    assert parsed["ENGINE"] == "django.db.backends.postgresql"


@pytest.mark.django_db
def test_redis_url_selects_cache_and_broker(settings):
    from django.core.cache import cache

    from csam.celery import app

    if settings.REDIS_URL:
        assert settings.CACHES["default"]["BACKEND"].endswith("RedisCache")
        assert app.conf.broker_url.startswith("redis://")
        cache.set("csam-test-key", "value", 5)
        assert cache.get("csam-test-key") == "value"
    else:
        assert settings.CACHES["default"]["BACKEND"].endswith("LocMemCache")
        assert app.conf.task_always_eager is True
