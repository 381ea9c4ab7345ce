"""Making a mandate: the party proposes one, requests one, or sub-delegates one it received.
The other party is named by number; the scope by catalogue codes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from companies.numbers import parse_party_number
from companies.selectors import domain_get, role_get, service_get
from mandates.apis._common import (
    BAD_INPUT,
    CONFLICT,
    NOT_FOUND,
    REFUSED,
    MandateApi,
    MandateDetailSerializer,
)
from mandates.models import MAX_DEPTH_LIMIT, Mandate
from mandates.services import (
    ScopeItem,
    mandate_propose,
    mandate_request,
    mandate_subdelegate,
    party_from_number,
)

# --- Input ---------------------------------------------------------------------------------------


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
            attrs["number"] = parse_party_number(attrs["kind"], attrs["number"])
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


# --- The operations ------------------------------------------------------------------------------


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
