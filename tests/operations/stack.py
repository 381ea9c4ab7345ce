"""A whole portal on this machine, built from the files in deploy/: nginx in front of several
gunicorn app servers, a Celery worker and beat, against the real PostgreSQL and Redis.

Used by the scale-out test (`tests.operations.stack_test`, ``make stack-test``) and by the
whole-stack benchmark (benchmarks/stack.py). Not a test module itself.

What is taken from deploy/ as it ships, so that the test checks it:

- nginx: deploy/nginx/csam.conf and csam-proxy.conf; only the addresses, ports and file paths
  are replaced (`render_site`), each replacement checked to have happened;
- gunicorn: deploy/gunicorn.conf.py, started with the ExecStart line of
  deploy/systemd/csam-web.service (the worker and beat with theirs);
- the environment: deploy/env.example, with this run's addresses, secrets and files.

Made at run time: a TLS certificate for 127.0.0.1 (from a CA of its own), a small eID PKI (a
root, a citizen CA and one card, whose revocation lists a local HTTP server publishes), the OIDC
signing key. The app servers reach PostgreSQL and Redis through `Tap` relays, which the test cuts
and restores to show /readyz failing and recovering, without touching the shared services.

Every process is started in its own session and stopped by its process group, in `Stack.stop`,
whatever happened before.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import http.client
import http.server
import ipaddress
import json
import os
import secrets
import selectors
import shlex
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

PROJECT = Path(__file__).resolve().parents[2]
DEPLOY = PROJECT / "deploy"
VENV_BIN = Path(sys.executable).parent
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)

# The demo log-in of the README (csam/demo): public demo values.
DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - the README's demo password
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # noqa: S105 - the README's demo key


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(what: str, check: Any, timeout: float = 60, interval: float = 0.2) -> Any:
    """Call ``check`` until it returns something true; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = check()
        except StackError:
            raise
        except Exception as exc:  # noqa: BLE001 - keep trying, report the last error
            last = exc
        else:
            if last:
                return last
        time.sleep(interval)
    raise StackError(f"timed out after {timeout:g} s waiting for {what} (last: {last!r})")


class StackError(Exception):
    pass


# --- TCP relays that can be cut --------------------------------------------------------------


class Tap:
    """A TCP relay on 127.0.0.1 to a real service. `cut` closes the listener and every relayed
    connection (to the app servers, the service is down: refused connections, broken ones);
    `restore` listens again on the same port."""

    def __init__(self, name: str, target: tuple[str, int]) -> None:
        self.name = name
        self.target = target
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._connections: set[socket.socket] = set()
        self._lock = threading.Lock()

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(128)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _address = listener.accept()
            except OSError:
                return  # cut
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._connections.update((client, upstream))
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()

    def _pump(self, a: socket.socket, b: socket.socket) -> None:
        with selectors.DefaultSelector() as selector:
            selector.register(a, selectors.EVENT_READ, b)
            selector.register(b, selectors.EVENT_READ, a)
            try:
                while True:
                    for key, _events in selector.select():
                        data = key.fileobj.recv(65536)  # type: ignore[union-attr]
                        if not data:
                            return
                        key.data.sendall(data)
            except OSError:
                return
            finally:
                with self._lock:
                    self._connections.difference_update((a, b))
                for s in (a, b):
                    with contextlib.suppress(OSError):
                        s.close()

    def cut(self) -> None:
        if self._listener is not None:
            # shutdown() first: close() alone leaves a socket that a thread is blocked in
            # accept() on listening until that call returns.
            with contextlib.suppress(OSError):
                self._listener.shutdown(socket.SHUT_RDWR)
            self._listener.close()
            self._listener = None
        with self._lock:
            connections = list(self._connections)
        for s in connections:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)

    def restore(self) -> None:
        self.start()

    def stop(self) -> None:
        self.cut()


# --- Certificates made at run time -----------------------------------------------------------


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _write(path: Path, data: bytes, mode: int = 0o644) -> Path:
    path.write_bytes(data)
    path.chmod(mode)
    return path


def _key_pem(key: Any) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def make_server_certificate(directory: Path) -> tuple[Path, Path, Path]:
    """A CA of the run's own and a certificate for 127.0.0.1 and localhost signed by it:
    (CA file for clients, certificate chain for nginx, key)."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("CSAM stack test CA"))
        .issuer_name(_name("CSAM stack test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(_name("127.0.0.1"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    return (
        _write(directory / "tls-ca.pem", ca.public_bytes(pem)),
        _write(directory / "tls-fullchain.pem", leaf.public_bytes(pem) + ca.public_bytes(pem)),
        _write(directory / "tls-privkey.pem", _key_pem(key), 0o600),
    )


@dataclass
class EidFiles:
    anchors: Path  # the portal's EID_TRUST_ANCHORS: root and citizen CA
    nginx_bundle: Path  # nginx's ssl_client_certificate: the same CAs
    card_certificate: Path  # the card's Authentication certificate (PEM)
    card_key: Path
    crl_directory: Path  # root.crl and citizen.crl, published by `CrlServer`
    national_number: str


def make_eid_pki(directory: Path, national_number: str, given_names: str, surname: str) -> EidFiles:
    """A root, a citizen CA and one card shaped like the Belgian eID ones (the test PKI's
    builders in tests/identity/eid/pki.py), with fresh revocation lists."""
    from tests.identity.eid.pki import make_ca, make_card_certificate, make_crl, pem, rsa_key

    now = dt.datetime.now(dt.UTC)
    root = make_ca("Stack Belgium Root CA4", rsa_key(), now=now)
    citizen = make_ca("Stack Citizen CA", rsa_key(), issuer=root, path_length=0, now=now, eku=True)
    card_key = rsa_key()
    card = make_card_certificate(
        citizen,
        card_key,
        now=now,
        given_names=given_names,
        surname=surname,
        national_number=national_number,
    )
    crls = directory / "crl"
    crls.mkdir()
    _write(crls / "root.crl", make_crl(root, now=now))
    _write(crls / "citizen.crl", make_crl(citizen, now=now))
    bundle = pem(root.certificate, citizen.certificate)
    return EidFiles(
        anchors=_write(directory / "eid-anchors.pem", bundle),
        nginx_bundle=_write(directory / "eid-ca-bundle.pem", bundle),
        card_certificate=_write(directory / "card.pem", pem(card)),
        card_key=_write(directory / "card-key.pem", _key_pem(card_key), 0o600),
        crl_directory=crls,
        national_number=national_number,
    )


class CrlServer:
    """The CAs' CRL distribution point: plain HTTP, as the real ones."""

    def __init__(self, directory: Path) -> None:
        handler = type(
            "CrlHandler",
            (http.server.SimpleHTTPRequestHandler,),
            {"log_message": lambda self, *args: None},
        )
        self.server = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0),
            lambda *a: handler(*a, directory=str(directory)),  # type: ignore[misc]
        )
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# --- Rendering deploy/ for this machine ------------------------------------------------------


def _replace(text: str, old: str, new: str, what: str) -> str:
    if old not in text:
        raise StackError(f"{what}: {old!r} not found; the file changed, update the stack harness")
    return text.replace(old, new)


def render_site(
    *,
    upstreams: list[int],
    https_port: int,
    http_port: int,
    tls_chain: Path,
    tls_key: Path,
    eid_bundle: Path,
    static_root: Path,
    log_directory: Path,
) -> str:
    """deploy/nginx/csam.conf with this run's addresses, ports and files."""
    what = "deploy/nginx/csam.conf"
    text = (DEPLOY / "nginx" / "csam.conf").read_text()
    servers = "\n    ".join(
        f"server 127.0.0.1:{port} max_fails=1 fail_timeout=10s;" for port in upstreams
    )
    for old, new in [
        ("server 127.0.0.1:8000 max_fails=1 fail_timeout=10s;", servers),
        ("listen 80;", f"listen 127.0.0.1:{http_port};"),
        ("listen [::]:80;", ""),
        ("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;"),
        ("listen [::]:443 ssl http2;", ""),
        ("/etc/csam/tls/fullchain.pem", str(tls_chain)),
        ("/etc/csam/tls/privkey.pem", str(tls_key)),
        ("/etc/csam/eid-ca-bundle.pem", str(eid_bundle)),
        ("/srv/csam/static/", f"{static_root}/"),
        ("/var/log/nginx/", f"{log_directory}/"),
    ]:
        text = _replace(text, old, new, what)
    return text


def render_nginx(directory: Path, site: str) -> Path:
    """nginx.conf for a private nginx in ``directory`` (pid, temporary files, logs there), which
    includes the site as Debian's does, with the proxy snippet in snippets/ beside it."""
    for sub in ("logs", "tmp", "snippets", "sites"):
        (directory / sub).mkdir(parents=True, exist_ok=True)
    shutil.copy(DEPLOY / "nginx" / "csam-proxy.conf", directory / "snippets" / "csam-proxy.conf")
    (directory / "sites" / "csam.conf").write_text(site)
    temp = directory / "tmp"
    user = "user root root;\n" if os.geteuid() == 0 else ""
    mime = "include /etc/nginx/mime.types;" if Path("/etc/nginx/mime.types").exists() else ""
    conf = directory / "nginx.conf"
    conf.write_text(
        f"""{user}worker_processes 1;
pid {directory}/nginx.pid;
error_log {directory}/logs/error.log warn;
events {{ worker_connections 512; }}
http {{
    {mime}
    default_type application/octet-stream;
    sendfile on;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    include sites/csam.conf;
}}
"""
    )
    return conf


def unit_command(unit: str, replacements: dict[str, str]) -> list[str]:
    """The ExecStart command of deploy/systemd/<unit>, with this machine's paths."""
    text = (DEPLOY / "systemd" / unit).read_text()
    [line] = [x for x in text.splitlines() if x.startswith("ExecStart=")]
    command = line.removeprefix("ExecStart=")
    command = _replace(command, "/srv/csam/venv/bin/", f"{VENV_BIN}/", unit)
    for old, new in replacements.items():
        command = _replace(command, old, new, unit)
    return shlex.split(command)


def production_environment() -> dict[str, str]:
    """deploy/env.example as manage.py and systemd read it."""
    from dotenv import dotenv_values

    return {k: v or "" for k, v in dotenv_values(DEPLOY / "env.example").items()}


# --- Processes -------------------------------------------------------------------------------


@dataclass
class Process:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    def running(self) -> bool:
        return self.popen.poll() is None

    def stop(self, timeout: float = 30) -> None:
        """TERM to the whole process group (gunicorn's and Celery's children too), then KILL."""
        if self.popen.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGTERM)
        try:
            self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            # The leader still runs, so the group is still ours to kill.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait()

    def tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


@dataclass
class AppServer:
    port: int
    process: Process

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@dataclass
class Stack:
    """The portal on this machine. ``start`` builds and starts everything; ``stop`` stops what
    was started and drops the database, whatever state it is in."""

    work: Path
    database_url: str = "postgres://root@127.0.0.1:5432/csam_stack"
    redis_url: str = "redis://127.0.0.1:6379/14"
    app_servers: int = 2
    gunicorn_workers: int = 2
    celery: bool = True
    seed: bool = True
    extra_env: dict[str, str] = field(default_factory=dict)
    create_database: bool = True
    # Relays the test can cut between the app servers and PostgreSQL and Redis; off for the
    # benchmark (a relay in Python would be what it measures).
    taps: bool = True
    # What shows an app server is up: /readyz, or /healthz for a database whose migrations lag
    # (the benchmark's, generated once).
    ready_path: str = "/readyz"
    keep: bool = False
    # Set by start():
    env: dict[str, str] = field(default_factory=dict)
    direct_env: dict[str, str] = field(default_factory=dict)
    servers: list[AppServer] = field(default_factory=list)
    processes: list[Process] = field(default_factory=list)
    https_port: int = 0
    http_port: int = 0
    tls_ca: Path | None = None
    eid: EidFiles | None = None
    database_tap: Tap | None = None
    redis_tap: Tap | None = None
    crl_server: CrlServer | None = None
    nginx_process: Process | None = None

    # --- building

    @property
    def base(self) -> str:
        return f"https://127.0.0.1:{self.https_port}"

    @property
    def logs(self) -> Path:
        return self.work / "logs"

    def log(self, message: str) -> None:
        print(f"[stack] {message}", flush=True)

    def _service(self, url: str) -> tuple[str, int]:
        parts = urlsplit(url)
        return parts.hostname or "127.0.0.1", parts.port or (5432 if "postgres" in url else 6379)

    def _tapped(self, url: str, tap: Tap) -> str:
        parts = urlsplit(url)
        netloc = parts.netloc.rsplit("@", 1)
        host = f"127.0.0.1:{tap.port}"
        netloc_new = f"{netloc[0]}@{host}" if len(netloc) == 2 else host
        return parts._replace(netloc=netloc_new).geturl()

    def _database_name(self) -> str:
        name = urlsplit(self.database_url).path.lstrip("/")
        if "stack" not in name and "bench" not in name:
            raise StackError(f"refusing to use database {name!r}: its name must contain 'stack'")
        return name

    def _admin(self, sql: str) -> None:
        import psycopg

        admin = urlsplit(self.database_url)._replace(path="/postgres").geturl()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(sql)

    def _roles(self) -> tuple[str, str]:
        """The owner and portal roles of the run's database (deploy/postgresql/setup.sql)."""
        name = self._database_name()
        return f"{name}_owner", f"{name}_portal"

    def _as_role(self, url: str, role: str, password: str) -> str:
        parts = urlsplit(url)
        host = parts.netloc.rsplit("@", 1)[-1]
        return parts._replace(netloc=f"{role}:{password}@{host}").geturl()

    def _psql(self, script: str, connect_to: str, **variables: str) -> None:
        """Run a file of deploy/postgresql/ with psql in database ``connect_to``, as the
        administrator of the URL given."""
        url = urlsplit(self.database_url)._replace(path=f"/{connect_to}").geturl()
        command = ["psql", "-X", "-q", url, "-f", str(DEPLOY / "postgresql" / script)]
        for name, value in variables.items():
            command += ["-v", f"{name}={value}"]
        result = subprocess.run(  # noqa: S603, S607 - psql with our own script
            command, capture_output=True, text=True, check=False, timeout=60
        )
        if result.returncode != 0:
            raise StackError(f"psql -f {script} failed:\n{result.stdout}{result.stderr}")

    def _drop_database(self) -> None:
        name = self._database_name()
        self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        for role in self._roles():
            self._admin(f'DROP ROLE IF EXISTS "{role}"')

    def _flush_redis(self) -> None:
        import redis

        redis.Redis.from_url(self.redis_url).flushdb()

    def _manage(self, *args: str, env: dict[str, str] | None = None) -> str:
        result = subprocess.run(  # noqa: S603 - our own manage.py
            [sys.executable, "manage.py", *args],
            cwd=PROJECT,
            env=env or self.direct_env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if result.returncode != 0:
            raise StackError(f"manage.py {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
        return result.stdout

    def _spawn(self, name: str, command: list[str], env: dict[str, str]) -> Process:
        log = self.logs / f"{name}.log"
        popen = subprocess.Popen(  # noqa: S603 - commands built from deploy/ files
            command,
            cwd=PROJECT,
            env=env,
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        process = Process(name, popen, log)
        self.processes.append(process)
        return process

    def start(self) -> Stack:
        if NGINX is None:
            raise StackError(
                "nginx is missing: apt-get install nginx (scripts/ensure-system-packages)"
            )
        started = time.monotonic()
        self.logs.mkdir(parents=True, exist_ok=True)
        certs = self.work / "certs"
        certs.mkdir(exist_ok=True)
        self.https_port, self.http_port = free_port(), free_port()
        self.tls_ca, tls_chain, tls_key = make_server_certificate(certs)
        self.eid = make_eid_pki(certs, "85071412429", "Alice Marie", "Peeters")
        self.crl_server = CrlServer(self.eid.crl_directory)
        oidc_key = _write(
            certs / "oidc-signing.pem", _key_pem(rsa.generate_private_key(65537, 2048)), 0o600
        )
        static_root = self.work / "static"

        # The portal's role (deploy/postgresql/setup.sql) when the run makes its database.
        owner_password, portal_password = secrets.token_hex(12), secrets.token_hex(12)
        portal_url = (
            self._as_role(self.database_url, self._roles()[1], portal_password)
            if self.create_database
            else self.database_url
        )
        app_database_url, app_redis_url = portal_url, self.redis_url
        if self.taps:
            self.database_tap = Tap("PostgreSQL", self._service(self.database_url))
            self.redis_tap = Tap("Redis", self._service(self.redis_url))
            self.database_tap.start()
            self.redis_tap.start()
            app_database_url = self._tapped(portal_url, self.database_tap)
            app_redis_url = self._tapped(self.redis_url, self.redis_tap)

        env = {
            k: v
            for k, v in os.environ.items()
            if k
            not in {
                "DJANGO_SETTINGS_MODULE",
                "DJANGO_ALLOW_ASYNC_UNSAFE",
                "PROMETHEUS_MULTIPROC_DIR",
                "GUNICORN_BIND",
                "GUNICORN_WORKERS",
            }
        }
        env.update(production_environment())
        env.update(
            SECRET_KEY=secrets.token_urlsafe(50),
            ALLOWED_HOSTS="127.0.0.1,localhost",
            CSRF_TRUSTED_ORIGINS=self.base,
            PORTAL_BASE_URL=self.base,
            EID_AGENT_ALLOWED_ORIGINS=self.base,
            DATABASE_URL=app_database_url
            + ("&" if "?" in app_database_url else "?")
            + "connect_timeout=3",
            REDIS_URL=app_redis_url,
            CACHE_KEY_PREFIX="csamstack",
            EID_TRUST_ANCHORS=str(self.eid.anchors),
            EID_CRL_URLS=f"{self.crl_server.url('root.crl')},{self.crl_server.url('citizen.crl')}",
            EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
            STATIC_ROOT=str(static_root),
            OIDC_ISSUER=f"{self.base}/oidc",
            OIDC_SIGNING_KEY_FILE=str(oidc_key),
            # A heartbeat every 2 s, so that beat shows its work within the run.
            CELERY_HEARTBEAT_SECONDS="2",
        )
        env.update(self.extra_env)
        # The worker, beat and set-up steps reach the services directly: only the app servers
        # go through the relays the test cuts.
        self.direct_env = {**env, "DATABASE_URL": portal_url, "REDIS_URL": self.redis_url}
        self.env = env

        if self.create_database:
            name = self._database_name()
            owner, portal = self._roles()
            self.log(f"database {name} (roles {owner}, {portal}): drop, create, migrate")
            self._drop_database()
            self._psql(
                "setup.sql",
                "postgres",
                database=name,
                owner=owner,
                portal=portal,
                owner_password=owner_password,
                portal_password=portal_password,
            )
            self._flush_redis()
            t = time.monotonic()
            owner_url = self._as_role(self.database_url, owner, owner_password)
            self._manage("migrate", "--noinput", env={**self.direct_env, "DATABASE_URL": owner_url})
            self.log(f"  migrated in {time.monotonic() - t:.0f} s")
            self._psql("restrict.sql", name, portal=portal)
            if self.seed:
                self._manage("seed_demo")
        self._manage("collectstatic", "--noinput")

        self.log(f"{self.app_servers} app servers x {self.gunicorn_workers} gunicorn workers")
        for index in range(self.app_servers):
            port = free_port()
            command = unit_command(
                "csam-web.service",
                {"/srv/csam/app/deploy/gunicorn.conf.py": str(DEPLOY / "gunicorn.conf.py")},
            )
            server_env = {
                **env,
                "GUNICORN_BIND": f"127.0.0.1:{port}",
                "GUNICORN_WORKERS": str(self.gunicorn_workers),
            }
            process = self._spawn(f"app-{index + 1}", command, server_env)
            self.servers.append(AppServer(port, process))

        if self.celery:
            worker = unit_command("csam-worker.service", {})
            self._spawn("celery-worker", [*worker, "--concurrency", "1"], self.direct_env)
            beat = unit_command(
                "csam-beat.service",
                {"/var/lib/csam-beat/schedule": str(self.work / "beat-schedule")},
            )
            self._spawn("celery-beat", beat, self.direct_env)

        nginx_dir = self.work / "nginx"
        site = render_site(
            upstreams=[s.port for s in self.servers],
            https_port=self.https_port,
            http_port=self.http_port,
            tls_chain=tls_chain,
            tls_key=tls_key,
            eid_bundle=self.eid.nginx_bundle,
            static_root=static_root,
            log_directory=self.logs,
        )
        conf = render_nginx(nginx_dir, site)
        check = subprocess.run(  # noqa: S603 - nginx with our configuration
            [
                NGINX,
                "-t",
                "-q",
                "-p",
                str(nginx_dir),
                "-c",
                str(conf),
                "-e",
                str(self.logs / "nginx-startup.log"),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if check.returncode != 0:
            raise StackError(f"nginx -t refused the configuration:\n{check.stderr}")
        self.nginx_process = self._spawn(
            "nginx",
            [
                NGINX,
                "-p",
                str(nginx_dir),
                "-c",
                str(conf),
                "-e",
                str(self.logs / "nginx-startup.log"),
                "-g",
                "daemon off;",
            ],
            env,
        )

        for server in self.servers:
            wait_for(
                f"app server :{server.port} {self.ready_path}", lambda s=server: self._ready(s), 90
            )
        wait_for("nginx", lambda: self.https_get("/healthz")[0] == 200, 30)
        if self.celery:
            wait_for(
                "the Celery worker",
                lambda: "ready." in self.process("celery-worker").log.read_text(),
                90,
            )
        self.log(f"up in {time.monotonic() - started:.0f} s: {self.base}")
        return self

    def _ready(self, server: AppServer) -> bool:
        if not server.process.running():
            raise StackError(f"app server :{server.port} exited:\n{server.process.tail()}")
        status, _headers, _body = http_request("GET", f"{server.base}{self.ready_path}")
        return status == 200

    def process(self, name: str) -> Process:
        [found] = [p for p in self.processes if p.name == name]
        return found

    def https_get(self, path: str) -> tuple[int, dict[str, str], bytes]:
        return http_request("GET", self.base + path, context=self.client_context())

    def client_context(self, certificate: tuple[Path, Path] | None = None) -> ssl.SSLContext:
        context = ssl.create_default_context(cafile=str(self.tls_ca))
        if certificate:
            context.load_cert_chain(str(certificate[0]), str(certificate[1]))
        return context

    # --- stopping

    def stop(self) -> None:
        for process in reversed(self.processes):
            try:
                process.stop()
            except Exception as exc:  # noqa: BLE001 - stop the others all the same
                self.log(f"could not stop {process.name}: {exc}")
        for closer in (self.database_tap, self.redis_tap, self.crl_server):
            if closer is not None:
                with contextlib.suppress(Exception):
                    closer.stop()
        if self.create_database and not self.keep:
            with contextlib.suppress(Exception):
                self._drop_database()
            with contextlib.suppress(Exception):
                self._flush_redis()

    def __enter__(self) -> Stack:
        try:
            return self.start()
        except BaseException:
            self.print_logs()
            self.stop()
            raise

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def print_logs(self, lines: int = 30) -> None:
        for process in self.processes:
            print(f"--- last lines of {process.name} ({process.log}):\n{process.tail(lines)}")
        for extra in ("nginx-startup.log", "error.log", "csam-error.log"):
            path = self.logs / extra
            if path.exists():
                print(f"--- {path}:\n" + "\n".join(path.read_text().splitlines()[-lines:]))


# --- HTTP ------------------------------------------------------------------------------------


def http_request(
    method: str,
    url: str,
    *,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    context: ssl.SSLContext | None = None,
    timeout: float = 15,
) -> tuple[int, dict[str, str], bytes]:
    """One request on a new connection: (status, headers with lower-case names, body); status
    0 when the connection failed. Set-Cookie headers are joined with newlines."""
    parts = urlsplit(url)
    connection: http.client.HTTPConnection
    if parts.scheme == "https":
        connection = http.client.HTTPSConnection(
            parts.hostname, parts.port, context=context, timeout=timeout
        )
    else:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        data = response.read()
    except (OSError, http.client.HTTPException):
        return 0, {}, b""
    finally:
        connection.close()
    found: dict[str, str] = {}
    for name, value in response.getheaders():
        key = name.lower()
        found[key] = f"{found[key]}\n{value}" if key in found else value
    return response.status, found, data


@dataclass
class Browser:
    """A person's browser: cookies, CSRF token, redirects followed; optionally presenting a
    client certificate (the eID card) in the TLS handshake."""

    stack: Stack
    certificate: tuple[Path, Path] | None = None
    cookies: dict[str, str] = field(default_factory=dict)

    def with_card(self, certificate: Path, key: Path) -> Browser:
        """The same browser, with the card in the reader (the cookies are shared)."""
        return Browser(self.stack, (certificate, key), self.cookies)

    def csrf_token(self) -> str:
        return next(v for k, v in self.cookies.items() if k.endswith("csrftoken"))

    def request(
        self,
        method: str,
        path: str,
        *,
        form: dict[str, str] | None = None,
        json_body: Any = None,
        headers: dict[str, str] | None = None,
        follow: bool = True,
    ) -> tuple[int, dict[str, str], bytes, str]:
        """(status, headers, body, the final path)."""
        sent = {"Origin": self.stack.base, "Referer": self.stack.base + "/", **(headers or {})}
        body = None
        if form is not None:
            body = urlencode(form).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        elif json_body is not None:
            body = json.dumps(json_body).encode()
            sent["Content-Type"] = "application/json"
        if method != "GET" and any(k.endswith("csrftoken") for k in self.cookies):
            sent.setdefault("X-CSRFToken", self.csrf_token())
        for _hop in range(10):
            if self.cookies:
                sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            status, got, data = http_request(
                method,
                self.stack.base + path,
                body=body,
                headers=sent,
                context=self.stack.client_context(self.certificate),
            )
            for line in got.get("set-cookie", "").split("\n"):
                if "=" in line:
                    name, _sep, rest = line.partition("=")
                    value = rest.split(";", 1)[0]
                    if value and "max-age=0" not in line.lower():
                        self.cookies[name.strip()] = value
                    else:
                        self.cookies.pop(name.strip(), None)
            if follow and status in (301, 302, 303) and "location" in got:
                location = urlsplit(got["location"])
                path = location.path + (f"?{location.query}" if location.query else "")
                method, body = "GET", None
                sent.pop("Content-Type", None)
                continue
            return status, got, data, path
        raise StackError("too many redirects")


def totp(secret_base32: str, at: float | None = None) -> str:
    """The current one-time code of an authenticator app (RFC 6238: SHA-1, 30 s, 6 digits)."""
    import base64
    import hmac

    key = base64.b32decode(secret_base32)
    counter = int((time.time() if at is None else at) // 30)
    digest = hmac.new(key, counter.to_bytes(8, "big"), "sha1").digest()
    offset = digest[-1] & 0x0F
    code = (int.from_bytes(digest[offset : offset + 4], "big") & 0x7FFFFFFF) % 1_000_000
    return f"{code:06d}"


def escaped_certificate(path: Path) -> str:
    """A certificate as nginx's $ssl_client_escaped_cert writes it (URL-escaped PEM)."""
    return quote(path.read_text())
