"""The provider's endpoints under /oidc/ (issuer: the portal's address + "/oidc").

The namespace is the toolkit's own, because its views reverse these names.
"""

from django.urls import path, re_path

from oauth2_provider import views as toolkit

from csam.oidc import views

app_name = "oauth2_provider"

urlpatterns = [
    re_path(
        r"^\.well-known/openid-configuration$",
        views.DiscoveryView.as_view(),
        name="oidc-connect-discovery-info",
    ),
    path(
        ".well-known/oauth-authorization-server",
        toolkit.OAuthServerMetadataView.as_view(),
        name="oauth-server-metadata",
    ),
    path(".well-known/jwks.json", toolkit.JwksInfoView.as_view(), name="jwks-info"),
    path("authorize/", views.AuthorizeView.as_view(), name="authorize"),
    path("token/", views.PortalTokenView.as_view(), name="token"),
    path("userinfo/", toolkit.UserInfoView.as_view(), name="user-info"),
    path("introspect/", views.IntrospectView.as_view(), name="introspect"),
    path("revoke/", toolkit.RevokeTokenView.as_view(), name="revoke-token"),
    path("logout/", views.LogoutView.as_view(), name="rp-initiated-logout"),
]
