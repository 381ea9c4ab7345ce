"""A minimal relying party (plain WSGI) that logs a person in through the portal's OpenID
Connect provider and shows the claims it received. See README.md beside this file."""

from examples.oidc_rp.app import RelyingParty, Settings, make_app

__all__ = ["RelyingParty", "Settings", "make_app"]
