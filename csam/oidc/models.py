"""OpenID Connect clients of e-government services, and what each token rests on.

`ServiceApplication` is django-oauth-toolkit's application model, swapped in so that every client
belongs to one service of the catalogue and lists the scopes it may receive. `TokenBasis`
records, for an authorization code and then for the access token issued for it, who logged in,
how strongly (level and means), and for whom they act: the facts that introspection checks
again on every call, so that a revoked right ends the token at once.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from oauth2_provider.models import AbstractApplication

from companies.models import Company, Service
from identity.assurance import AssuranceLevel
from identity.models import Person
from mandates.models import Mandate

# Every scope a client may be allowed; the claims each one releases are in csam/oidc/claims.py.
SCOPE_NAMES = ("openid", "profile", "egovnrn", "enterprise", "roles", "mandate", "age")


class ServiceApplication(AbstractApplication):
    """A relying party: the OpenID Connect client of one e-government service."""

    service = models.ForeignKey(
        Service,
        verbose_name=_("e-government service"),
        on_delete=models.PROTECT,
        related_name="oidc_clients",
    )
    allowed_scopes = models.CharField(
        _("allowed scopes"),
        max_length=200,
        default="openid profile",
        help_text=_("Space-separated; a request for any other scope is refused."),
    )
    min_assurance = models.CharField(
        _("minimum level of assurance"),
        max_length=20,
        choices=AssuranceLevel.choices(),
        default=AssuranceLevel.LOW,
        help_text=_("Log-ins below this level are stepped up, whatever the client asks."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    # Only the authorization code flow, with ID tokens signed by the portal's key.
    authorization_grant_type = models.CharField(
        _("authorization grant type"),
        max_length=44,
        choices=AbstractApplication.GRANT_TYPES,
        default=AbstractApplication.GRANT_AUTHORIZATION_CODE,
    )
    algorithm = models.CharField(
        _("algorithm"),
        max_length=5,
        choices=AbstractApplication.ALGORITHM_TYPES,
        default=AbstractApplication.RS256_ALGORITHM,
        blank=True,
    )
    client_type = models.CharField(
        _("client type"),
        max_length=32,
        choices=AbstractApplication.CLIENT_TYPES,
        default=AbstractApplication.CLIENT_CONFIDENTIAL,
    )

    class Meta(AbstractApplication.Meta):
        swappable = "OAUTH2_PROVIDER_APPLICATION_MODEL"
        verbose_name = _("OpenID Connect client")
        verbose_name_plural = _("OpenID Connect clients")

    def clean(self) -> None:
        super().clean()
        unknown = set(self.allowed_scope_set) - set(SCOPE_NAMES)
        if unknown:
            raise ValidationError(
                {"allowed_scopes": _("Unknown scopes: %(s)s") % {"s": " ".join(sorted(unknown))}}
            )

    @property
    def allowed_scope_set(self) -> frozenset[str]:
        # openid is what makes the request an OpenID Connect one: always allowed.
        return frozenset(self.allowed_scopes.split()) | {"openid"}

    def is_usable(self, request: object) -> bool:
        # A deactivated client, or one whose service left the catalogue, gets nothing more.
        return self.is_active and self.service.is_active


class TokenBasis(models.Model):
    """Who an authorization code, then its access token, speaks for, and how it was proven."""

    application = models.ForeignKey(
        settings.OAUTH2_PROVIDER_APPLICATION_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    grant = models.OneToOneField(
        "oauth2_provider.Grant",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="csam_basis",
    )
    # SHA-256 of the authorization code, kept after the code is used so that a replay can be
    # recognised and the tokens issued for it revoked.
    code_hash = models.CharField(max_length=64, blank=True, db_index=True)
    access_token = models.OneToOneField(
        "oauth2_provider.AccessToken",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="csam_basis",
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    level = models.CharField(max_length=20, choices=AssuranceLevel.choices())
    # The level in the client's own vocabulary (name or ACR URN), as the tokens carry it.
    acr = models.CharField(max_length=100)
    means = models.JSONField(default=list)
    auth_time = models.DateTimeField()
    # The represented party: a company (directly, or as the first mandator of ``mandate``'s
    # chain) or a person (the first mandator); both empty when acting in one's own name.
    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    mandate = models.ForeignKey(
        Mandate, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    represented_person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Set for a token obtained by token exchange: the basis of the subject token.
    exchanged_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("token basis")
        verbose_name_plural = _("token bases")

    def __str__(self) -> str:
        return f"{self.person} via {self.application_id} ({self.level})"

    @property
    def acts_for_self(self) -> bool:
        return self.company_id is None and self.represented_person_id is None
