"""The decision endpoints for e-government services: one question, or a batch."""

from typing import Any

from django.utils.translation import gettext as _

from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from companies.permissions import IsServiceClient
from csam.authz.apis.lean import _LeanDecisionView
from csam.authz.apis.questions import (
    MAX_BATCH,
    QuestionSerializer,
    _catalogue_errors,
    _refuse_other_service,
    _validated_ask,
)
from csam.authz.decisions import Ask, answer_asks


@extend_schema_serializer(component_name="DecisionAnswer")
class AnswerSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["allow", "deny"])
    path = serializers.ListField(child=serializers.DictField())
    reasons = serializers.ListField(child=serializers.DictField())
    required_assurance = serializers.CharField()


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
