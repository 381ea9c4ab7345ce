"""One URL, several operations: ``/mandates/`` lists (GET) and proposes (POST)."""

from __future__ import annotations

from typing import Any, ClassVar

from django.http import HttpRequest, HttpResponse

from rest_framework.views import APIView

from identity.permissions import IsPerson
from mandates.apis.creation import MandateProposeApi
from mandates.apis.reads import MandateListApi


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


class MandatesApi(MethodRoutesApi):
    routes: ClassVar[dict[str, type[APIView]]] = {
        "get": MandateListApi,
        "post": MandateProposeApi,
    }
