"""The example service: authorization code flow with PKCE, ID token checked against the
portal's JWKS, claims read from the userinfo endpoint, RP-initiated log-out.

Standard library only, plus jwcrypto to check signatures. Sessions live in memory: this is an
example, not a production relying party.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import secrets
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any

from jwcrypto import jwk, jwt

Environ = dict[str, Any]
StartResponse = Callable[[str, list[tuple[str, str]]], Any]
COOKIE = "rp_session"


@dataclass(frozen=True)
class Settings:
    issuer: str  # e.g. https://csam.example.be/oidc
    client_id: str
    client_secret: str
    redirect_uri: str  # this service's /callback, registered in the portal's admin
    scope: str = "openid profile enterprise roles mandate"
    acr_values: str = "substantial"


@dataclass
class RelyingParty:
    settings: Settings
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    _metadata: dict[str, Any] | None = None

    # --- Talking to the portal ----------------------------------------------------------------

    def _get_json(self, url: str, token: str | None = None) -> dict[str, Any]:
        request = urllib.request.Request(url)  # noqa: S310 - the configured portal's address
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return json.loads(response.read())

    def metadata(self) -> dict[str, Any]:
        if self._metadata is None:
            self._metadata = self._get_json(
                self.settings.issuer + "/.well-known/openid-configuration"
            )
        return self._metadata

    def _token_request(self, code: str, verifier: str) -> dict[str, Any]:
        body = urllib.parse.urlencode(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": self.settings.redirect_uri,
                "code_verifier": verifier,
            }
        ).encode()
        credentials = f"{urllib.parse.quote(self.settings.client_id)}:" + urllib.parse.quote(
            self.settings.client_secret
        )
        request = urllib.request.Request(  # noqa: S310 - the configured portal's address
            self.metadata()["token_endpoint"], data=body, method="POST"
        )
        request.add_header(
            "Authorization", "Basic " + base64.b64encode(credentials.encode()).decode()
        )
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return json.loads(response.read())

    def _verify_id_token(self, id_token: str, nonce: str) -> dict[str, Any]:
        keys = jwk.JWKSet.from_json(
            json.dumps(self._get_json(self.metadata()["jwks_uri"])).encode()
        )
        claims = json.loads(jwt.JWT(jwt=id_token, key=keys, expected_type="JWS").claims)
        if claims["iss"] != self.metadata()["issuer"]:
            raise ValueError("wrong issuer")
        if claims["aud"] != self.settings.client_id:
            raise ValueError("wrong audience")
        if claims.get("nonce") != nonce:
            raise ValueError("wrong nonce")
        if claims["exp"] < time.time():
            raise ValueError("expired")
        return claims

    # --- Pages ----------------------------------------------------------------------------------

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "/")
        query = dict(urllib.parse.parse_qsl(environ.get("QUERY_STRING", "")))
        sid = self._session_id(environ)
        session = self.sessions.setdefault(sid, {})
        if path == "/login":
            return self._login(session, sid, start_response)
        if path == "/callback":
            return self._callback(session, sid, query, start_response)
        if path == "/logout":
            return self._logout(session, sid, start_response)
        return self._home(session, sid, start_response)

    def _session_id(self, environ: Environ) -> str:
        cookie = SimpleCookie(environ.get("HTTP_COOKIE", ""))
        if COOKIE in cookie and cookie[COOKIE].value in self.sessions:
            return cookie[COOKIE].value
        return secrets.token_urlsafe(24)

    def _headers(self, sid: str) -> list[tuple[str, str]]:
        return [("Set-Cookie", f"{COOKIE}={sid}; HttpOnly; SameSite=Lax; Path=/")]

    def _page(self, sid: str, body: str, start_response: StartResponse) -> list[bytes]:
        document = (
            '<!doctype html><html lang="en"><head><meta charset="utf-8">'
            "<title>Example service</title></head><body><main>"
            f"<h1>Example e-government service</h1>{body}</main></body></html>"
        )
        start_response(
            "200 OK", [("Content-Type", "text/html; charset=utf-8"), *self._headers(sid)]
        )
        return [document.encode()]

    def _redirect(self, sid: str, url: str, start_response: StartResponse) -> list[bytes]:
        start_response("302 Found", [("Location", url), *self._headers(sid)])
        return [b""]

    def _home(
        self, session: dict[str, Any], sid: str, start_response: StartResponse
    ) -> list[bytes]:
        claims = session.get("claims")
        if not claims:
            return self._page(sid, '<p><a href="/login">Log in with CSAM</a></p>', start_response)
        rows = "".join(
            f'<tr><th scope="row">{html.escape(name)}</th>'
            f'<td data-testid="claim-{html.escape(name)}">'
            f"{html.escape(json.dumps(value))}</td></tr>"
            for name, value in sorted(claims.items())
        )
        act = claims.get("act")
        acting = (
            f'<p data-testid="acting">Acting for someone else: actor {html.escape(act["sub"])}</p>'
            if act
            else '<p data-testid="acting">Acting in their own name</p>'
        )
        body = (
            f"<p>Logged in.</p>{acting}<table><caption>Claims</caption>{rows}</table>"
            '<p><a href="/logout">Log out</a></p>'
        )
        return self._page(sid, body, start_response)

    def _login(
        self, session: dict[str, Any], sid: str, start_response: StartResponse
    ) -> list[bytes]:
        verifier = secrets.token_urlsafe(48)
        challenge = (
            base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
            .rstrip(b"=")
            .decode()
        )
        session.update(
            state=secrets.token_urlsafe(16), nonce=secrets.token_urlsafe(16), verifier=verifier
        )
        params = {
            "response_type": "code",
            "client_id": self.settings.client_id,
            "redirect_uri": self.settings.redirect_uri,
            "scope": self.settings.scope,
            "state": session["state"],
            "nonce": session["nonce"],
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            "acr_values": self.settings.acr_values,
        }
        url = self.metadata()["authorization_endpoint"] + "?" + urllib.parse.urlencode(params)
        return self._redirect(sid, url, start_response)

    def _callback(
        self,
        session: dict[str, Any],
        sid: str,
        query: dict[str, str],
        start_response: StartResponse,
    ) -> list[bytes]:
        if query.get("state") != session.get("state") or not session.get("state"):
            return self._page(sid, "<p>Unexpected answer (state).</p>", start_response)
        # RFC 9207: the answer must come from the portal this service talks to.
        if query.get("iss") != self.metadata()["issuer"]:
            return self._page(sid, "<p>Unexpected answer (issuer).</p>", start_response)
        if "error" in query:
            message = html.escape(query["error"])
            return self._page(sid, f'<p data-testid="error">Refused: {message}</p>', start_response)
        tokens = self._token_request(query["code"], session.pop("verifier"))
        id_claims = self._verify_id_token(tokens["id_token"], session.pop("nonce"))
        userinfo = self._get_json(self.metadata()["userinfo_endpoint"], tokens["access_token"])
        session.update(id_token=tokens["id_token"], claims={**userinfo, **id_claims})
        return self._redirect(sid, "/", start_response)

    def _logout(
        self, session: dict[str, Any], sid: str, start_response: StartResponse
    ) -> list[bytes]:
        id_token = session.get("id_token", "")
        session.clear()
        params = urllib.parse.urlencode({"id_token_hint": id_token})
        return self._redirect(
            sid, self.metadata()["end_session_endpoint"] + "?" + params, start_response
        )


def make_app(settings: Settings) -> RelyingParty:
    return RelyingParty(settings)
