"""Member organisations (government services). Bodies, seats, meetings and decisions follow."""

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
