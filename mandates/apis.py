"""Mandates API: the caller's party lists, proposes, requests, accepts, refuses, revokes and
sub-delegates mandates.

The party is the person acting in their own name, or the company they act for, resolved from
the session into ``request.acting`` (`mandate_viewer_party`); a party id never comes from the
request. Mandates are looked up among the party's own, so another party's mandate answers 404
like a missing one. The acts go through the services, which ask the engine: 403 for the wrong
actor (``code: step_up_required`` when only the level of assurance is missing: accepting and
sub-delegating need the eID card), 409 from the wrong state, 400 with messages per field.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_serializer,
)
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from companies.models import Company
from companies.numbers import parse_enterprise_number
from companies.selectors import domain_get, role_get, service_get
from identity.assurance import AssuranceLevel
from identity.models import Person
from identity.numbers import parse_national_number
from identity.permissions import IsPerson
from mandates.exceptions import MandateConflict
from mandates.models import MAX_DEPTH_LIMIT, Mandate, MandateEvent, MandateScope, MandateState
from mandates.selectors import (
    mandate_events,
    mandate_get,
    mandate_list_awaiting,
    mandate_list_given,
    mandate_list_received,
    mandate_viewer_party,
)
from mandates.services import (
    ScopeItem,
    mandate_accept,
    mandate_propose,
    mandate_refuse,
    mandate_request,
    mandate_revoke,
    mandate_subdelegate,
    party_from_number,
)

if TYPE_CHECKING:
    from csam.authz.context import ActingContext

Party = Person | Company


# --- Serializers shared by the operations ---------------------------------------------------------


@extend_schema_serializer(component_name="MandateError")
class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField(required=False)
    required_assurance = serializers.CharField(
        required=False, help_text="With code step_up_required: the level to reach."
    )


@extend_schema_serializer(component_name="MandateParty")
class PartySerializer(serializers.Serializer):
    # A plain string here: an enum would share the name "kind" with other components' choices.
    kind = serializers.CharField(help_text="person or company.")
    name = serializers.CharField(help_text="Empty for a person whose name is not known yet.")
    number = serializers.CharField(
        help_text=(
            "A person's national register number, masked (85.07.14-***.**); a company's "
            "enterprise number (10 digits)."
        )
    )


def _party_data(party: Party) -> dict[str, str]:
    if isinstance(party, Company):
        return {"kind": "company", "name": party.name, "number": party.enterprise_number}
    return {"kind": "person", "name": party.full_name, "number": party.masked_number}


@extend_schema_serializer(component_name="MandateScopeItem")
class ScopeItemSerializer(serializers.Serializer):
    domain = serializers.CharField(allow_null=True, help_text="A whole domain, by code.")
    service = serializers.CharField(
        allow_null=True, help_text="A whole service, or the service of the role, by code."
    )
    role = serializers.CharField(allow_null=True, help_text="A single role, by code.")
    name = serializers.CharField(help_text="The item's name in the request's language.")


def _scope_data(item: MandateScope) -> dict[str, Any]:
    if item.role_id is not None:
        return {
            "domain": None,
            "service": item.role.service.code,
            "role": item.role.code,
            "name": f"{item.role.service.name}: {item.role.name}",
        }
    if item.service_id is not None:
        return {
            "domain": None,
            "service": item.service.code,
            "role": None,
            "name": item.service.name,
        }
    return {"domain": item.domain.code, "service": None, "role": None, "name": item.domain.name}


@extend_schema_serializer(component_name="Mandate")
class MandateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    state = serializers.ChoiceField(choices=MandateState.choices)
    initiated_by = serializers.ChoiceField(
        choices=["mandator", "mandatary"], help_text="Which side started it."
    )
    mandator = PartySerializer()
    mandatary = PartySerializer()
    scope = ScopeItemSerializer(many=True)
    valid_from = serializers.DateField()
    valid_until = serializers.DateField(allow_null=True)
    allows_subdelegation = serializers.BooleanField()
    max_depth = serializers.IntegerField(help_text="How many further links may follow this one.")
    depth = serializers.IntegerField(help_text="0 for a mandate given directly, 1 and more below.")
    parent = serializers.IntegerField(
        allow_null=True, help_text="The mandate this one was sub-delegated from."
    )
    proposed_at = serializers.DateTimeField()
    accepted_at = serializers.DateTimeField(allow_null=True)
    refused_at = serializers.DateTimeField(allow_null=True)
    ended_at = serializers.DateTimeField(allow_null=True)


def _mandate_data(mandate: Mandate) -> dict[str, Any]:
    return {
        "id": mandate.pk,
        "state": mandate.state,
        "initiated_by": mandate.initiated_by,
        "mandator": _party_data(mandate.mandator),
        "mandatary": _party_data(mandate.mandatary),
        "scope": [_scope_data(item) for item in mandate.scope.all()],
        "valid_from": mandate.valid_from,
        "valid_until": mandate.valid_until,
        "allows_subdelegation": mandate.allows_subdelegation,
        "max_depth": mandate.max_depth,
        "depth": mandate.depth,
        "parent": mandate.parent_id,
        "proposed_at": mandate.proposed_at,
        "accepted_at": mandate.accepted_at,
        "refused_at": mandate.refused_at,
        "ended_at": mandate.ended_at,
    }


@extend_schema_serializer(component_name="MandateEvent")
class EventSerializer(serializers.Serializer):
    kind = serializers.CharField()
    at = serializers.DateTimeField()
    actor = serializers.CharField(allow_null=True, help_text="Who did it (null: the system).")
    acting_for = PartySerializer(allow_null=True, help_text="The company they acted for.")


def _event_data(event: MandateEvent) -> dict[str, Any]:
    actor = event.actor.full_name or event.actor.masked_number if event.actor else None
    return {
        "kind": event.kind,
        "at": event.at,
        "actor": actor,
        "acting_for": _party_data(event.acting_for) if event.acting_for else None,
    }


@extend_schema_serializer(component_name="MandateDetail")
class MandateDetailSerializer(MandateSerializer):
    events = EventSerializer(many=True, help_text="The mandate's history, oldest first.")


def _detail_data(mandate: Mandate) -> dict[str, Any]:
    events = [_event_data(e) for e in mandate_events(mandate=mandate)]
    return {**_mandate_data(mandate), "events": events}


@extend_schema_serializer(component_name="MandatePartyInput")
class PartyInputSerializer(serializers.Serializer):
    # Labelled choices: their own enum component (MandatePartyInputKindEnum), apart from other
    # components' "kind" fields.
    kind = serializers.ChoiceField(choices=[("person", "a person"), ("company", "a company")])
    number = serializers.CharField(
        max_length=20,
        help_text="A national register number (person) or an enterprise number (company).",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        try:
            if attrs["kind"] == "person":
                attrs["number"] = parse_national_number(attrs["number"]).digits
            else:
                attrs["number"] = parse_enterprise_number(attrs["number"])
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"number": exc.messages}) from exc
        return attrs


@extend_schema_serializer(component_name="MandateScopeItemInput")
class ScopeItemInputSerializer(serializers.Serializer):
    domain = serializers.CharField(required=False, help_text="A whole domain, by code.")
    service = serializers.CharField(
        required=False, help_text="A whole service by code; with role, the role's service."
    )
    role = serializers.CharField(required=False, help_text="A single role (give its service).")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        keys = {k for k, v in attrs.items() if v}
        # One domain, or one service, or one role of one service: nothing else.
        if keys not in ({"domain"}, {"service"}, {"role", "service"}):
            raise serializers.ValidationError(
                _("Give one domain, one service, or one role with its service.")
            )
        return attrs


def _scope_items(raw: list[dict[str, str]]) -> list[ScopeItem]:
    """Codes → catalogue objects; unknown codes raise one message each."""
    items: list[ScopeItem] = []
    errors: list[str] = []
    for entry in raw:
        if "role" in entry:
            role = role_get(service_code=entry["service"], role_code=entry["role"])
            if role is None:
                errors.append(
                    _("There is no role “%(role)s” in an offered service “%(service)s”.")
                    % {"role": entry["role"], "service": entry["service"]}
                )
            else:
                items.append(ScopeItem(role=role))
        elif "service" in entry:
            service = service_get(service_code=entry["service"])
            if service is None:
                errors.append(
                    _("There is no offered service “%(service)s”.") % {"service": entry["service"]}
                )
            else:
                items.append(ScopeItem(service=service))
        else:
            domain = domain_get(domain_code=entry["domain"])
            if domain is None:
                errors.append(_("There is no domain “%(domain)s”.") % {"domain": entry["domain"]})
            else:
                items.append(ScopeItem(domain=domain))
    if errors:
        raise serializers.ValidationError(errors)
    return items


class _MandateInputSerializer(serializers.Serializer):
    scope = ScopeItemInputSerializer(many=True, help_text="What the mandate covers.")
    valid_from = serializers.DateField(required=False, help_text="Today when left out.")
    valid_until = serializers.DateField(
        required=False, allow_null=True, help_text="The last day; null or left out: no end."
    )

    def validate_scope(self, value: list[dict[str, str]]) -> list[ScopeItem]:
        return _scope_items(value)


class _ChainInputSerializer(_MandateInputSerializer):
    allows_subdelegation = serializers.BooleanField(
        default=False, help_text="Whether the mandatary may pass it on."
    )
    max_depth = serializers.IntegerField(
        default=0,
        min_value=0,
        max_value=MAX_DEPTH_LIMIT,
        help_text="How many further links the chain may have below this mandate.",
    )


REFUSED = {
    403: OpenApiResponse(
        ErrorSerializer,
        description=(
            "Not allowed: the engine's reason in detail; code step_up_required (with "
            "required_assurance) when only the level of assurance is missing."
        ),
    ),
}
NOT_FOUND = {404: OpenApiResponse(ErrorSerializer, description="Not among the party's mandates.")}
CONFLICT = {409: OpenApiResponse(ErrorSerializer, description="The mandate's state forbids it.")}
BAD_INPUT = {400: OpenApiResponse(OpenApiTypes.OBJECT, description="A list of messages per field.")}


# --- Shared pieces -------------------------------------------------------------------------------


class MandatePagination(LimitOffsetPagination):
    """The project's limit/offset pagination, with a ceiling on the size of one page."""

    max_limit = 200


class MandateApi(APIView):
    """Base of the mandate APIs: a logged-in person, and the party they handle mandates for.

    `initial` resolves the party from the acting context (or refuses: under a mandate, or for a
    company whose rights the caller may not see), so no operation can skip it. A
    `MandateConflict` from a service answers 409.
    """

    permission_classes = [IsPerson]
    required_assurance = AssuranceLevel.LOW
    actor: ActingContext
    party: Party

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        self.actor = request._request.acting
        self.party = mandate_viewer_party(actor=self.actor)

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, MandateConflict):
            return Response({"detail": exc.message}, status=status.HTTP_409_CONFLICT)
        return super().handle_exception(exc)

    def mandate_or_404(self, mandate_id: int) -> Mandate:
        mandate = mandate_get(party=self.party, mandate_id=mandate_id)
        if mandate is None:
            raise exceptions.NotFound(_("No such mandate among yours."))
        return mandate

    def detail_response(self, mandate: Mandate, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.mandate_or_404(mandate.pk)
        return Response(MandateDetailSerializer(_detail_data(fresh)).data, status=code)


def _service_errors(exc: DjangoValidationError, party_field: str) -> exceptions.ValidationError:
    """A service's `ValidationError` as a 400 per field; what concerns the other party's number
    goes under that party's field (``mandatary`` or ``mandator``)."""
    if not hasattr(exc, "error_dict"):
        return exceptions.ValidationError({"non_field_errors": [str(m) for m in exc.messages]})
    detail: dict[str, Any] = {}
    for field, messages in exc.message_dict.items():
        texts = [str(m) for m in messages]
        if field in ("number", "kind"):
            detail.setdefault(party_field, {}).setdefault(field, []).extend(texts)
        else:
            detail.setdefault(field, []).extend(texts)
    return exceptions.ValidationError(detail)


def _create(
    party_field: str, party_input: dict[str, str], service: Callable[..., Mandate], **kwargs: Any
) -> Mandate:
    """Name the other party and call the service in one transaction, so that a person first
    named here is not kept when the service refuses."""
    try:
        with transaction.atomic():
            other = party_from_number(kind=party_input["kind"], number=party_input["number"])
            return service(**{party_field: other}, **kwargs)
    except DjangoValidationError as exc:
        raise _service_errors(exc, party_field) from exc


class MethodRoutesApi(APIView):
    """One URL whose HTTP methods are separate operations, each served by its own API class
    (``GET /mandates/`` lists, ``POST /mandates/`` proposes). A request goes whole to the class
    serving its method; the handlers are also set here so the OpenAPI generator finds them."""

    routes: ClassVar[dict[str, type[APIView]]] = {}
    route_views: ClassVar[dict[str, Any]] = {}
    permission_classes = [IsPerson]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.route_views = {method: api.as_view() for method, api in cls.routes.items()}
        if "get" in cls.route_views:
            cls.route_views["head"] = cls.route_views["get"]
        for method, api in cls.routes.items():
            setattr(cls, method, getattr(api, method))
        if "get" in cls.routes:
            cls.pagination_class = getattr(cls.routes["get"], "pagination_class", None)

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        route = self.route_views.get((request.method or "").lower())
        if route is None:
            return super().dispatch(request, *args, **kwargs)
        return route(request, *args, **kwargs)


# --- The operations ------------------------------------------------------------------------------


class MandateListApi(MandateApi):
    """The party's mandates: given, received, or awaiting its decision."""

    pagination_class = MandatePagination

    @extend_schema_serializer(component_name="MandateListFilter")
    class FilterSerializer(serializers.Serializer):
        role = serializers.ChoiceField(
            choices=["given", "received", "awaiting"], default="given", required=False
        )
        state = serializers.ChoiceField(
            choices=MandateState.choices, required=False, allow_blank=True
        )

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "role",
                str,
                enum=["given", "received", "awaiting"],
                description=(
                    "given (the party is the mandator, the default), received (the party is the "
                    "mandatary) or awaiting (proposals and requests the party must decide)."
                ),
            ),
            OpenApiParameter(
                "state",
                str,
                enum=[c[0] for c in MandateState.choices],
                description="Only mandates in this state (given and received).",
            ),
        ],
        responses={200: MandateSerializer(many=True), **BAD_INPUT, **REFUSED},
        operation_id="mandates_list",
    )
    def get(self, request: Request) -> Response:
        """The party's mandates, newest first."""
        query = self.FilterSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        role = query.validated_data.get("role") or "given"
        state = query.validated_data.get("state", "")
        if role == "given":
            mandates = mandate_list_given(party=self.party, state=state)
        elif role == "received":
            mandates = mandate_list_received(party=self.party, state=state)
        else:
            mandates = mandate_list_awaiting(party=self.party)
        paginator = MandatePagination()
        page = paginator.paginate_queryset(mandates, request, view=self)
        data = MandateSerializer([_mandate_data(m) for m in page], many=True).data
        return paginator.get_paginated_response(data)


class MandateProposeApi(MandateApi):
    """The party proposes a mandate: the mandatary may then act for it once they accept."""

    @extend_schema_serializer(component_name="MandateProposeInput")
    class InputSerializer(_ChainInputSerializer):
        mandatary = PartyInputSerializer(help_text="Who would act for the party.")

    @extend_schema(
        request=InputSerializer,
        responses={201: MandateDetailSerializer, **BAD_INPUT, **REFUSED},
        operation_id="mandates_propose",
    )
    def post(self, request: Request) -> Response:
        """Propose a mandate (level substantial). The mandatary accepts or refuses it."""
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        mandate = _create(
            "mandatary", data.pop("mandatary"), mandate_propose, actor=self.actor, **data
        )
        return self.detail_response(mandate, status.HTTP_201_CREATED)


class MandatesApi(MethodRoutesApi):
    routes: ClassVar[dict[str, type[APIView]]] = {
        "get": MandateListApi,
        "post": MandateProposeApi,
    }


class MandateRequestApi(MandateApi):
    """The party asks a mandator for a mandate: the mandator approves or refuses."""

    @extend_schema_serializer(component_name="MandateRequestInput")
    class InputSerializer(_MandateInputSerializer):
        mandator = PartyInputSerializer(help_text="Who would give the mandate.")

    @extend_schema(
        request=InputSerializer,
        responses={201: MandateDetailSerializer, **BAD_INPUT, **REFUSED},
        operation_id="mandates_request",
    )
    def post(self, request: Request) -> Response:
        """Ask for a mandate (level substantial). The mandator approves or refuses it."""
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        mandate = _create(
            "mandator", data.pop("mandator"), mandate_request, actor=self.actor, **data
        )
        return self.detail_response(mandate, status.HTTP_201_CREATED)


class MandateRetrieveApi(MandateApi):
    """One of the party's mandates, with its history."""

    @extend_schema(
        responses={200: MandateDetailSerializer, **REFUSED, **NOT_FOUND},
        operation_id="mandates_retrieve",
    )
    def get(self, request: Request, mandate_id: int) -> Response:
        return Response(MandateDetailSerializer(_detail_data(self.mandate_or_404(mandate_id))).data)


class _MandateActApi(MandateApi):
    """Accept, refuse or revoke one of the party's mandates."""

    act: ClassVar[Callable[..., Mandate]]

    def post(self, request: Request, mandate_id: int) -> Response:
        mandate = self.mandate_or_404(mandate_id)
        type(self).act(actor=self.actor, mandate=mandate)
        return self.detail_response(mandate)


def _act_schema(operation_id: str, description: str) -> Callable[[Any], Any]:
    return extend_schema(
        request=None,
        responses={200: MandateDetailSerializer, **REFUSED, **NOT_FOUND, **CONFLICT},
        operation_id=operation_id,
        description=description,
    )


class MandateAcceptApi(_MandateActApi):
    act = mandate_accept

    @_act_schema(
        "mandates_accept",
        "The deciding side (the mandatary of a proposal, the mandator of a request) accepts a "
        "proposed mandate; level high (the eID card). 409 unless proposed.",
    )
    def post(self, request: Request, mandate_id: int) -> Response:
        return super().post(request, mandate_id)


class MandateRefuseApi(_MandateActApi):
    act = mandate_refuse

    @_act_schema(
        "mandates_refuse",
        "The deciding side refuses a proposed mandate; level substantial. 409 unless proposed.",
    )
    def post(self, request: Request, mandate_id: int) -> Response:
        return super().post(request, mandate_id)


class MandateRevokeApi(_MandateActApi):
    act = mandate_revoke

    @_act_schema(
        "mandates_revoke",
        "The mandator ends a proposed or accepted mandate at once, with everything "
        "sub-delegated from it; level substantial. 409 once it has ended.",
    )
    def post(self, request: Request, mandate_id: int) -> Response:
        return super().post(request, mandate_id)


class MandateSubdelegateApi(MandateApi):
    """The mandatary passes part of an accepted mandate on, within its scope and period."""

    @extend_schema_serializer(component_name="MandateSubdelegateInput")
    class InputSerializer(_ChainInputSerializer):
        mandatary = PartyInputSerializer(help_text="Who would act under the sub-delegation.")

    @extend_schema(
        request=InputSerializer,
        responses={201: MandateDetailSerializer, **BAD_INPUT, **REFUSED, **NOT_FOUND, **CONFLICT},
        operation_id="mandates_subdelegate",
    )
    def post(self, request: Request, mandate_id: int) -> Response:
        """Sub-delegate (level high). 409 unless the mandate is accepted and in force."""
        parent = self.mandate_or_404(mandate_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        mandate = _create(
            "mandatary",
            data.pop("mandatary"),
            mandate_subdelegate,
            actor=self.actor,
            parent=parent,
            **data,
        )
        return self.detail_response(mandate, status.HTTP_201_CREATED)
