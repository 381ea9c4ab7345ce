"""Public pages of the portal."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from companies.selectors import catalogue_domains_with_services
from governance.selectors import organisation_list_members


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html")


def about(request: HttpRequest) -> HttpResponse:
    """What CSAM is: the services offered, the member government services, the bodies."""
    return render(
        request,
        "about.html",
        {
            "members": organisation_list_members(),
            "domains": catalogue_domains_with_services(),
        },
    )


def cookies(request: HttpRequest) -> HttpResponse:
    return render(request, "cookies.html")
