"""Top-level URLs: pages, accounts, the acting context, the API and its schema."""

from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from drf_spectacular.views import SpectacularAPIView

from companies.apis import (
    CompanyCollaboratorListApi,
    CompanyCollaboratorRetrieveApi,
    CompanyGrantExportApi,
    CompanyGrantImportApi,
    CompanyGrantRetrieveApi,
    CompanyGrantRevokeApi,
    CompanyGrantsApi,
    CompanyHistoryListApi,
    CompanyManagerEndApi,
    CompanyManagersApi,
    CompanyMatrixApi,
    CompanyRetrieveApi,
    ServiceClientMeApi,
)
from csam import health, views
from csam.authz.apis import (
    ActingChooseApi,
    DecisionApi,
    DecisionBatchApi,
    PersonAttributesApi,
    ServiceRepresentativesApi,
)
from csam.observability.views import metrics
from csam.security.views import ApiDocsView
from governance.apis import BodyListApi, DecisionRegisterApi, DecisionRetrieveApi
from identity.apis import MeApi
from identity.eid.apis import EidChallengeApi, EidFailureApi, EidLoginApi
from mandates.apis import (
    MandateAcceptApi,
    MandateRefuseApi,
    MandateRequestApi,
    MandateRetrieveApi,
    MandateRevokeApi,
    MandatesApi,
    MandateSubdelegateApi,
    MandateWithdrawApi,
)

api_v1 = [
    # The public governance register (read only).
    path("governance/decisions/", DecisionRegisterApi.as_view(), name="governance_decisions"),
    path(
        "governance/decisions/<int:decision_id>/",
        DecisionRetrieveApi.as_view(),
        name="governance_decision",
    ),
    path("governance/bodies/", BodyListApi.as_view(), name="governance_bodies"),
    path("me/", MeApi.as_view(), name="me"),
    path("acting/", ActingChooseApi.as_view(), name="acting"),
    path("clients/me/", ServiceClientMeApi.as_view(), name="client_me"),
    path("auth/eid/challenge/", EidChallengeApi.as_view(), name="eid_challenge"),
    path("auth/eid/login/", EidLoginApi.as_view(), name="eid_login"),
    path("auth/eid/failure/", EidFailureApi.as_view(), name="eid_failure"),
    # For e-government services (API key).
    path("decisions/", DecisionApi.as_view(), name="decisions"),
    path("decisions/batch/", DecisionBatchApi.as_view(), name="decisions_batch"),
    path(
        "services/<slug:code>/representatives/",
        ServiceRepresentativesApi.as_view(),
        name="service_representatives",
    ),
    path(
        "persons/<str:number>/attributes/",
        PersonAttributesApi.as_view(),
        name="person_attributes",
    ),
    # Access management, always within the caller's acting company.
    path("company/", CompanyRetrieveApi.as_view(), name="company"),
    path(
        "company/collaborators/",
        CompanyCollaboratorListApi.as_view(),
        name="company_collaborators",
    ),
    path(
        "company/collaborators/<int:person_id>/",
        CompanyCollaboratorRetrieveApi.as_view(),
        name="company_collaborator",
    ),
    path("company/grants/", CompanyGrantsApi.as_view(), name="company_grants"),
    path("company/grants/import/", CompanyGrantImportApi.as_view(), name="company_grants_import"),
    path("company/grants/export/", CompanyGrantExportApi.as_view(), name="company_grants_export"),
    path("company/grants/<int:grant_id>/", CompanyGrantRetrieveApi.as_view(), name="company_grant"),
    path(
        "company/grants/<int:grant_id>/revoke/",
        CompanyGrantRevokeApi.as_view(),
        name="company_grant_revoke",
    ),
    path("company/managers/", CompanyManagersApi.as_view(), name="company_managers"),
    path(
        "company/managers/<int:designation_id>/end/",
        CompanyManagerEndApi.as_view(),
        name="company_manager_end",
    ),
    path("company/matrix/", CompanyMatrixApi.as_view(), name="company_matrix"),
    path("company/history/", CompanyHistoryListApi.as_view(), name="company_history"),
    # Mandates of the caller's party (themselves, or the company they act for).
    path("mandates/", MandatesApi.as_view(), name="mandates"),
    path("mandates/request/", MandateRequestApi.as_view(), name="mandate_request"),
    path("mandates/<int:mandate_id>/", MandateRetrieveApi.as_view(), name="mandate"),
    path("mandates/<int:mandate_id>/accept/", MandateAcceptApi.as_view(), name="mandate_accept"),
    path("mandates/<int:mandate_id>/refuse/", MandateRefuseApi.as_view(), name="mandate_refuse"),
    path("mandates/<int:mandate_id>/revoke/", MandateRevokeApi.as_view(), name="mandate_revoke"),
    path(
        "mandates/<int:mandate_id>/withdraw/",
        MandateWithdrawApi.as_view(),
        name="mandate_withdraw",
    ),
    path(
        "mandates/<int:mandate_id>/subdelegate/",
        MandateSubdelegateApi.as_view(),
        name="mandate_subdelegate",
    ),
]

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    # Prometheus, for the monitoring addresses only (METRICS_ALLOWED_ADDRESSES).
    path("metrics", metrics, name="metrics"),
    path("", views.home, name="home"),
    path("about/", views.about, name="about"),
    path("cookies/", views.cookies, name="cookies"),
    path("accounts/", include("identity.urls")),
    path("acting/", include("csam.authz.urls")),
    path("company/", include("companies.urls")),
    path("mandates/", include("mandates.urls")),
    path("governance/", include("governance.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("admin/", admin.site.urls),
    # The OpenID Connect provider (discovery at /oidc/.well-known/openid-configuration).
    path("oidc/", include("csam.oidc.urls")),
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", ApiDocsView.as_view(url_name="api-schema"), name="api-docs"),
]

# A body or form over the size limits is answered 413 rather than 400.
handler400 = "csam.security.views.bad_request"
# An unreachable database is answered 503 (page or JSON) rather than 500.
handler500 = "csam.errors.server_error"
