"""The files in deploy/: consistent with the settings, and valid for the programs that read them.
The scale-out test (make stack-test) runs them for real; these checks are quick."""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from django.conf import settings

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.operations.stack import (
    DEPLOY,
    NGINX,
    _key_pem,
    make_server_certificate,
    render_nginx,
    render_site,
    unit_command,
)

ROOT = Path(__file__).resolve().parents[2]


def _names(path: Path) -> set[str]:
    return set(re.findall(r"^([A-Z][A-Z0-9_]*)=", path.read_text(), re.MULTILINE))


def _settings_names() -> set[str]:
    text = (ROOT / "csam" / "settings.py").read_text()
    return set(re.findall(r'env_(?:str|bool|int|list)\(\s*"([A-Z0-9_]+)"', text))


def test_development_env_example_lists_every_setting():
    assert _names(ROOT / ".env.example") == _settings_names()


def test_production_env_example_lists_the_same_variables_as_the_development_one():
    assert _names(DEPLOY / "env.example") == _names(ROOT / ".env.example")


def test_production_env_example_has_production_values():
    from dotenv import dotenv_values

    values = dotenv_values(DEPLOY / "env.example")
    assert values["DEBUG"] == "0"
    assert values["SECURE"] == "1"
    assert values["BEHIND_TLS_PROXY"] == "1"
    assert values["SECRET_KEY"] == ""  # never a key in the repository
    assert values["EID_CLIENT_CERT_HEADER"] == settings.EID_CLIENT_CERT_HEADER
    assert values["DATABASE_URL"].startswith("postgres://")
    assert values["REDIS_URL"].startswith("redis://")
    assert int(values["DATABASE_CONN_MAX_AGE"]) > 0


def test_production_env_example_loads_in_the_settings(tmp_path):
    """The production file, as it ships (with a key added), passes Django's deployment checks."""
    from dotenv import dotenv_values

    # Not what a test run may have set (the browser tests allow async-unsafe calls).
    dropped = {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.update({k: v or "" for k, v in dotenv_values(DEPLOY / "env.example").items()})
    key = tmp_path / "oidc.pem"
    key.write_bytes(_key_pem(rsa.generate_private_key(public_exponent=65537, key_size=2048)))
    env.update(
        SECRET_KEY="k" * 50 + "-only-for-this-check",
        OIDC_SIGNING_KEY_FILE=str(key),
        EID_TRUST_ANCHORS="",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )
    result = subprocess.run(  # noqa: S603 - our manage.py
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _gunicorn_settings(**env: str) -> dict:
    script = (
        "import json, runpy\n"
        f"ns = runpy.run_path({str(DEPLOY / 'gunicorn.conf.py')!r})\n"
        "print(json.dumps({k: ns[k] for k in ('bind', 'workers', 'worker_class', 'timeout',"
        " 'max_requests', 'accesslog')}))\n"
        "import os; print(os.environ['DATABASE_CONN_MAX_AGE'])\n"
        "print(os.environ['PROMETHEUS_MULTIPROC_DIR'])\n"
    )
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("GUNICORN_") and k not in {"DATABASE_CONN_MAX_AGE"}
    }
    out = subprocess.run(  # noqa: S603 - a fixed script
        [sys.executable, "-c", script],
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.splitlines()
    found = json.loads(out[0])
    found["conn_max_age"] = out[1]
    found["metrics_dir"] = out[2]
    return found


def test_gunicorn_config_runs_one_sync_worker_per_core_with_persistent_connections(tmp_path):
    found = _gunicorn_settings(PROMETHEUS_MULTIPROC_DIR=str(tmp_path))
    assert found["workers"] == os.cpu_count()
    assert found["worker_class"] == "sync"
    assert found["bind"] == ["127.0.0.1:8000"]
    assert found["conn_max_age"] == "600"
    assert found["max_requests"] == 0
    assert found["accesslog"] is None  # nginx logs the requests
    assert found["metrics_dir"] == str(tmp_path)


def test_gunicorn_config_takes_bind_and_workers_from_the_environment(tmp_path):
    found = _gunicorn_settings(
        GUNICORN_BIND="10.0.0.12:8000", GUNICORN_WORKERS="3", PROMETHEUS_MULTIPROC_DIR=str(tmp_path)
    )
    assert found["bind"] == ["10.0.0.12:8000"]
    assert found["workers"] == 3


def test_systemd_units_start_the_app_server_worker_and_beat():
    web = unit_command("csam-web.service", {})
    assert web[-1] == "csam.wsgi:application"
    assert web[web.index("--config") + 1] == "/srv/csam/app/deploy/gunicorn.conf.py"
    assert unit_command("csam-worker.service", {})[1:4] == ["--app", "csam", "worker"]
    beat = unit_command("csam-beat.service", {})
    assert beat[1:4] == ["--app", "csam", "beat"]
    assert beat[beat.index("--schedule") + 1].startswith("/var/lib/csam-beat/")
    for unit in ("csam-web.service", "csam-worker.service", "csam-beat.service"):
        text = (DEPLOY / "systemd" / unit).read_text()
        assert "EnvironmentFile=/etc/csam/csam.env" in text
        assert "User=csam" in text


def _locations(conf: str) -> dict[str, str]:
    """Each ``location`` block of the site file: its selector and body (no nested blocks)."""
    return {
        selector.strip(): body
        for selector, body in re.findall(r"location\s+([^{]+)\{([^}]*)\}", conf)
    }


def test_nginx_passes_the_card_certificate_only_to_the_certificate_log_in():
    conf = (DEPLOY / "nginx" / "csam.conf").read_text()
    header = settings.EID_CLIENT_CERT_HEADER
    proxied = {s: b for s, b in _locations(conf).items() if "proxy_pass" in b}
    assert set(proxied) == {"= /accounts/login/eid-certificate/", "/"}
    for selector, body in proxied.items():
        # Every proxying location sets the header itself, so a client's own never passes.
        assert len(re.findall(rf"proxy_set_header {header} ", body)) == 1, selector
        assert "include snippets/csam-proxy.conf;" in body, selector
    assert (
        f"proxy_set_header {header} $csam_client_cert;"
        in proxied["= /accounts/login/eid-certificate/"]
    )
    assert f'proxy_set_header {header} "";' in proxied["/"]
    # Only a certificate nginx verified is passed on.
    assert re.search(r"SUCCESS\s+\$ssl_client_escaped_cert;", conf)
    assert "ssl_verify_client optional;" in conf


def test_nginx_never_serves_metrics_and_logs_no_query_strings():
    conf = (DEPLOY / "nginx" / "csam.conf").read_text()
    assert "return 404;" in _locations(conf)["= /metrics"]
    log_format = conf[conf.index("log_format csam_json") :].split(";", 1)[0]
    assert "$csam_log_path" in log_format
    for leaky in ("$request_uri", "$request ", "$args", "$query_string", "$http_cookie"):
        assert leaky not in log_format


@pytest.mark.skipif(NGINX is None, reason="needs nginx (scripts/ensure-system-packages)")
def test_nginx_accepts_the_site_configuration(tmp_path):
    _ca, chain, key = make_server_certificate(tmp_path)
    site = render_site(
        upstreams=[18001, 18002],
        https_port=18443,
        http_port=18080,
        tls_chain=chain,
        tls_key=key,
        eid_bundle=_ca,
        static_root=tmp_path / "static",
        log_directory=tmp_path,
    )
    conf = render_nginx(tmp_path / "nginx", site)
    result = subprocess.run(  # noqa: S603 - nginx -t with our configuration
        [
            NGINX,
            "-t",
            "-p",
            str(tmp_path / "nginx"),
            "-c",
            str(conf),
            "-e",
            str(tmp_path / "e.log"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_scripts_stack_test_is_executable():
    script = ROOT / "scripts" / "stack-test"
    assert os.access(script, os.X_OK)
    assert shutil.which("bash")


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="needs systemd-analyze")
def test_systemd_units_pass_systemd_verification(tmp_path):
    """The units as systemd reads them, with this machine's paths (the virtualenv, the checkout,
    the current user) in place of /srv/csam and the csam account."""
    venv_bin = Path(sys.executable).parent
    user = "root" if os.geteuid() == 0 else os.environ.get("USER", "nobody")
    for unit in sorted((DEPLOY / "systemd").glob("*.service")):
        text = (
            unit.read_text()
            .replace("/srv/csam/venv/bin/", f"{venv_bin}/")
            .replace("/srv/csam/app", str(ROOT))
            .replace("User=csam", f"User={user}")
            .replace("Group=csam", f"Group={user}")
            .replace("EnvironmentFile=/etc/csam/csam.env", "EnvironmentFile=-/etc/csam/csam.env")
        )
        (tmp_path / unit.name).write_text(text)
    result = subprocess.run(  # noqa: S603 - systemd-analyze on our units
        [shutil.which("systemd-analyze"), "verify", *sorted(str(p) for p in tmp_path.iterdir())],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "SYSTEMD_LOG_LEVEL": "warning"},
    )
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr
