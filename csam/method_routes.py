"""One URL whose HTTP methods are separate API operations (``GET`` lists, ``POST`` creates), for
the apps' APIs."""

from __future__ import annotations

from typing import Any, ClassVar

from django.http import HttpRequest, HttpResponse

from rest_framework.views import APIView

from identity.permissions import IsPerson


class MethodRoutesApi(APIView):
    """One URL whose HTTP methods are separate operations, each served by its own API class.

    ``GET /company/grants/`` lists and ``POST /company/grants/`` creates (so do
    ``/company/managers/`` and ``/mandates/``), yet each operation keeps its own class
    (permissions, serializers, schema). A request goes whole to the class serving its method;
    other methods get DRF's 405. The handlers are also set on this class, only so that the
    OpenAPI generator finds each operation's schema at the shared path.
    """

    routes: ClassVar[dict[str, type[APIView]]] = {}
    route_views: ClassVar[dict[str, Any]] = {}
    permission_classes = [IsPerson]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.route_views = {method: api.as_view() for method, api in cls.routes.items()}
        if "get" in cls.route_views:
            # HEAD is GET without the body: the GET operation's view answers it.
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
