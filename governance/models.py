"""Member organisations (government services), the bodies, their seats, meetings and decisions,
membership applications and strategic plans."""

import datetime as dt

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class LocalizedNameMixin(models.Model):
    """Names in the four languages of the portal, and the one for the active language."""

    name_en = models.CharField(_("name (English)"), max_length=200)
    name_fr = models.CharField(_("name (French)"), max_length=200, blank=True)
    name_nl = models.CharField(_("name (Dutch)"), max_length=200, blank=True)
    name_de = models.CharField(_("name (German)"), max_length=200, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        language = (get_language() or "en")[:2]
        return getattr(self, f"name_{language}", "") or self.name_en


class OrganisationKind(models.TextChoices):
    FEDERAL = "federal", _("federal")
    REGIONAL = "regional", _("regional")
    COMMUNITY = "community", _("community")
    LOCAL = "local", _("local")
    SOCIAL_SECURITY = "social_security", _("social security institution")
    OTHER = "other", _("other")


class Organisation(LocalizedNameMixin):
    """A government service taking part in (or applying to) the framework."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=OrganisationKind.choices)
    is_sponsor = models.BooleanField(_("sponsor"), default=False)
    is_member = models.BooleanField(
        _("member"),
        default=False,
        help_text=_(
            "Set by an approving Management Committee decision; gates the service catalogue."
        ),
    )
    member_since = models.DateField(_("member since"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name_en"]


# --- Bodies and seats -----------------------------------------------------------------------------


class BodyKind(models.TextChoices):
    MANAGEMENT_COMMITTEE = "management_committee", _("Management Committee")
    OPERATIONAL_GROUP = "operational_group", _("Operational Management Group")
    STRATEGIC_USER_COMMITTEE = "strategic_user_committee", _("Strategic User Committee")
    WORKING_GROUP = "working_group", _("working group")


class Body(LocalizedNameMixin):
    """A governance body. There is one Management Committee, one Operational Management Group
    and one Strategic User Committee; working groups may be many."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    kind = models.CharField(_("kind"), max_length=30, choices=BodyKind.choices)
    quorum_percent = models.PositiveSmallIntegerField(
        _("quorum (percent)"),
        default=50,
        help_text=_("A meeting has quorum when more than this share of voting seats is present."),
    )

    class Meta:
        verbose_name = _("body")
        verbose_name_plural = _("bodies")
        ordering = ["kind", "name_en"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind"],
                condition=~models.Q(kind="working_group"),
                name="body_one_of_each_standing_kind",
            ),
            models.CheckConstraint(
                condition=models.Q(quorum_percent__lte=100), name="body_quorum_at_most_100"
            ),
        ]


class SeatRole(models.TextChoices):
    CHAIR = "chair", _("chair")
    MEMBER = "member", _("member")
    SECRETARY = "secretary", _("secretary")
    DELEGATE = "delegate", _("delegate")


# The secretary keeps the minutes and does not vote; the other roles vote and count for quorum.
VOTING_ROLES = (SeatRole.CHAIR, SeatRole.MEMBER, SeatRole.DELEGATE)


class SeatQuerySet(models.QuerySet):
    def at(self, day: dt.date) -> "SeatQuerySet":
        """Seats held on ``day`` (both ends of the period included)."""
        return self.filter(valid_from__lte=day).filter(
            models.Q(valid_until__isnull=True) | models.Q(valid_until__gte=day)
        )


class Seat(models.Model):
    """A person holding a seat in a body for an organisation, in a role, for a period."""

    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="seats")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="seats")
    person = models.ForeignKey(
        "identity.Person", on_delete=models.PROTECT, related_name="governance_seats"
    )
    role = models.CharField(_("role"), max_length=20, choices=SeatRole.choices)
    valid_from = models.DateField(_("from"))
    valid_until = models.DateField(_("until"), null=True, blank=True)
    designated_by = models.ForeignKey(
        "governance.Decision",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="designated_seats",
        verbose_name=_("designated by decision"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SeatQuerySet.as_manager()

    class Meta:
        verbose_name = _("seat")
        verbose_name_plural = _("seats")
        ordering = ["body", "role", "valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_until__isnull=True)
                | models.Q(valid_until__gte=models.F("valid_from")),
                name="seat_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} — {self.get_role_display()}, {self.body} ({self.organisation})"


# --- Meetings -------------------------------------------------------------------------------------


class Meeting(models.Model):
    """A meeting of a body, recorded by its secretary."""

    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="meetings")
    date = models.DateField(_("date"))
    title = models.CharField(_("title"), max_length=200)
    recorded_by = models.ForeignKey("identity.Person", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"{self.body} — {self.date:%Y-%m-%d}"


class AgendaItem(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda_items")
    position = models.PositiveSmallIntegerField(_("position"))
    title = models.CharField(_("title"), max_length=300)

    class Meta:
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        ordering = ["meeting", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "position"], name="agendaitem_position_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.title}"


class Attendance(models.Model):
    """A seat (held at the meeting's date) present at a meeting."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendances")
    seat = models.ForeignKey(Seat, on_delete=models.PROTECT, related_name="attendances")

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendances")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "seat"], name="attendance_unique")
        ]

    def __str__(self) -> str:
        return f"{self.seat} @ {self.meeting}"


# --- Applications and strategic plans -------------------------------------------------------------


class ApplicationTarget(models.TextChoices):
    MEMBERSHIP = "membership", _("membership of the framework")
    STRATEGIC_USER_COMMITTEE = "strategic_user_committee", _("Strategic User Committee")


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("submitted")
    REPORTED = "reported", _("reported on")
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("rejected")


class Application(models.Model):
    """A government service (or, for the Strategic User Committee, a party using CSAM services)
    applies; the Operational Management Group reports; the Management Committee decides."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="applications"
    )
    target = models.CharField(_("applies for"), max_length=30, choices=ApplicationTarget.choices)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.SUBMITTED,
    )
    motivation = models.TextField(_("motivation"))
    representative = models.ForeignKey(
        "identity.Person",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("representative"),
        help_text=_("The person who speaks for the organisation in the framework."),
    )
    submitted_at = models.DateTimeField(auto_now_add=True)
    report = models.TextField(_("report of the Operational Management Group"), blank=True)
    reported_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-submitted_at", "-id"]

    def __str__(self) -> str:
        return f"{self.organisation} — {self.get_target_display()}"


class StrategicPlan(models.Model):
    title = models.CharField(_("title"), max_length=200)
    drafted_by = models.ForeignKey(
        Body, on_delete=models.PROTECT, related_name="strategic_plans", verbose_name=_("drafted by")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("strategic plan")
        verbose_name_plural = _("strategic plans")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class StrategicPlanVersion(models.Model):
    """One version of a plan; versions are never changed, a revision is a new version."""

    plan = models.ForeignKey(StrategicPlan, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveSmallIntegerField(_("version"))
    text = models.TextField(_("text"))
    drafted_by = models.ForeignKey("identity.Person", on_delete=models.PROTECT, related_name="+")
    drafted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("strategic plan version")
        verbose_name_plural = _("strategic plan versions")
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="planversion_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.plan} v{self.number}"


# --- Decisions ------------------------------------------------------------------------------------


class DecisionType(models.TextChoices):
    MEMBER_APPROVAL = "member_approval", _("approval of a new member")
    OMG_CHAIR_DESIGNATION = (
        "omg_chair_designation",
        _("designation of a chairperson of the Operational Management Group"),
    )
    OMG_MEMBER_DESIGNATION = (
        "omg_member_designation",
        _("designation of a member of the Operational Management Group"),
    )
    PLAN_APPROVAL = "plan_approval", _("approval of a strategic plan")
    LEGAL_COMPLIANCE = "legal_compliance", _("legal and compliance follow-up")
    RISK_SECURITY = "risk_security", _("risk and information security follow-up")
    OTHER = "other", _("other")


class DecisionOutcome(models.TextChoices):
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("rejected")
    DEFERRED = "deferred", _("deferred")


class Decision(models.Model):
    """A decision taken at a meeting and recorded by the body's secretary.

    Immutable once recorded: nothing updates or deletes it. A correction is a new decision whose
    ``supersedes`` points to the one it corrects (at most one correction per decision).
    """

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="decisions")
    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="decisions")
    type = models.CharField(_("type"), max_length=30, choices=DecisionType.choices)
    outcome = models.CharField(_("outcome"), max_length=20, choices=DecisionOutcome.choices)
    votes_for = models.PositiveSmallIntegerField(_("votes for"), default=0)
    votes_against = models.PositiveSmallIntegerField(_("votes against"), default=0)
    votes_abstaining = models.PositiveSmallIntegerField(_("abstentions"), default=0)
    rationale = models.TextField(_("rationale"))
    application = models.ForeignKey(
        Application, null=True, blank=True, on_delete=models.PROTECT, related_name="decisions"
    )
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="decisions"
    )
    person = models.ForeignKey(
        "identity.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    plan_version = models.ForeignKey(
        StrategicPlanVersion,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="decisions",
    )
    supersedes = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="superseded_by",
        verbose_name=_("supersedes"),
    )
    recorded_by = models.ForeignKey("identity.Person", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["-meeting__date", "-id"]
        indexes = [models.Index(fields=["body", "type"])]

    def __str__(self) -> str:
        return f"{self.body} — {self.get_type_display()} ({self.get_outcome_display()})"
