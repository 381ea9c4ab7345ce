"""Answering one request: host and origin checks, the endpoints, and JSON answers."""

import base64
import binascii
import json
import logging
import re
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from identity.eid.agent.protocol import (
    CHALLENGE_MAX_BYTES,
    CHALLENGE_MIN_BYTES,
    DISCARD_LIMIT_BYTES,
    LOOPBACK_HOST_NAMES,
    MAX_BODY_BYTES,
    PIN_PATTERN,
    PREFLIGHT_MAX_AGE,
    ROUTES,
    SOCKET_TIMEOUT_SECONDS,
    STATUS_PATH,
    AgentRefusal,
    normalise_origin,
)
from identity.eid.exceptions import (
    CardError,
    EidError,
    MultipleCards,
    NoCard,
    NoReader,
    PinEntryCancelled,
    PinLocked,
    PinRequired,
    WrongPin,
)
from identity.eid.pkcs11 import list_cards, sign_challenge

if TYPE_CHECKING:
    from identity.eid.agent.server import AgentServer

# Records carry the package's name, ``identity.eid.agent``, whichever submodule logs.
logger = logging.getLogger(__package__)

# The HTTP status for each card error; the first matching class wins, so subclasses come first.
_CARD_ERROR_STATUS: tuple[tuple[type[EidError], HTTPStatus], ...] = (
    (WrongPin, HTTPStatus.UNAUTHORIZED),
    (PinLocked, HTTPStatus.LOCKED),
    (NoReader, HTTPStatus.SERVICE_UNAVAILABLE),
    (NoCard, HTTPStatus.SERVICE_UNAVAILABLE),
    (MultipleCards, HTTPStatus.CONFLICT),
    (PinRequired, HTTPStatus.BAD_REQUEST),
    (PinEntryCancelled, HTTPStatus.BAD_REQUEST),
    (CardError, HTTPStatus.BAD_GATEWAY),
    (EidError, HTTPStatus.BAD_GATEWAY),
)


def _negotiated_language(accept_language: str | None) -> str:
    """The first of the request's languages that the portal offers, else ``LANGUAGE_CODE``."""
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate((accept_language or "").split(",")):
        tag, _sep, parameters = item.strip().partition(";")
        quality = 1.0
        match = re.fullmatch(r"\s*q\s*=\s*([0-9.]{1,5})\s*", parameters) if parameters else None
        if match:
            try:
                quality = float(match.group(1))
            except ValueError:
                continue
        if tag and tag != "*" and quality > 0:
            # Highest quality first; equal qualities keep the header's order.
            ranked.append((-quality, position, tag.strip()))
    for _quality, _position, tag in sorted(ranked):
        try:
            return translation.get_supported_language_variant(tag)
        except LookupError:
            continue
    return settings.LANGUAGE_CODE


class AgentRequestHandler(BaseHTTPRequestHandler):
    """Answers one request. Check order: host, origin, route; then the endpoint's own checks."""

    server: "AgentServer"
    server_version = "csam-eid-agent/1"
    sys_version = ""
    timeout = SOCKET_TIMEOUT_SECONDS
    # The origin the current request may read the answer from (set once it passed the check).
    _cors_origin: str | None = None
    _language: str = ""
    _body_consumed: bool = False

    # -- Methods

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_OPTIONS(self) -> None:
        self._dispatch("OPTIONS")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    def _dispatch(self, method: str) -> None:
        self._cors_origin = None
        self._body_consumed = False
        self._language = _negotiated_language(self.headers.get("Accept-Language"))
        with translation.override(self._language):
            try:
                self._check_host()
                self._check_origin()
                path = self.path.split("?", 1)[0]
                allowed_method = ROUTES.get(path)
                if allowed_method is None:
                    raise AgentRefusal(HTTPStatus.NOT_FOUND, "not_found", _("Unknown address."))
                if method == "OPTIONS":
                    self._answer_preflight(allowed_method)
                    return
                if method != allowed_method:
                    raise AgentRefusal(
                        HTTPStatus.METHOD_NOT_ALLOWED,
                        "method_not_allowed",
                        _("This method is not allowed here."),
                    )
                handler: Callable[[], dict[str, Any]] = (
                    self._status if path == STATUS_PATH else self._sign
                )
                self._send_json(HTTPStatus.OK, handler())
            except AgentRefusal as refusal:
                self._discard_unread_body()
                self._send_json(
                    refusal.status, {"code": refusal.code, "message": str(refusal.message)}
                )
            except Exception:
                # Why: an unexpected failure must still answer in JSON, and its traceback (which
                # holds no request data) goes to the log rather than to the page.
                logger.exception("The eID agent failed to answer %s %s.", method, self.path)
                self._discard_unread_body()
                self._send_json(
                    HTTPStatus.INTERNAL_SERVER_ERROR,
                    {"code": "agent_error", "message": str(EidError.default_message)},
                )

    # -- Checks

    def _check_host(self) -> None:
        host = (self.headers.get("Host") or "").strip().lower()
        name, _sep, port = host.rpartition(":")
        # Why: a hostile domain re-pointed at 127.0.0.1 (DNS rebinding) reaches us with its own
        # name in Host; only the loopback names with our port are ours.
        if name not in LOOPBACK_HOST_NAMES or port != str(self.server.port):
            raise AgentRefusal(
                HTTPStatus.FORBIDDEN, "host_refused", _("This address is not the eID agent's.")
            )

    def _check_origin(self) -> None:
        origin = self.headers.get("Origin")
        # Why: no Origin means no browser page we know of sent this (or a same-origin request,
        # which a rebinding attack would be); refuse rather than guess.
        if not origin:
            raise _origin_refusal()
        try:
            normalised = normalise_origin(origin)
        except ValueError:
            raise _origin_refusal() from None
        # Why: only the portal's own pages may ask the card for a signature.
        if normalised not in self.server.allowed_origins:
            raise _origin_refusal()
        # Answers go back to the exact origin that asked, never to "*".
        self._cors_origin = origin

    # -- Endpoints

    def _answer_preflight(self, allowed_method: str) -> None:
        self.send_response(HTTPStatus.NO_CONTENT)
        self.send_header("Access-Control-Allow-Methods", allowed_method)
        self.send_header("Access-Control-Allow-Headers", "Content-Type, Accept-Language")
        self.send_header("Access-Control-Max-Age", str(PREFLIGHT_MAX_AGE))
        # Chrome's Private Network Access: a public page may reach a loopback server only when
        # the server agrees in its preflight answer.
        self.send_header("Access-Control-Allow-Private-Network", "true")
        self.send_header("Content-Length", "0")
        self._send_common_headers()
        self.end_headers()

    def _status(self) -> dict[str, Any]:
        try:
            cards = list_cards(module_path=self.server.module_path)
        except EidError as exc:
            raise _card_refusal(exc) from exc
        if self.server.card_serial is not None:
            cards = [card for card in cards if card.serial == self.server.card_serial]
        return {"cards": len(cards)}

    def _sign(self) -> dict[str, Any]:
        payload = self._read_json_body()
        challenge = _parse_challenge(payload.get("challenge"))
        pin = _parse_pin(payload.get("pin"))
        try:
            signed = sign_challenge(
                challenge,
                pin=pin,
                card_serial=self.server.card_serial,
                module_path=self.server.module_path,
            )
        except EidError as exc:
            # The error's detail never holds the PIN (see identity.eid.exceptions).
            logger.info("The card did not sign: %s", exc)
            raise _card_refusal(exc) from exc
        logger.info("The card signed a challenge with its %s key.", signed.key_type)
        return {
            "certificate": base64.b64encode(signed.certificate).decode("ascii"),
            "signature": base64.b64encode(signed.signature).decode("ascii"),
            "key_type": str(signed.key_type),
        }

    def _read_json_body(self) -> dict[str, Any]:
        length = self._content_length()
        # Why: a cap on what we read keeps a misbehaving page from filling the memory.
        if length > MAX_BODY_BYTES:
            raise AgentRefusal(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                "body_too_large",
                _("The request is too large."),
            )
        body = self.rfile.read(length)
        self._body_consumed = True
        content_type = (self.headers.get("Content-Type") or "").split(";", 1)[0].strip().lower()
        # Why: requiring JSON forces browsers to send a preflight, which only allowed origins
        # pass; a plain form post from another site never gets this far.
        if content_type != "application/json":
            raise AgentRefusal(
                HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                _("The request must be sent as JSON."),
            )
        try:
            payload = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise _bad_request("invalid_json", _("The request is not valid JSON.")) from None
        if not isinstance(payload, dict):
            raise _bad_request("invalid_json", _("The request must be a JSON object."))
        return payload

    def _content_length(self) -> int:
        raw = self.headers.get("Content-Length")
        if raw is None:
            raise AgentRefusal(
                HTTPStatus.LENGTH_REQUIRED, "length_required", _("The request has no length.")
            )
        raw = raw.strip()
        if not raw.isascii() or not raw.isdigit():
            self.close_connection = True
            raise _bad_request("invalid_request", _("The request is malformed."))
        return int(raw)

    def _discard_unread_body(self) -> None:
        """Read and drop a refused request's body, so the answer reaches the client.

        Why: closing a socket with unread data makes the kernel reset the connection, and the
        client may lose our answer with it. Bodies above `DISCARD_LIMIT_BYTES` are not worth
        reading: the connection is closed and the client gets what it gets.
        """
        if self._body_consumed:
            return
        self._body_consumed = True
        raw = (self.headers.get("Content-Length") or "").strip()
        if not raw.isascii() or not raw.isdigit():
            return
        length = int(raw)
        if length > DISCARD_LIMIT_BYTES:
            self.close_connection = True
            return
        try:
            self.rfile.read(length)
        except OSError:
            self.close_connection = True

    # -- Responses

    def _send_json(self, status: HTTPStatus, payload: dict[str, Any]) -> None:
        body = json.dumps(payload).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        if status == HTTPStatus.METHOD_NOT_ALLOWED:
            path = self.path.split("?", 1)[0]
            self.send_header("Allow", f"{ROUTES.get(path, '')}, OPTIONS".lstrip(", "))
        self._send_common_headers()
        self.end_headers()
        self.wfile.write(body)

    def _send_common_headers(self) -> None:
        if self._cors_origin is not None:
            self.send_header("Access-Control-Allow-Origin", self._cors_origin)
        # The answer depends on the Origin; a cache must not hand it to another one.
        self.send_header("Vary", "Origin")
        # A signature or a card count is never to be cached by the browser.
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Content-Language", self._language or settings.LANGUAGE_CODE)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Protocol-level errors (bad request line, unknown method, ...) as JSON, not HTML."""
        self.close_connection = True
        status = HTTPStatus(code)
        body = json.dumps({"code": f"http_{code}", "message": message or status.phrase})
        encoded = body.encode("utf-8")
        self.send_response(status, message)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(encoded)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD" and code >= 200 and code not in (204, 304):
            self.wfile.write(encoded)

    # -- Logging

    def log_message(self, format: str, *args: Any) -> None:
        # The request line and status only: bodies (with the PIN) are never logged.
        logger.info("%s " + format, self.address_string(), *args)


def _origin_refusal() -> AgentRefusal:
    return AgentRefusal(
        HTTPStatus.FORBIDDEN,
        "origin_refused",
        _("Only the portal's own pages may use the eID agent."),
    )


def _bad_request(code: str, message: Promise) -> AgentRefusal:
    return AgentRefusal(HTTPStatus.BAD_REQUEST, code, message)


def _card_refusal(exc: EidError) -> AgentRefusal:
    status = next(s for kind, s in _CARD_ERROR_STATUS if isinstance(exc, kind))
    return AgentRefusal(status, exc.code, exc.message)


def _parse_challenge(value: object) -> bytes:
    """The challenge bytes from standard base64; 32 to 1024 bytes (the portal sends 32)."""
    refusal = _bad_request(
        "invalid_challenge", _("The log-in challenge is not valid. Please start again.")
    )
    if not isinstance(value, str) or not value.isascii():
        raise refusal
    try:
        challenge = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise refusal from None
    if not CHALLENGE_MIN_BYTES <= len(challenge) <= CHALLENGE_MAX_BYTES:
        raise refusal
    return challenge


def _parse_pin(value: object) -> str:
    """The PIN: 4 to 12 ASCII digits, as eID cards take. The refusal never repeats it."""
    if not isinstance(value, str) or not PIN_PATTERN.fullmatch(value):
        raise _bad_request("invalid_pin", _("The PIN code of an eID card has 4 to 12 digits."))
    return value
