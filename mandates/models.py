"""Mandates: time-bounded authority one party (a person or a company) gives another to act on its
behalf, within a scope of domains, services or single roles.

A mandate is never deleted: its state moves proposed → accepted or refused; accepted → revoked or
expired; every step is a `MandateEvent`. A mandate may allow sub-delegation: a child mandate
whose mandator is the parent's mandatary, within the parent's scope and period, up to a depth
limit; ending a mandate ends what was sub-delegated from it.
"""

import datetime as dt
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from companies.models import Company, Domain, Role, Service
from identity.models import Person

# How deep a chain may go: the root mandate is depth 0, its sub-delegation depth 1, ...
MAX_DEPTH_LIMIT = 3


class MandateState(models.TextChoices):
    PROPOSED = "proposed", _("proposed")
    ACCEPTED = "accepted", _("accepted")
    REFUSED = "refused", _("refused")
    REVOKED = "revoked", _("revoked")
    WITHDRAWN = "withdrawn", _("withdrawn")
    EXPIRED = "expired", _("expired")


class Initiator(models.TextChoices):
    MANDATOR = "mandator", _("proposed by the mandator")
    MANDATARY = "mandatary", _("requested by the mandatary")


class MandateQuerySet(models.QuerySet):
    def involving_person(self, person: Person) -> "MandateQuerySet":
        return self.filter(Q(mandator_person=person) | Q(mandatary_person=person))

    def for_tenant(self, company: Company) -> "MandateQuerySet":
        """Mandates in which the company is a party (as mandator or mandatary)."""
        return self.filter(Q(mandator_company=company) | Q(mandatary_company=company))

    def in_force(self, at: dt.datetime | None = None) -> "MandateQuerySet":
        """Accepted at ``at`` (now by default), within the period, not ended by then."""
        at = at or timezone.now()
        day = timezone.localdate(at)
        return self.filter(
            Q(accepted_at__isnull=False, accepted_at__lte=at),
            Q(valid_from__lte=day),
            Q(valid_until__isnull=True) | Q(valid_until__gte=day),
            Q(ended_at__isnull=True) | Q(ended_at__gt=at),
        )


class Mandate(models.Model):
    mandator_person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="mandates_given"
    )
    mandator_company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.PROTECT, related_name="mandates_given"
    )
    mandatary_person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="mandates_received"
    )
    mandatary_company = models.ForeignKey(
        Company,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="mandates_received",
    )
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=MandateState.choices, default=MandateState.PROPOSED
    )
    initiated_by = models.CharField(
        _("initiated by"), max_length=10, choices=Initiator.choices, default=Initiator.MANDATOR
    )
    allows_subdelegation = models.BooleanField(_("may be sub-delegated"), default=False)
    max_depth = models.PositiveSmallIntegerField(
        _("sub-delegation depth limit"),
        default=0,
        help_text=_("How many further links the chain may have below this mandate."),
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    depth = models.PositiveSmallIntegerField(default=0)
    # The party the whole chain acts for: the mandator of the chain's first mandate (its own
    # mandator for a first mandate). Set once, when the mandate is made (`save`); the decision
    # engine finds the mandates that could let a person act for a party by these and the
    # mandatary, instead of walking every mandate the party gave.
    root_mandator_person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    root_mandator_company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    proposed_by = models.ForeignKey(Person, null=True, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    refused_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ended_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    objects = MandateQuerySet.as_manager()

    class Meta:
        verbose_name = _("mandate")
        verbose_name_plural = _("mandates")
        ordering = ["-proposed_at", "-id"]
        indexes = [
            models.Index(fields=["mandatary_person", "state"]),
            models.Index(fields=["mandatary_company", "state"]),
            models.Index(fields=["mandator_person", "state"]),
            models.Index(fields=["mandator_company", "state"]),
            # The decision engine's: a mandatary's mandates in the chains of one party.
            models.Index(
                fields=["mandatary_person", "root_mandator_company", "root_mandator_person"],
                name="mandate_person_in_chains",
            ),
            models.Index(
                fields=["mandatary_company", "root_mandator_company", "root_mandator_person"],
                name="mandate_company_in_chains",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                # Exactly one mandator: a person or a company.
                condition=(
                    Q(mandator_person__isnull=False, mandator_company__isnull=True)
                    | Q(mandator_person__isnull=True, mandator_company__isnull=False)
                ),
                name="mandate_one_mandator",
            ),
            models.CheckConstraint(
                condition=(
                    Q(mandatary_person__isnull=False, mandatary_company__isnull=True)
                    | Q(mandatary_person__isnull=True, mandatary_company__isnull=False)
                ),
                name="mandate_one_mandatary",
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                name="mandate_period_ordered",
            ),
            models.CheckConstraint(
                condition=Q(depth__lte=MAX_DEPTH_LIMIT) & Q(max_depth__lte=MAX_DEPTH_LIMIT),
                name="mandate_depth_limited",
            ),
            models.CheckConstraint(
                condition=(
                    Q(root_mandator_person__isnull=False, root_mandator_company__isnull=True)
                    | Q(root_mandator_person__isnull=True, root_mandator_company__isnull=False)
                ),
                name="mandate_one_root_mandator",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.mandator} → {self.mandatary}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self._state.adding:
            self._set_root_mandator()
        super().save(*args, **kwargs)

    def clean(self) -> None:
        super().clean()
        if self._state.adding:
            self._set_root_mandator()

    def _set_root_mandator(self) -> None:
        if self.parent_id is not None:
            parent = self.parent
            self.root_mandator_person_id = parent.root_mandator_person_id  # type: ignore[union-attr]
            self.root_mandator_company_id = parent.root_mandator_company_id  # type: ignore[union-attr]
        else:
            self.root_mandator_person_id = self.mandator_person_id
            self.root_mandator_company_id = self.mandator_company_id

    @property
    def mandator(self) -> Person | Company:
        return self.mandator_person or self.mandator_company  # type: ignore[return-value]

    @property
    def mandatary(self) -> Person | Company:
        return self.mandatary_person or self.mandatary_company  # type: ignore[return-value]


class MandateScope(models.Model):
    """One item of a mandate's scope: a whole domain, a service, or a single role."""

    mandate = models.ForeignKey(Mandate, on_delete=models.CASCADE, related_name="scope")
    domain = models.ForeignKey(Domain, null=True, blank=True, on_delete=models.PROTECT)
    service = models.ForeignKey(Service, null=True, blank=True, on_delete=models.PROTECT)
    role = models.ForeignKey(Role, null=True, blank=True, on_delete=models.PROTECT)

    class Meta:
        verbose_name = _("mandate scope")
        verbose_name_plural = _("mandate scopes")
        constraints = [
            models.CheckConstraint(
                # Exactly one of domain, service and role.
                condition=(
                    Q(domain__isnull=False, service__isnull=True, role__isnull=True)
                    | Q(domain__isnull=True, service__isnull=False, role__isnull=True)
                    | Q(domain__isnull=True, service__isnull=True, role__isnull=False)
                ),
                name="mandatescope_exactly_one",
            )
        ]

    def __str__(self) -> str:
        return str(self.role or self.service or self.domain)

    def covers(self, role: Role) -> bool:
        if self.role_id is not None:
            return self.role_id == role.pk
        if self.service_id is not None:
            return self.service_id == role.service_id
        return self.domain_id == role.service.domain_id


class MandateEventKind(models.TextChoices):
    PROPOSED = "proposed", _("proposed")
    REQUESTED = "requested", _("requested")
    ACCEPTED = "accepted", _("accepted")
    REFUSED = "refused", _("refused")
    REVOKED = "revoked", _("revoked")
    WITHDRAWN = "withdrawn", _("withdrawn by the mandatary")
    EXPIRED = "expired", _("expired")
    ENDED_WITH_PARENT = "ended_with_parent", _("ended with the mandate it came from")
    REMINDED = "reminded", _("expiry reminder sent")


class MandateEvent(models.Model):
    """One step in a mandate's life, by whom, acting for whom."""

    mandate = models.ForeignKey(Mandate, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=20, choices=MandateEventKind.choices)
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT)
    acting_for = models.ForeignKey(Company, null=True, blank=True, on_delete=models.PROTECT)

    class Meta:
        verbose_name = _("mandate event")
        verbose_name_plural = _("mandate events")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"
