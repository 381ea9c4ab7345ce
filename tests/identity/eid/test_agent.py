"""The local eID signer, driven over real HTTP on 127.0.0.1 against SoftHSM2 cards (see conftest).

Each test starts the agent in a thread on a free port; nothing in the PKCS#11 layer is mocked.
"Nothing was signed" is read from the token layer's own debug log line, which is written only
after the card signed.
"""

import base64
import http.client
import json
import logging
import os
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError

import pytest

from identity.eid.agent import (
    AgentServer,
    build_agent_server,
    configured_allowed_origins,
    normalise_origin,
)
from identity.eid.certificates import KeyType, check_certificate, verify_challenge_signature
from identity.eid.exceptions import WrongPin
from tests.identity.eid.pki import der

ORIGIN = "https://portal.example"
FOREIGN_ORIGIN = "https://evil.example"
CHALLENGE = os.urandom(32)
SIGNED_LOG_LINE = "signed a challenge"  # identity.eid.pkcs11 logs it after every signature


@dataclass(frozen=True)
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def json(self) -> dict:
        return json.loads(self.body)


@dataclass(frozen=True)
class RunningAgent:
    server: AgentServer

    @property
    def port(self) -> int:
        return self.server.port

    def request(
        self,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        origin: str | None = ORIGIN,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        all_headers = {"Origin": origin} if origin is not None else {}
        if body is not None:
            all_headers["Content-Type"] = "application/json"
        all_headers.update(headers or {})
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.request(method, path, body=body, headers=all_headers)
            response = connection.getresponse()
            return Answer(response.status, response.headers, response.read())
        finally:
            connection.close()

    def sign(self, payload: object, **kwargs) -> Answer:
        return self.request("POST", "/v1/sign", body=json.dumps(payload).encode(), **kwargs)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@pytest.fixture
def start_local_agent(softhsm, settings) -> Iterator[Callable[..., RunningAgent]]:
    """Start agents on free ports with the SoftHSM module; stop them all after the test."""
    settings.EID_AGENT_ALLOWED_ORIGINS = [ORIGIN]
    running: list[tuple[AgentServer, threading.Thread]] = []

    def start(*, card_serial: str | None = None, module_path: str | None = None) -> RunningAgent:
        server = build_agent_server(
            port=0, module_path=module_path or softhsm.module, card_serial=card_serial
        )
        # A short poll interval: shutdown() waits for the next poll.
        thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.01},
            name="eid-agent",
            daemon=True,
        )
        thread.start()
        running.append((server, thread))
        return RunningAgent(server)

    yield start
    for server, thread in running:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def agent(start_local_agent) -> RunningAgent:
    """An agent that sees both cards and picks none."""
    return start_local_agent()


@pytest.fixture(params=["rsa", "ec"])
def card_agent(request, softhsm, start_local_agent) -> tuple[RunningAgent, object]:
    """An agent started for one card (as ``eid_agent --card SERIAL``), and that card."""
    soft_card = softhsm.card(request.param)
    return start_local_agent(card_serial=soft_card.serial), soft_card


def _signed_anything(caplog) -> bool:
    return any(SIGNED_LOG_LINE in record.getMessage() for record in caplog.records)


# --- Status ---------------------------------------------------------------------------------------


def test_status_counts_the_cards_when_two_cards_inserted(agent):
    answer = agent.request("GET", "/v1/status")

    assert answer.status == 200
    assert answer.json == {"cards": 2}  # the token labelled OTHER is not a card
    assert answer.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert answer.headers["Cache-Control"] == "no-store"


def test_status_counts_only_the_chosen_card_when_started_with_a_serial(start_local_agent, softhsm):
    agent = start_local_agent(card_serial=softhsm.ec.serial)

    assert agent.request("GET", "/v1/status").json == {"cards": 1}


def test_status_counts_no_card_when_none_inserted(softhsm_without_cards, agent):
    answer = agent.request("GET", "/v1/status")

    assert answer.status == 200
    assert answer.json == {"cards": 0}


def test_status_answers_no_reader_when_module_missing(start_local_agent, tmp_path):
    agent = start_local_agent(module_path=str(tmp_path / "missing-pkcs11.so"))

    answer = agent.request("GET", "/v1/status")

    assert answer.status == 503
    assert answer.json["code"] == "no_reader"
    assert answer.headers["Access-Control-Allow-Origin"] == ORIGIN  # the page can read why


# --- Signing --------------------------------------------------------------------------------------


def test_sign_returns_a_signature_the_portal_accepts_when_pin_right(card_agent):
    agent, soft_card = card_agent

    answer = agent.sign({"challenge": _b64(CHALLENGE), "pin": soft_card.card.pin})

    assert answer.status == 200
    assert answer.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert set(answer.json) == {"certificate", "signature", "key_type"}
    certificate = base64.b64decode(answer.json["certificate"], validate=True)
    signature = base64.b64decode(answer.json["signature"], validate=True)
    assert certificate == der(soft_card.card.authentication)
    assert answer.json["key_type"] == soft_card.card.key_type
    verify_challenge_signature(certificate, CHALLENGE, signature)  # raises when it does not verify
    holder = check_certificate(certificate)
    assert holder.national_number.digits == soft_card.card.national_number
    assert holder.key_type is KeyType(soft_card.card.key_type)


def test_sign_refused_with_wrong_pin_and_warns_of_blocking_when_pin_wrong(card_agent, caplog):
    agent, _soft_card = card_agent
    caplog.set_level(logging.DEBUG)
    wrong_pin = "918273"

    answer = agent.sign({"challenge": _b64(CHALLENGE), "pin": wrong_pin})

    assert answer.status == 401
    assert answer.json["code"] == "wrong_pin"
    # SoftHSM raises "count low" after a wrong PIN: the message warns that the card may block.
    assert answer.json["message"] == str(WrongPin(count_low=True).message)
    assert wrong_pin.encode() not in answer.body
    assert wrong_pin not in caplog.text
    assert not _signed_anything(caplog)


def test_sign_never_logs_nor_echoes_the_pin_when_signing_succeeds(card_agent, caplog):
    agent, soft_card = card_agent
    caplog.set_level(logging.DEBUG)

    answer = agent.sign({"challenge": _b64(CHALLENGE), "pin": soft_card.card.pin})

    assert answer.status == 200
    assert _signed_anything(caplog)
    assert soft_card.card.pin not in caplog.text
    assert f'"{soft_card.card.pin}"'.encode() not in answer.body


def test_sign_asks_to_leave_one_card_when_several_inserted(agent, softhsm, caplog):
    caplog.set_level(logging.DEBUG)

    answer = agent.sign({"challenge": _b64(CHALLENGE), "pin": softhsm.rsa.card.pin})

    assert answer.status == 409
    assert answer.json["code"] == "multiple_cards"
    assert not _signed_anything(caplog)


def test_sign_answers_no_card_when_none_inserted(softhsm_without_cards, agent):
    answer = agent.sign({"challenge": _b64(CHALLENGE), "pin": "1234"})

    assert answer.status == 503
    assert answer.json["code"] == "no_card"


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        pytest.param({"pin": "RIGHT"}, "invalid_challenge", id="challenge-missing"),
        pytest.param({"challenge": "not base64!", "pin": "RIGHT"}, "invalid_challenge", id="b64"),
        pytest.param(
            {"challenge": _b64(CHALLENGE)[:-2], "pin": "RIGHT"}, "invalid_challenge", id="padding"
        ),
        pytest.param(
            {"challenge": _b64(os.urandom(31)), "pin": "RIGHT"}, "invalid_challenge", id="short"
        ),
        pytest.param(
            {"challenge": _b64(os.urandom(1025)), "pin": "RIGHT"}, "invalid_challenge", id="long"
        ),
        pytest.param({"challenge": 12345, "pin": "RIGHT"}, "invalid_challenge", id="not-a-str"),
        pytest.param({"challenge": _b64(CHALLENGE)}, "invalid_pin", id="pin-missing"),
        pytest.param({"challenge": _b64(CHALLENGE), "pin": "123"}, "invalid_pin", id="pin-short"),
        pytest.param(
            {"challenge": _b64(CHALLENGE), "pin": "1234567890123"}, "invalid_pin", id="pin-long"
        ),
        pytest.param({"challenge": _b64(CHALLENGE), "pin": "12a4"}, "invalid_pin", id="letters"),
        pytest.param(
            {"challenge": _b64(CHALLENGE), "pin": "\u0661\u0662\u0663\u0664"},
            "invalid_pin",
            id="arabic-digits",
        ),
        pytest.param({"challenge": _b64(CHALLENGE), "pin": 1234}, "invalid_pin", id="pin-int"),
        pytest.param([_b64(CHALLENGE), "RIGHT"], "invalid_json", id="array"),
    ],
)
def test_sign_refused_and_nothing_signed_when_input_malformed(card_agent, caplog, payload, code):
    agent, soft_card = card_agent
    caplog.set_level(logging.DEBUG)
    # The right PIN, so that only the malformed part can explain a refusal.
    if isinstance(payload, dict):
        payload = {k: soft_card.card.pin if v == "RIGHT" else v for k, v in payload.items()}
    else:
        payload = [soft_card.card.pin if v == "RIGHT" else v for v in payload]

    answer = agent.sign(payload)

    assert answer.status == 400
    assert answer.json["code"] == code
    assert answer.json["message"]
    assert not _signed_anything(caplog)


def test_sign_refused_and_nothing_signed_when_body_not_json(card_agent, caplog):
    agent, _soft_card = card_agent
    caplog.set_level(logging.DEBUG)

    answer = agent.request("POST", "/v1/sign", body=b'{"challenge": "abc", "pin": ')

    assert answer.status == 400
    assert answer.json["code"] == "invalid_json"
    assert not _signed_anything(caplog)


def test_sign_refused_and_nothing_signed_when_body_too_large(card_agent, caplog):
    agent, soft_card = card_agent
    caplog.set_level(logging.DEBUG)
    payload = {
        "challenge": _b64(CHALLENGE),
        "pin": soft_card.card.pin,
        "padding": "x" * 9000,  # valid otherwise: only the size is wrong
    }

    answer = agent.sign(payload)

    assert answer.status == 413
    assert answer.json["code"] == "body_too_large"
    assert not _signed_anything(caplog)


def test_sign_refused_and_nothing_signed_when_not_sent_as_json(card_agent, caplog):
    agent, soft_card = card_agent
    caplog.set_level(logging.DEBUG)
    body = json.dumps({"challenge": _b64(CHALLENGE), "pin": soft_card.card.pin}).encode()

    # text/plain is what a page can send without a preflight.
    answer = agent.request(
        "POST", "/v1/sign", body=body, headers={"Content-Type": "text/plain;charset=UTF-8"}
    )

    assert answer.status == 415
    assert answer.json["code"] == "unsupported_media_type"
    assert not _signed_anything(caplog)


# --- Origins, hosts and preflight -----------------------------------------------------------------


@pytest.mark.parametrize(
    "origin",
    [FOREIGN_ORIGIN, None, "null", "https://portal.example.evil.example", "http://portal.example"],
    ids=["foreign", "none", "null", "suffix", "other-scheme"],
)
def test_sign_refused_and_nothing_signed_when_origin_not_allowed(card_agent, caplog, origin):
    agent, soft_card = card_agent
    caplog.set_level(logging.DEBUG)

    answer = agent.sign({"challenge": _b64(CHALLENGE), "pin": soft_card.card.pin}, origin=origin)

    assert answer.status == 403
    assert answer.json["code"] == "origin_refused"
    assert "Access-Control-Allow-Origin" not in answer.headers
    assert not _signed_anything(caplog)


@pytest.mark.parametrize("origin", [FOREIGN_ORIGIN, None], ids=["foreign", "none"])
def test_status_refused_when_origin_not_allowed(agent, origin):
    answer = agent.request("GET", "/v1/status", origin=origin)

    assert answer.status == 403
    assert answer.json["code"] == "origin_refused"
    assert "Access-Control-Allow-Origin" not in answer.headers


def test_status_refused_when_host_is_not_loopback(agent):
    """DNS rebinding: a hostile name pointed at 127.0.0.1 arrives with its own Host."""
    answer = agent.request("GET", "/v1/status", headers={"Host": f"evil.example:{agent.port}"})

    assert answer.status == 403
    assert answer.json["code"] == "host_refused"


def test_status_answers_when_host_is_localhost(agent):
    answer = agent.request("GET", "/v1/status", headers={"Host": f"localhost:{agent.port}"})

    assert answer.status == 200


@pytest.mark.parametrize(("path", "method"), [("/v1/sign", "POST"), ("/v1/status", "GET")])
def test_preflight_allows_the_portal_when_origin_allowed(agent, path, method):
    answer = agent.request(
        "OPTIONS",
        path,
        headers={
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "content-type",
            "Access-Control-Request-Private-Network": "true",
        },
    )

    assert answer.status == 204
    assert answer.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert answer.headers["Access-Control-Allow-Methods"] == method
    assert "content-type" in answer.headers["Access-Control-Allow-Headers"].lower()
    assert answer.headers["Access-Control-Allow-Private-Network"] == "true"
    assert answer.headers["Vary"] == "Origin"


def test_preflight_refused_when_origin_foreign(agent):
    answer = agent.request(
        "OPTIONS",
        "/v1/sign",
        origin=FOREIGN_ORIGIN,
        headers={"Access-Control-Request-Method": "POST"},
    )

    assert answer.status == 403
    assert "Access-Control-Allow-Origin" not in answer.headers
    assert "Access-Control-Allow-Private-Network" not in answer.headers


def test_unknown_path_answers_not_found(agent):
    assert agent.request("GET", "/v1/secrets").status == 404


def test_sign_answers_method_not_allowed_when_fetched_with_get(agent):
    answer = agent.request("GET", "/v1/sign")

    assert answer.status == 405
    assert "POST" in answer.headers["Allow"]


def test_errors_answer_in_the_pages_language_when_it_is_offered(agent):
    answer = agent.request("GET", "/v1/status", headers={"Accept-Language": "fr-BE, en;q=0.5"})

    assert answer.headers["Content-Language"] == "fr"


# --- Binding and configuration --------------------------------------------------------------------


@pytest.mark.parametrize("host", ["0.0.0.0", "", "localhost", "::1", "192.0.2.10"])  # noqa: S104
def test_build_agent_server_refused_when_address_not_loopback(settings, host):
    settings.EID_AGENT_ALLOWED_ORIGINS = [ORIGIN]

    with pytest.raises(ImproperlyConfigured):
        build_agent_server(host=host, port=0)


def test_build_agent_server_listens_on_loopback_only(settings):
    settings.EID_AGENT_ALLOWED_ORIGINS = [ORIGIN]

    server = build_agent_server(port=0)
    try:
        assert server.server_address[0] == "127.0.0.1"
        assert server.url == f"http://127.0.0.1:{server.port}"
    finally:
        server.server_close()


@pytest.mark.parametrize("value", [["*"], ["null"], [], "https://portal.example", ["ftp://x"]])
def test_allowed_origins_refused_when_not_origins(settings, value):
    settings.EID_AGENT_ALLOWED_ORIGINS = value

    with pytest.raises(ImproperlyConfigured):
        configured_allowed_origins()


def test_allowed_origins_default_to_the_portal_base_url_when_not_set(settings):
    if hasattr(settings, "EID_AGENT_ALLOWED_ORIGINS"):
        del settings.EID_AGENT_ALLOWED_ORIGINS
    settings.PORTAL_BASE_URL = "HTTPS://CSAM.Example:443/portal/"

    assert configured_allowed_origins() == ("https://csam.example",)


@pytest.mark.parametrize(
    ("value", "origin"),
    [
        ("http://localhost:8000/", "http://localhost:8000"),
        ("http://127.0.0.1:80", "http://127.0.0.1"),
        ("https://[::1]:8443", "https://[::1]:8443"),
    ],
)
def test_normalise_origin_gives_what_browsers_send(value, origin):
    assert normalise_origin(value) == origin


def test_eid_agent_command_fails_clearly_when_port_taken(settings):
    settings.EID_AGENT_ALLOWED_ORIGINS = [ORIGIN]
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        with pytest.raises(CommandError, match="Cannot listen"):
            call_command("eid_agent", port=port)
