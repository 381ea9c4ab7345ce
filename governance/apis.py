"""Read access to the public decision register and the bodies' current members. Public: no
log-in and no engine action (the register is published); writing happens on the pages."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from governance import selectors
from governance.models import DecisionOutcome, DecisionType


class DecisionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    body = serializers.CharField(source="body.code")
    meeting_date = serializers.DateField(source="meeting.date")
    type = serializers.CharField()
    outcome = serializers.CharField()
    votes_for = serializers.IntegerField()
    votes_against = serializers.IntegerField()
    votes_abstaining = serializers.IntegerField()
    rationale = serializers.CharField()
    organisation = serializers.SerializerMethodField()
    supersedes = serializers.IntegerField(source="supersedes_id", allow_null=True)
    superseded_by = serializers.SerializerMethodField()
    recorded_at = serializers.DateTimeField()

    def get_organisation(self, decision: Any) -> str | None:
        if decision.application_id:
            return decision.application.organisation.code
        return decision.organisation.code if decision.organisation_id else None

    def get_superseded_by(self, decision: Any) -> int | None:
        later = getattr(decision, "superseded_by", None)
        return later.pk if later is not None else None


class DecisionRegisterApi(APIView):
    """The public decision register, newest first, filtered by body, type, outcome and date."""

    permission_classes = [AllowAny]

    class FilterSerializer(serializers.Serializer):
        body = serializers.SlugField(required=False)
        type = serializers.ChoiceField(choices=DecisionType.choices, required=False)
        outcome = serializers.ChoiceField(choices=DecisionOutcome.choices, required=False)
        date_from = serializers.DateField(required=False)
        date_until = serializers.DateField(required=False)

    @extend_schema(parameters=[FilterSerializer], responses=DecisionOutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        data = dict(filters.validated_data)
        if "body" in data:
            body = selectors.body_get(code=data["body"])
            if body is None:
                raise serializers.ValidationError({"body": [_("No such body.")]})
            data["body"] = body
        paginator = LimitOffsetPagination()
        page = paginator.paginate_queryset(selectors.decision_register(**data), request, view=self)
        return paginator.get_paginated_response(DecisionOutputSerializer(page, many=True).data)


class DecisionRetrieveApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses=DecisionOutputSerializer)
    def get(self, request: Request, decision_id: int) -> Response:
        decision = selectors.decision_get(decision_id=decision_id)
        if decision is None:
            raise Http404(_("No such decision."))
        return Response(DecisionOutputSerializer(decision).data)


class BodyListApi(APIView):
    """The bodies and who sits on each today."""

    permission_classes = [AllowAny]

    class SeatSerializer(serializers.Serializer):
        person = serializers.CharField()
        role = serializers.CharField()
        organisation = serializers.CharField(source="organisation.code")
        valid_from = serializers.DateField()

    class OutputSerializer(serializers.Serializer):
        code = serializers.CharField()
        kind = serializers.CharField()
        name = serializers.CharField()
        seats = serializers.ListField(child=serializers.DictField())

    @extend_schema(responses=OutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        today = timezone.localdate()
        result = [
            {
                "code": body.code,
                "kind": body.kind,
                "name": body.name,
                "seats": self.SeatSerializer(
                    selectors.seat_list(body=body, day=today), many=True
                ).data,
            }
            for body in selectors.body_list()
        ]
        return Response(result)
