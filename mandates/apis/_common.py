"""What every mandate API shares: the serializers of its answers (with the functions that fill
them), the documented error responses, and `MandateApi`, the base that resolves the caller's
party."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from companies.models import Company
from identity.assurance import AssuranceLevel
from identity.models import Person
from identity.permissions import IsPerson
from mandates.exceptions import MandateConflict
from mandates.models import Mandate, MandateEvent, MandateScope, MandateState
from mandates.selectors import mandate_events, mandate_get, mandate_viewer_party

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


# --- The base of the operations ------------------------------------------------------------------


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
