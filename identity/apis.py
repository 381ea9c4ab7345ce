"""The person's own identity over the API."""

from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from identity.assurance import AssuranceLevel
from identity.permissions import IsPerson


class MeApi(APIView):
    """Who is logged in, how strongly, and for whom they act."""

    permission_classes = [IsPerson]
    required_assurance = AssuranceLevel.LOW

    @extend_schema_serializer(component_name="MePerson")
    class PersonSerializer(serializers.Serializer):
        national_number = serializers.CharField()
        given_names = serializers.CharField()
        surname = serializers.CharField()
        birth_date = serializers.DateField(allow_null=True)
        residence_municipality = serializers.CharField()
        preferred_language = serializers.CharField()

    @extend_schema_serializer(component_name="MeAssurance")
    class AssuranceSerializer(serializers.Serializer):
        level = serializers.CharField(allow_null=True)
        means = serializers.ListField(child=serializers.CharField())
        at = serializers.DateTimeField(allow_null=True)

    @extend_schema_serializer(component_name="MeActing")
    class ActingSerializer(serializers.Serializer):
        kind = serializers.ChoiceField(choices=["self", "company"])
        enterprise_number = serializers.CharField(allow_null=True)
        name = serializers.CharField(allow_null=True)

    @extend_schema_serializer(component_name="MeOutput")
    class OutputSerializer(serializers.Serializer):
        username = serializers.CharField()
        person = serializers.DictField(allow_null=True)
        assurance = serializers.DictField()
        acting = serializers.DictField()

    @extend_schema(responses=OutputSerializer, operation_id="me_retrieve")
    def get(self, request: Request) -> Response:
        acting = request._request.acting
        person = request.user.person
        assurance = acting.assurance
        company = acting.company
        return Response(
            {
                "username": request.user.get_username(),
                "person": self.PersonSerializer(person).data if person else None,
                "assurance": self.AssuranceSerializer(
                    {
                        "level": assurance.effective_level(),
                        "means": [m.value for m in assurance.means],
                        "at": assurance.at,
                    }
                ).data,
                "acting": self.ActingSerializer(
                    {
                        "kind": "company" if company else "self",
                        "enterprise_number": company.enterprise_number if company else None,
                        "name": company.name if company else None,
                    }
                ).data,
            }
        )
