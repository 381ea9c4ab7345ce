"""Natural persons and their accounts."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from identity.numbers import mask_national_number, validate_national_number


class Language(models.TextChoices):
    EN = "en", "English"
    FR = "fr", "Français"
    NL = "nl", "Nederlands"
    DE = "de", "Deutsch"


class Sex(models.TextChoices):
    MALE = "M", _("male")
    FEMALE = "F", _("female")
    UNKNOWN = "", _("unknown")


class Person(models.Model):
    """A natural person, known by national register number, with or without an account.

    Collaborators and mandataries are named by their number before they ever log in, so a person
    exists independently of an account; the account links to it at first log-in.
    """

    national_number = models.CharField(
        _("national register number"),
        max_length=11,
        unique=True,
        validators=[validate_national_number],
    )
    given_names = models.CharField(_("given names"), max_length=200, blank=True)
    surname = models.CharField(_("surname"), max_length=200, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, blank=True)
    residence_municipality = models.CharField(
        _("municipality of residence"), max_length=200, blank=True
    )
    preferred_language = models.CharField(
        _("preferred language"), max_length=2, choices=Language.choices, default=Language.EN
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        ordering = ["surname", "given_names", "id"]

    def __str__(self) -> str:
        return self.full_name or mask_national_number(self.national_number)

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.given_names, self.surname) if part)

    @property
    def masked_number(self) -> str:
        return mask_national_number(self.national_number)


class User(AbstractUser):
    """A log-in account. Identity facts live on `Person`, never here."""

    person = models.OneToOneField(
        Person,
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="account",
    )

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"

    def __str__(self) -> str:
        return self.username


class ActivationCode(models.Model):
    """A single-use code from a registration office that lets a person activate a one-time-code app.

    Only its hash is stored; the code is shown once, when issued.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="activation_codes")
    code_hash = models.CharField(max_length=64, unique=True)
    issued_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("activation code")
        verbose_name_plural = _("activation codes")

    def __str__(self) -> str:
        return f"{self.user} ({self.issued_at:%Y-%m-%d})"
