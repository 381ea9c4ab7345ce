"""The lean path of the decision endpoints."""

import datetime as dt
import functools
import json
from typing import Any

from django.http import HttpRequest, HttpResponse

from rest_framework import exceptions, serializers
from rest_framework.views import APIView

from companies.models import ServiceClient
from csam.authz.apis.questions import MAX_BATCH, _client_may_ask, _plain_ask, _validated_ask
from csam.authz.decisions import Answer, Ask, answer_asks, now_and_today
from csam.security.counters import Limit, LimitReached

# --- The lean path of the decision endpoints ---------------------------------------------------
#
# Services ask on every request that matters, so a well-formed question from a known client is
# answered without DRF's request cycle (content negotiation, parsers, renderers) and, through
# `csam.authz.middleware.DecisionShortcutMiddleware`, without the browser middleware: the same
# authentication, the same per-client rate limit (counted in the decision's own round trip to
# the cache), the same validation, the same engine, the same JSON. Anything else (no or a bad
# key, another content type, a malformed body, an invalid or refused question, a rate limit
# reached) goes through the whole stack and DRF as before, which gives the usual error answers;
# nothing is decided twice, since an error never reaches the engine.


class _Counted:
    """What the rate limits read of a request."""

    def __init__(self, request: HttpRequest, client: ServiceClient) -> None:
        self._request = request
        self.auth = client
        self.user = client


def _lean_client(view_class: type[APIView], request: HttpRequest) -> ServiceClient | None:
    """The service client of a JSON request whose key checks out (the middleware has seen a
    POST with a Bearer key)."""
    if request.content_type != "application/json":
        return None
    authenticator = _bearer_authenticator(view_class)
    if authenticator is None:
        return None
    try:
        found = authenticator.authenticate(request)  # type: ignore[arg-type]
    except exceptions.AuthenticationFailed:
        return None
    if found is None or not isinstance(found[0], ServiceClient) or not found[0].is_active:
        return None
    return found[0]


# What the lean path uses of a view's DRF set-up, made once per view class: DRF makes its
# authenticators and throttles anew for each request, and neither keeps anything from one
# request to the next in what is used here (`authenticate`, `limit_for`).


@functools.cache
def _bearer_authenticator(view_class: type[APIView]) -> Any:
    for authenticator in view_class().get_authenticators():
        if authenticator.authenticate_header(None).startswith("Bearer"):  # type: ignore[arg-type]
            return authenticator
    return None


@functools.cache
def _throttles(view_class: type[APIView]) -> list[Any]:
    return view_class().get_throttles()


def _lean_limits(
    view_class: type[APIView], request: HttpRequest, client: ServiceClient
) -> list[Limit]:
    """The client's rate limits, counted with the decision's own cache round trip."""
    counted = _Counted(request, client)
    limits = []
    for throttle in _throttles(view_class):
        limit = throttle.limit_for(counted)
        if limit is not None:
            limits.append(limit)
    return limits


def _lean_json(payload: object) -> HttpResponse:
    # As DRF's JSONRenderer writes it.
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return HttpResponse(body.encode(), content_type="application/json")


def _lean_asks(client: ServiceClient, questions: object, today: dt.date) -> list[Ask] | None:
    if not isinstance(questions, list) or not 1 <= len(questions) <= MAX_BATCH:
        return None
    asks = []
    for raw in questions:
        ask = _plain_ask(raw, today)
        if ask is None:
            try:
                ask = _validated_ask(raw)
            except serializers.ValidationError:
                return None
        if not _client_may_ask(client, ask.service_code):
            return None
        asks.append(ask)
    return asks


def _lean_answers(
    view_class: type[APIView], request: HttpRequest, batch: bool
) -> HttpResponse | None:
    client = _lean_client(view_class, request)
    if client is None:
        return None
    try:
        data = json.loads(request.body)
    except ValueError:
        return None
    questions = data.get("questions") if batch and isinstance(data, dict) else [data]
    now = now_and_today()  # one moment for the whole request
    asks = _lean_asks(client, questions, now[1])
    if asks is None:
        return None
    try:
        results = answer_asks(asks, limits=_lean_limits(view_class, request, client), now=now)
    except LimitReached:
        return None  # DRF counts it again and answers 429
    request.csam_rate_counted = True  # type: ignore[attr-defined]
    if not all(isinstance(result, Answer) for result in results):
        return None
    answers = [result.as_dict() for result in results]  # type: ignore[union-attr]
    return _lean_json({"answers": answers} if batch else answers[0])


class _LeanDecisionView(APIView):
    """A decision endpoint: `DecisionShortcutMiddleware` answers its well-formed requests."""

    lean_batch = False


def is_lean_decision_view(view_class: object) -> bool:
    return isinstance(view_class, type) and issubclass(view_class, _LeanDecisionView)


def lean_decision_answer(request: HttpRequest, view_class: type[APIView]) -> HttpResponse | None:
    """The lean answer to a request for ``view_class`` (a decision endpoint), or None when it
    needs the full request cycle."""
    if not is_lean_decision_view(view_class):
        return None
    return _lean_answers(view_class, request, view_class.lean_batch)  # type: ignore[attr-defined]
