"""Top-level URLs: pages, accounts, the acting context, the API and its schema."""

from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView

from companies.apis import ServiceClientMeApi
from csam import views
from csam.authz.apis import ActingChooseApi
from identity.apis import MeApi
from identity.eid.apis import EidChallengeApi, EidFailureApi, EidLoginApi

api_v1 = [
    path("me/", MeApi.as_view(), name="me"),
    path("acting/", ActingChooseApi.as_view(), name="acting"),
    path("clients/me/", ServiceClientMeApi.as_view(), name="client_me"),
    path("auth/eid/challenge/", EidChallengeApi.as_view(), name="eid_challenge"),
    path("auth/eid/login/", EidLoginApi.as_view(), name="eid_login"),
    path("auth/eid/failure/", EidFailureApi.as_view(), name="eid_failure"),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("about/", views.about, name="about"),
    path("cookies/", views.cookies, name="cookies"),
    path("accounts/", include("identity.urls")),
    path("acting/", include("csam.authz.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("admin/", admin.site.urls),
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-docs"),
]
