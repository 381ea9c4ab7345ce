"""The OpenID Connect endpoints: authorization (with step-up and the choice of whom to act
for), token (with RFC 8693 token exchange), introspection, discovery and log-out.

The toolkit's views serve JWKS, userinfo and revocation unchanged; the validator
(csam/oidc/validators.py) adapts what they do.
"""

from csam.oidc.views.authorize import AuthorizeView
from csam.oidc.views.endpoints import DiscoveryView, IntrospectView, LogoutView, PortalTokenView

__all__ = ["AuthorizeView", "DiscoveryView", "IntrospectView", "LogoutView", "PortalTokenView"]
