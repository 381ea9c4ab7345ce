from typing import Any

from django.http import HttpRequest


def acting(request: HttpRequest) -> dict[str, Any]:
    """Expose the acting context to templates (the header shows it on every page)."""
    return {"acting": getattr(request, "acting", None)}
