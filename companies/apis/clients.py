"""The service-client API: an e-government service client sees who it is."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from companies.permissions import IsServiceClient


class ServiceClientMeApi(APIView):
    """The calling service client: its name, organisation and the services it may ask about."""

    permission_classes = [IsServiceClient]

    @extend_schema_serializer(component_name="ServiceClientMeOutput")
    class OutputSerializer(serializers.Serializer):
        name = serializers.CharField()
        organisation = serializers.CharField(source="organisation.code")
        services = serializers.SerializerMethodField()

        def get_services(self, obj: object) -> list[str]:
            return sorted(s.code for s in obj.services.all())

    @extend_schema(responses=OutputSerializer, operation_id="clients_me_retrieve")
    def get(self, request: Request) -> Response:
        return Response(self.OutputSerializer(request.user).data)
