"""Choosing the acting context over the API (session users)."""

import datetime as dt
import functools
import json
import re
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from companies.models import Company, ServiceClient
from companies.numbers import parse_enterprise_number
from companies.permissions import IsServiceClient
from companies.selectors import (
    catalogue_role_exists_service,
    company_get_by_number,
    service_get_by_code,
)
from csam.authz.decisions import UNKNOWN_ROLE, UNKNOWN_SERVICE, Answer, Ask, answer_asks
from csam.authz.representatives import person_age_over, representatives_of
from csam.authz.services import acting_choose_company
from csam.security.counters import Limit, LimitReached
from identity.assurance import AssuranceLevel
from identity.models import Person
from identity.numbers import parse_national_number
from identity.permissions import IsPerson
from identity.selectors import person_get_by_number


class ActingChooseApi(APIView):
    """Act in one's own name (``company: null``) or for a company one holds a right in."""

    permission_classes = [IsPerson]
    required_assurance = AssuranceLevel.LOW

    @extend_schema_serializer(component_name="ActingInput")
    class InputSerializer(serializers.Serializer):
        company = serializers.CharField(allow_null=True, max_length=20)

        def validate_company(self, value: str | None) -> str | None:
            if value is None:
                return None
            try:
                return parse_enterprise_number(value)
            except DjangoValidationError as exc:
                raise serializers.ValidationError(exc.messages) from exc

    @extend_schema_serializer(component_name="ActingOutput")
    class OutputSerializer(serializers.Serializer):
        kind = serializers.CharField()
        enterprise_number = serializers.CharField(allow_null=True)
        name = serializers.CharField(allow_null=True)

    @extend_schema_serializer(component_name="ActingDenied")
    class DeniedSerializer(serializers.Serializer):
        detail = serializers.CharField()
        reasons = serializers.ListField(child=serializers.DictField())

    @extend_schema(
        request=InputSerializer,
        responses={200: OutputSerializer, 403: DeniedSerializer},
        operation_id="acting_choose",
    )
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        number = serializer.validated_data["company"]
        if number is None:
            acting_choose_company(request=request._request, company=None)
            return Response({"kind": "self", "enterprise_number": None, "name": None})
        company = company_get_by_number(enterprise_number=number)
        denied_message = _("You hold no right in this company.")
        if company is None:
            # Unknown and not-yours look the same: nothing to learn about other tenants.
            return Response(
                {
                    "detail": denied_message,
                    "reasons": [{"code": "no_right_in_company", "message": denied_message}],
                },
                status=status.HTTP_403_FORBIDDEN,
            )
        decision = acting_choose_company(request=request._request, company=company)
        if not decision.allowed:
            return Response(
                {
                    "detail": decision.reason,
                    "reasons": [{"code": r.code, "message": r.message} for r in decision.reasons],
                },
                status=status.HTTP_403_FORBIDDEN,
            )
        return Response(
            {
                "kind": "company",
                "enterprise_number": company.enterprise_number,
                "name": company.name,
            }
        )


# --- Decisions for e-government services ----------------------------------------------------------


def _client_may_ask(client: ServiceClient, service_code: str) -> bool:
    """A client asks only about its own services."""
    codes = getattr(client, "service_codes", None)
    if codes is None:
        codes = frozenset(s.code for s in client.services.all())
    return service_code in codes


class _NationalNumberField(serializers.CharField):
    def to_internal_value(self, data: object) -> str:
        text = super().to_internal_value(data)
        try:
            return parse_national_number(text).digits
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc


@extend_schema_serializer(component_name="DecisionOnBehalfOf")
class OnBehalfOfSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["person", "company"])
    number = serializers.CharField(max_length=20)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        try:
            if attrs["kind"] == "person":
                attrs["number"] = parse_national_number(attrs["number"]).digits
            else:
                attrs["number"] = parse_enterprise_number(attrs["number"])
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"number": exc.messages}) from exc
        return attrs


@extend_schema_serializer(component_name="DecisionQuestion")
class QuestionSerializer(serializers.Serializer):
    subject = _NationalNumberField(max_length=20)
    on_behalf_of = OnBehalfOfSerializer(allow_null=True, required=False, default=None)
    service = serializers.SlugField(max_length=50)
    role = serializers.SlugField(max_length=50)
    assurance = serializers.CharField(max_length=60)
    at = serializers.DateTimeField(required=False, allow_null=True, default=None)

    def validate_assurance(self, value: str) -> AssuranceLevel:
        try:
            return AssuranceLevel.parse(value)
        except ValueError:
            raise serializers.ValidationError(
                _("Use low, substantial or high (or their ACR values).")
            ) from None

    def validate_at(self, value: dt.datetime | None) -> dt.datetime | None:
        if value is not None and value > timezone.now():
            raise serializers.ValidationError(_("Decisions are about now or the past."))
        return value

    def to_ask(self, attrs: dict[str, Any]) -> Ask:
        on_behalf = attrs.get("on_behalf_of")
        return Ask(
            subject=attrs["subject"],
            on_behalf_kind=on_behalf["kind"] if on_behalf else "self",
            on_behalf_number=on_behalf["number"] if on_behalf else None,
            service_code=attrs["service"],
            role_code=attrs["role"],
            assurance=attrs["assurance"],
            at=attrs.get("at"),
        )


# One instance serves every request: a serializer's fields are built once (building them per
# request cost more than the rest of the validation). `run_validation` keeps no state on it.
_QUESTION = QuestionSerializer()


def _validated_ask(data: object) -> Ask:
    """The question in ``data``, or a 400 with a message per field (catalogue codes excepted:
    see `_catalogue_errors`)."""
    return _QUESTION.to_ask(_QUESTION.run_validation(data))


_SLUG = re.compile(r"[-a-zA-Z0-9_]{1,50}")
_NATIONAL_DIGITS = re.compile(r"[0-9]{11}")
_ENTERPRISE_DIGITS = re.compile(r"[0-9]{10}")
_LEVELS = {name: level for level in AssuranceLevel for name in (level.value, level.acr)}


def _plain_ask(data: object, today: dt.date | None = None) -> Ask | None:
    """The question in ``data`` when it is written the plain way services write it (numbers as
    bare digits, no surrounding spaces, no ``at``); None for anything else, which
    `_validated_ask` then judges with its messages. Accepts nothing `_validated_ask` refuses and
    gives the same `Ask` (tested), at a tenth of the cost of a serializer's validation: a batch
    of 1,000 questions pays it 1,000 times."""
    if type(data) is not dict or data.get("at") is not None:
        return None
    subject, service, role = data.get("subject"), data.get("service"), data.get("role")
    assurance = data.get("assurance")
    level = _LEVELS.get(assurance) if type(assurance) is str else None
    if (
        level is None
        or type(subject) is not str
        or type(service) is not str
        or type(role) is not str
        or not _NATIONAL_DIGITS.fullmatch(subject)
        or not _SLUG.fullmatch(service)
        or not _SLUG.fullmatch(role)
    ):
        return None
    on_behalf = data.get("on_behalf_of")
    kind, number = "self", None
    try:
        if on_behalf is not None:
            if type(on_behalf) is not dict or type(on_behalf.get("number")) is not str:
                return None
            kind, number = on_behalf.get("kind"), on_behalf["number"]
            if kind == "person" and _NATIONAL_DIGITS.fullmatch(number):  # type: ignore[arg-type]
                parse_national_number(number, today=today)
            elif kind == "company" and _ENTERPRISE_DIGITS.fullmatch(number):  # type: ignore[arg-type]
                parse_enterprise_number(number)
            else:
                return None
        parse_national_number(subject, today=today)
    except DjangoValidationError:
        return None
    return Ask(
        subject=subject,
        on_behalf_kind=kind,  # type: ignore[arg-type]
        on_behalf_number=number,
        service_code=service,
        role_code=role,
        assurance=level,
    )


def _catalogue_errors(result: object) -> dict[str, list[str]] | None:
    if result == UNKNOWN_SERVICE:
        return {"service": [_("Unknown service.")]}
    if result == UNKNOWN_ROLE:
        return {"role": [_("This service has no such role.")]}
    return None


def _refuse_other_service(client: ServiceClient, ask: Ask, message: str) -> None:
    """403 for a question about another client's service; 400 when no such service exists."""
    if _client_may_ask(client, ask.service_code):
        return
    if not catalogue_role_exists_service(service_code=ask.service_code):
        raise serializers.ValidationError({"service": [_("Unknown service.")]})
    raise exceptions.PermissionDenied(message)


@extend_schema_serializer(component_name="DecisionAnswer")
class AnswerSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["allow", "deny"])
    path = serializers.ListField(child=serializers.DictField())
    reasons = serializers.ListField(child=serializers.DictField())
    required_assurance = serializers.CharField()


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


def _lean_client(view: APIView, request: HttpRequest) -> ServiceClient | None:
    """The service client of a JSON POST whose key checks out."""
    if request.method != "POST" or request.content_type != "application/json":
        return None
    if not request.META.get("HTTP_AUTHORIZATION", "").startswith("Bearer "):
        return None
    authenticator = _bearer_authenticator(type(view))
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


def _lean_limits(view: APIView, request: HttpRequest, client: ServiceClient) -> list[Limit]:
    """The client's rate limits, counted with the decision's own cache round trip."""
    counted = _Counted(request, client)
    limits = []
    for throttle in _throttles(type(view)):
        limit = throttle.limit_for(counted)
        if limit is not None:
            limits.append(limit)
    return limits


def _lean_json(payload: object) -> HttpResponse:
    # As DRF's JSONRenderer writes it.
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return HttpResponse(body.encode(), content_type="application/json")


def _lean_asks(client: ServiceClient, questions: object) -> list[Ask] | None:
    if not isinstance(questions, list) or not 1 <= len(questions) <= MAX_BATCH:
        return None
    asks = []
    today = timezone.localdate()
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


def _lean_answers(view: APIView, request: HttpRequest, batch: bool) -> HttpResponse | None:
    client = _lean_client(view, request)
    if client is None:
        return None
    try:
        data = json.loads(request.body)
    except ValueError:
        return None
    questions = data.get("questions") if batch and isinstance(data, dict) else [data]
    asks = _lean_asks(client, questions)
    if asks is None:
        return None
    try:
        results = answer_asks(asks, limits=_lean_limits(view, request, client))
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
    return _lean_answers(view_class(), request, view_class.lean_batch)  # type: ignore[attr-defined]


MAX_BATCH = 1000


class DecisionApi(_LeanDecisionView):
    """May this person act (for themselves, a person or a company) in this service with this
    role, at this level of assurance, now or at a past moment? Explained either way."""

    permission_classes = [IsServiceClient]

    @extend_schema(
        request=QuestionSerializer,
        responses={200: AnswerSerializer},
        operation_id="decisions_create",
    )
    def post(self, request: Request) -> Response:
        ask = _validated_ask(request.data)
        _refuse_other_service(request.user, ask, _("You may ask only about your own services."))
        [result] = answer_asks([ask])
        errors = _catalogue_errors(result)
        if errors:
            raise serializers.ValidationError(errors)
        return Response(result.as_dict())  # type: ignore[union-attr]


class DecisionBatchApi(_LeanDecisionView):
    """Up to 1,000 questions in one call; the answers come in the same order. A malformed
    question makes the whole batch a 400 naming its index."""

    permission_classes = [IsServiceClient]
    lean_batch = True

    @extend_schema_serializer(component_name="DecisionBatch")
    class InputSerializer(serializers.Serializer):
        questions = serializers.ListField(
            child=serializers.DictField(), min_length=1, max_length=MAX_BATCH
        )

    @extend_schema_serializer(component_name="DecisionBatchAnswers")
    class OutputSerializer(serializers.Serializer):
        answers = AnswerSerializer(many=True)

    @extend_schema(
        request=InputSerializer,
        responses={200: OutputSerializer},
        operation_id="decisions_batch",
    )
    def post(self, request: Request) -> Response:
        batch = self.InputSerializer(data=request.data)
        batch.is_valid(raise_exception=True)
        asks: list[Ask] = []
        errors: dict[str, Any] = {}
        for index, raw in enumerate(batch.validated_data["questions"]):
            try:
                ask = _validated_ask(raw)
            except serializers.ValidationError as exc:
                errors[str(index)] = exc.detail
                continue
            _refuse_other_service(
                request.user,
                ask,
                _("Question %(index)d: you may ask only about your own services.")
                % {"index": index},
            )
            asks.append(ask)
        if errors:
            raise serializers.ValidationError({"questions": errors})
        results = answer_asks(asks)
        for index, result in enumerate(results):
            if found := _catalogue_errors(result):
                errors[str(index)] = found
        if errors:
            raise serializers.ValidationError({"questions": errors})
        return Response({"answers": [a.as_dict() for a in results]})  # type: ignore[union-attr]


class ServiceRepresentativesApi(APIView):
    """Who may act for a company or a person in one of the client's services, and through what
    (grant, legal representative, mandate), for access reviews. Paginated."""

    permission_classes = [IsServiceClient]

    @extend_schema_serializer(component_name="Representative")
    class OutputSerializer(serializers.Serializer):
        national_number = serializers.CharField(source="person.national_number")
        name = serializers.CharField(source="person.full_name")
        roles = serializers.SerializerMethodField()
        via = serializers.ListField(child=serializers.DictField())

        def get_roles(self, obj: Any) -> list[str]:
            return sorted(obj.roles)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "on_behalf_of",
                str,
                required=True,
                description="An enterprise number (10 digits) or a national register number.",
            )
        ],
        responses={200: OutputSerializer(many=True)},
        operation_id="services_representatives_list",
    )
    def get(self, request: Request, code: str) -> Response:
        if not _client_may_ask(request.user, code):
            raise exceptions.PermissionDenied(_("You may ask only about your own services."))
        service = service_get_by_code(code=code)
        if service is None:
            raise exceptions.NotFound(_("Unknown service."))
        number = request.query_params.get("on_behalf_of", "")
        party = _party_from_any_number(number)
        paginator = LimitOffsetPagination()
        found = representatives_of(party=party, service=service) if party is not None else []
        page = paginator.paginate_queryset(found, request, view=self)  # type: ignore[arg-type]
        return paginator.get_paginated_response(self.OutputSerializer(page, many=True).data)


def _party_from_any_number(number: str) -> Person | Company | None:
    """A company (10 digits) or a person (11 digits); 400 for anything else."""
    digits = "".join(ch for ch in number if ch.isdigit())
    try:
        if len(digits) == 11:
            return person_get_by_number(national_number=parse_national_number(number).digits)
        return company_get_by_number(enterprise_number=parse_enterprise_number(number))
    except DjangoValidationError as exc:
        raise serializers.ValidationError({"on_behalf_of": exc.messages}) from exc


AGE_CLAIM = re.compile(r"^age_over_(\d{1,3})$")


class PersonAttributesApi(APIView):
    """Minimal disclosure: ``age_over_N`` answers true or false (null when the birth date is not
    known) without the birth date; ``residence`` only to clients allowed that attribute."""

    permission_classes = [IsServiceClient]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "claims", str, required=True, description="Comma-separated: age_over_18,residence"
            )
        ],
        responses={200: OpenApiTypes.OBJECT},
        operation_id="persons_attributes_retrieve",
    )
    def get(self, request: Request, number: str) -> Response:
        try:
            digits = parse_national_number(number).digits
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"number": exc.messages}) from exc
        claims = [c.strip() for c in request.query_params.get("claims", "").split(",") if c.strip()]
        if not claims or len(claims) > 10:
            raise serializers.ValidationError({"claims": [_("Ask for 1 to 10 claims.")]})
        answers: dict[str, Any] = {}
        person = person_get_by_number(national_number=digits)
        if person is None:
            raise exceptions.NotFound(_("Unknown person."))
        for claim in claims:
            match = AGE_CLAIM.match(claim)
            if match and 0 < int(match.group(1)) <= 150:
                answers[claim] = person_age_over(person=person, years=int(match.group(1)))
            elif claim == "residence":
                if not request.user.may_read_residence:
                    raise exceptions.PermissionDenied(
                        _("This client may not read the municipality of residence.")
                    )
                answers[claim] = person.residence_municipality or None
            else:
                raise serializers.ValidationError(
                    {"claims": [_("Unknown claim: %(claim)s") % {"claim": claim}]}
                )
        return Response(answers)
