"""One URL, several operations: ``/mandates/`` lists (GET) and proposes (POST)."""

from __future__ import annotations

from typing import ClassVar

from rest_framework.views import APIView

from csam.method_routes import MethodRoutesApi
from mandates.apis.creation import MandateProposeApi
from mandates.apis.reads import MandateListApi


class MandatesApi(MethodRoutesApi):
    routes: ClassVar[dict[str, type[APIView]]] = {
        "get": MandateListApi,
        "post": MandateProposeApi,
    }
