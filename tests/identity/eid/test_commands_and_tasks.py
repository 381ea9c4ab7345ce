"""`eid_read` against a SoftHSM2 card, and the periodic CRL refresh over real HTTP on loopback."""

import http.server
import threading
from collections.abc import Iterator
from io import StringIO

from django.core.cache import caches
from django.core.management import CommandError, call_command

import pytest

from identity.eid import conf
from identity.eid.certificates import crl_cache_key, crl_lookup
from identity.tasks import eid_crls_refresh_task
from tests.identity.eid.pki import make_crl


@pytest.mark.parametrize("key_type", ["rsa", "ec"])
def test_eid_read_prints_card_holder(softhsm, key_type):
    soft = softhsm.card(key_type)
    out = StringIO()
    call_command("eid_read", module=softhsm.module, card=soft.serial, stdout=out)
    text = out.getvalue()
    assert f"Surname: {soft.card.surname}" in text
    assert soft.card.national_number[:2] + "." in text
    assert f"{key_type.upper()} key" in text


def test_eid_read_fails_clearly_when_module_missing():
    with pytest.raises(CommandError) as excinfo:
        call_command("eid_read", module="/nonexistent/libnothing.so")
    assert "reader" in str(excinfo.value)


class _Files(http.server.BaseHTTPRequestHandler):
    files: dict[str, bytes] = {}

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        body = self.files.get(self.path)
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/pkix-crl")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def crl_server() -> Iterator[tuple[str, dict[str, bytes]]]:
    files: dict[str, bytes] = {}
    handler = type("Handler", (_Files,), {"files": files})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", files
    server.shutdown()


def test_crl_refresh_task_stores_fetched_crl(settings, pki, crl_server):
    base, files = crl_server
    issuer = pki.ec_citizen_ca
    caches[conf.crl_cache_alias()].delete(crl_cache_key(issuer.name))
    files["/ec.crl"] = make_crl(issuer, now=pki.now)
    files["/garbage.crl"] = b"not a crl"
    settings.EID_CRL_URLS = [f"{base}/ec.crl", f"{base}/garbage.crl", f"{base}/missing.crl"]

    result = eid_crls_refresh_task.apply().get()

    assert result == {"stored": 1, "unchanged": 0, "failed": 2}
    assert crl_lookup(issuer.name) is not None
    # Run again: nothing new, nothing broken (idempotent).
    assert eid_crls_refresh_task.apply().get() == {"stored": 0, "unchanged": 1, "failed": 2}


def test_crl_refresh_refuses_non_http_url(settings):
    settings.EID_CRL_URLS = ["file:///etc/passwd"]
    assert eid_crls_refresh_task.apply().get() == {"stored": 0, "unchanged": 0, "failed": 1}
