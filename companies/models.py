"""Companies (the tenants), the service catalogue, and who holds which right in a company.

The rights data is shaped for the decision engine: every right is a row with a period
(``valid_from`` .. ``valid_until``, dates, both inclusive) and a status; ending a right sets
``ended_at`` and never deletes the row, so "could X act on date D" stays answerable.
"""

import datetime as dt

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from companies.numbers import format_enterprise_number, validate_enterprise_number
from governance.models import LocalizedNameMixin, Organisation
from identity.assurance import AssuranceLevel
from identity.models import Person


class CompanyStatus(models.TextChoices):
    ACTIVE = "active", _("active")
    STOPPED = "stopped", _("stopped")


class Company(models.Model):
    """An enterprise registered in the enterprise register: one tenant of the portal."""

    enterprise_number = models.CharField(
        _("enterprise number"),
        max_length=10,
        unique=True,
        validators=[validate_enterprise_number],
    )
    name = models.CharField(_("name"), max_length=200)
    legal_form = models.CharField(_("legal form"), max_length=100, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=CompanyStatus.choices, default=CompanyStatus.ACTIVE
    )
    stopped_on = models.DateField(_("stopped on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        ordering = ["name", "id"]
        permissions = [("manage_all_access", "Manage access rights in every domain")]

    def __str__(self) -> str:
        return f"{self.name} ({self.formatted_number})"

    @property
    def formatted_number(self) -> str:
        return format_enterprise_number(self.enterprise_number)

    @property
    def is_active(self) -> bool:
        return self.status == CompanyStatus.ACTIVE


class PeriodQuerySet(models.QuerySet):
    """Rows with a ``valid_from``/``valid_until`` period and an ``ended_at`` moment."""

    def current(self, at: dt.datetime | None = None) -> "PeriodQuerySet":
        """Rows in force at ``at`` (now by default): within the period and not yet ended then."""
        at = at or timezone.now()
        day = timezone.localdate(at)
        return self.filter(
            Q(valid_from__lte=day),
            Q(valid_until__isnull=True) | Q(valid_until__gte=day),
            Q(ended_at__isnull=True) | Q(ended_at__gt=at),
        )

    def for_tenant(self, company: Company) -> "PeriodQuerySet":
        return self.filter(company=company)


class EndReason(models.TextChoices):
    REVOKED = "revoked", _("revoked")
    EXPIRED = "expired", _("expired")
    REPLACED = "replaced", _("replaced")


class PeriodModel(models.Model):
    valid_from = models.DateField(_("valid from"), default=timezone.localdate)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    end_reason = models.CharField(
        _("end reason"), max_length=10, choices=EndReason.choices, blank=True
    )

    objects = PeriodQuerySet.as_manager()

    class Meta:
        abstract = True

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.valid_until and self.valid_from and self.valid_until < self.valid_from:
            raise ValidationError(
                {"valid_until": _("The end date cannot be before the start date.")}
            )


class LegalRepresentative(PeriodModel):
    """A function the enterprise register lists for the company (director, manager, ...)."""

    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, related_name="legal_representatives"
    )
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="legal_representations"
    )
    function = models.CharField(_("function"), max_length=100)

    class Meta:
        verbose_name = _("legal representative")
        verbose_name_plural = _("legal representatives")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                name="legalrep_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} — {self.function}"


class Domain(LocalizedNameMixin):
    """A field of e-government (social security, finance, economy, ...)."""

    code = models.SlugField(_("code"), max_length=50, unique=True)

    class Meta:
        verbose_name = _("domain")
        verbose_name_plural = _("domains")
        ordering = ["name_en"]


class Service(LocalizedNameMixin):
    """An online e-government service, owned by a member organisation."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    domain = models.ForeignKey(Domain, on_delete=models.PROTECT, related_name="services")
    owner = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="services")
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("e-government service")
        verbose_name_plural = _("e-government services")
        ordering = ["name_en"]


class Role(LocalizedNameMixin):
    """A role within a service that a collaborator can be granted."""

    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="roles")
    code = models.SlugField(_("code"), max_length=50)
    min_assurance = models.CharField(
        _("minimum level of assurance"),
        max_length=20,
        choices=AssuranceLevel.choices(),
        default=AssuranceLevel.SUBSTANTIAL,
    )
    for_clients_allowed = models.BooleanField(
        _("may be held for clients"),
        default=False,
        help_text=_("A service provider may hold this role for its clients through a mandate."),
    )

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        ordering = ["service__code", "code"]
        constraints = [
            models.UniqueConstraint(fields=["service", "code"], name="role_code_unique_in_service")
        ]


class CompanyDomain(models.Model):
    """A domain as managed within one company: the object that per-domain manager permissions
    (django-guardian) are attached to, since a `Domain` is shared by every company."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="domains")
    domain = models.ForeignKey(Domain, on_delete=models.PROTECT, related_name="+")

    objects = models.Manager()

    class Meta:
        verbose_name = _("company domain")
        verbose_name_plural = _("company domains")
        constraints = [
            models.UniqueConstraint(fields=["company", "domain"], name="companydomain_unique")
        ]
        permissions = [("manage_domain_access", "Manage access rights in this domain")]

    def __str__(self) -> str:
        return f"{self.company} — {self.domain}"


class AccessManagerKind(models.TextChoices):
    MAIN = "main", _("main access manager")
    CO_MAIN = "co_main", _("co-main access manager")
    DOMAIN = "domain", _("access manager for a domain")
    CO_DOMAIN = "co_domain", _("co-access manager for a domain")


class AccessManager(PeriodModel):
    """A designation to manage a company's rights, for all domains (main) or for one domain."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="access_managers")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="manager_roles")
    kind = models.CharField(_("kind"), max_length=20, choices=AccessManagerKind.choices)
    domain = models.ForeignKey(
        Domain, null=True, blank=True, on_delete=models.PROTECT, related_name="access_managers"
    )
    designated_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    designated_at = models.DateTimeField(auto_now_add=True)
    ended_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("access manager")
        verbose_name_plural = _("access managers")
        constraints = [
            models.CheckConstraint(
                # Main managers manage every domain; domain managers exactly one.
                condition=(
                    Q(kind__in=["main", "co_main"], domain__isnull=True)
                    | Q(kind__in=["domain", "co_domain"], domain__isnull=False)
                ),
                name="accessmanager_domain_matches_kind",
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                name="accessmanager_period_ordered",
            ),
            # One open designation of a kind per person, company and domain.
            models.UniqueConstraint(
                fields=["company", "person", "kind", "domain"],
                condition=Q(ended_at__isnull=True),
                name="accessmanager_one_open",
                nulls_distinct=False,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} — {self.get_kind_display()}"


class Grant(PeriodModel):
    """A role on a service that a company gives one of its collaborators.

    ``for_clients`` grants let the collaborator use the role for the company's clients, under the
    clients' accepted mandates, rather than for the company itself.
    """

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="grants")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="grants")
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="grants")
    for_clients = models.BooleanField(_("for clients"), default=False)
    granted_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    granted_at = models.DateTimeField(auto_now_add=True)
    ended_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("grant")
        verbose_name_plural = _("grants")
        indexes = [
            models.Index(fields=["person", "company", "role"]),
            models.Index(fields=["company", "role"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                name="grant_period_ordered",
            ),
            # At most one open (not ended) grant of a role to a person in a company.
            models.UniqueConstraint(
                fields=["company", "person", "role", "for_clients"],
                condition=Q(ended_at__isnull=True),
                name="grant_one_open_per_role",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} — {self.role}"


class ServiceClient(models.Model):
    """An e-government service's registered API client.

    The key is shown once, when issued; only its SHA-256 is kept (the key is 256 random bits, so a
    fast hash is enough and keeps the per-request check cheap). ``key_prefix`` finds the row.
    """

    name = models.CharField(_("name"), max_length=200)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="service_clients"
    )
    services = models.ManyToManyField(Service, blank=True, related_name="clients")
    key_prefix = models.CharField(_("key prefix"), max_length=16, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    may_read_residence = models.BooleanField(
        _("may read the municipality of residence"),
        default=False,
        help_text=_("Attribute checks always answer age questions; residence only when allowed."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("service client")
        verbose_name_plural = _("service clients")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    # DRF and Django treat whatever `request.user` holds as a principal: these make a client one.
    is_authenticated = True
    is_anonymous = False
