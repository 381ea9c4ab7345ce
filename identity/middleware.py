"""Use the person's preferred language when they have not picked one in this browser."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class PreferredLanguageMiddleware:
    """Runs before LocaleMiddleware. A language chosen with the switcher (cookie) wins; otherwise
    a logged-in person's preferred language is used instead of the browser's Accept-Language."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
            preferred = request.session.get("csam_preferred_language")
            if preferred in dict(settings.LANGUAGES):
                request.COOKIES[settings.LANGUAGE_COOKIE_NAME] = preferred
        return self.get_response(request)
