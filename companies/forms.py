"""Forms of the access manager pages. They parse and check the shape of input only; the rules
(who may grant what, periods, duplicates) belong to the services, whose errors the views put back
on these forms."""

from collections.abc import Iterable
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from companies.models import AccessManagerKind, Domain, Role, Service
from companies.services.imports import MAX_IMPORT_BYTES
from identity.numbers import parse_national_number


class NationalNumberField(forms.CharField):
    """A national register number typed by a person; separators allowed, cleaned to digits.

    The same as ``identity.forms.NationalNumberField``, which other apps may not import (forms
    are not a public module): both rest on the public ``identity.numbers``.
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("label", _("National register number"))
        super().__init__(**kwargs)

    def clean(self, value: Any) -> str:
        value = super().clean(value)
        if not value and not self.required:
            return ""
        return parse_national_number(value).digits


class CollaboratorFilterForm(forms.Form):
    """The GET filters of the collaborators list and the access matrix."""

    q = forms.CharField(
        label=_("Name or national register number"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    service = forms.ChoiceField(label=_("Service"), required=False)
    domain = forms.ChoiceField(label=_("Domain"), required=False)
    include_ended = forms.BooleanField(label=_("Include ended roles"), required=False)

    def __init__(
        self, *args: Any, domains: Iterable[Domain], with_ended: bool = True, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        domains = list(domains)
        # Services grouped under their domain; each domain carries its active services.
        self.fields["service"].choices = [("", _("All services"))] + [
            (domain.name, [(s.code, s.name) for s in domain.services.all()])
            for domain in domains
            if domain.services.all()
        ]
        self.fields["domain"].choices = [("", _("All domains"))] + [
            (d.code, d.name) for d in domains
        ]
        if not with_ended:
            del self.fields["include_ended"]

    def filters(self) -> dict[str, Any]:
        """The valid filters, with an empty value for any field that did not validate."""
        self.is_valid()  # leaves the fields that did validate in cleaned_data
        data = self.cleaned_data
        return {
            "search": data.get("q", ""),
            "service_code": data.get("service", ""),
            "domain_code": data.get("domain", ""),
            "include_ended": bool(data.get("include_ended", False)),
        }


def _grouped_role_choices(roles: Iterable[Role]) -> list[tuple[str, Any]]:
    groups: dict[int, tuple[Service, list[tuple[int, str]]]] = {}
    for role in roles:
        _service, options = groups.setdefault(role.service_id, (role.service, []))
        options.append((role.pk, f"{role.name} ({role.code})"))
    return [("", _("Choose a role"))] + [
        (f"{service.name} — {service.domain.name}", options) for service, options in groups.values()
    ]


class GrantForm(forms.Form):
    """A new grant. The list shows only the roles the user may grant; any active role is
    accepted here so that the service (and the engine) give the reason for a refusal."""

    national_number = NationalNumberField(
        help_text=_("11 digits; dots, dashes and spaces are allowed (85.07.14-124.29)."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )
    role = forms.ModelChoiceField(
        label=_("Role"),
        queryset=Role.objects.none(),
        error_messages={"invalid_choice": _("Choose one of the roles in the list.")},
    )
    for_clients = forms.BooleanField(
        label=_("For clients"),
        required=False,
        help_text=_(
            "The collaborator uses the role for the company's clients, under their mandates. "
            "Only some roles allow it."
        ),
    )
    valid_from = forms.DateField(
        label=_("Valid from"),
        required=False,
        help_text=_("Leave empty to start today."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    valid_until = forms.DateField(
        label=_("Valid until"),
        required=False,
        help_text=_("Leave empty for no end date. The role ends at the end of this day."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(
        self,
        *args: Any,
        accepted_roles: QuerySet[Role],
        offered_roles: Iterable[Role],
        with_national_number: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        role_field = self.fields["role"]
        role_field.queryset = accepted_roles
        # Set after the queryset, which resets the widget's choices.
        role_field.widget.choices = _grouped_role_choices(offered_roles)
        if not with_national_number:
            # The collaborator was chosen from the list (the page names them); their number
            # stays on the server instead of travelling through the page.
            del self.fields["national_number"]


class DesignationForm(forms.Form):
    """A new access manager designation (the service checks who may designate which kind)."""

    national_number = NationalNumberField(
        help_text=_("11 digits; dots, dashes and spaces are allowed (85.07.14-124.29)."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )
    kind = forms.ChoiceField(label=_("Kind of access manager"))
    domain = forms.ModelChoiceField(
        label=_("Domain"),
        required=False,
        queryset=Domain.objects.none(),
        help_text=_("For an access manager of a domain only."),
        error_messages={"invalid_choice": _("Choose one of the domains in the list.")},
    )

    def __init__(
        self,
        *args: Any,
        offered_kinds: Iterable[str],
        accepted_domains: QuerySet[Domain],
        offered_domains: Iterable[Domain],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        # Every kind is accepted, so the service (and the engine) give the reason for a refusal;
        # the list offers the kinds this user may designate.
        kind_field = self.fields["kind"]
        kind_field.choices = AccessManagerKind.choices
        kind_field.widget.choices = [
            (kind, capfirst(AccessManagerKind(kind).label)) for kind in offered_kinds
        ]
        domain_field = self.fields["domain"]
        domain_field.queryset = accepted_domains
        domain_field.widget.choices = [("", _("No domain (main or co-main access manager)"))] + [
            (d.pk, d.name) for d in offered_domains
        ]


class ConfirmForm(forms.Form):
    """The explicit confirmation a destructive act needs (the confirm button sends it)."""

    confirm = forms.ChoiceField(
        choices=[("yes", "yes")],
        error_messages={"required": _("Confirm with the button on the confirmation page.")},
    )


def _too_large_message() -> str:
    return gettext("The file is too large (at most %(size)d KiB).") % {
        "size": MAX_IMPORT_BYTES // 1024
    }


class GrantImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        widget=forms.FileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = gettext(
            "UTF-8 text, commas or semicolons between cells, at most %(size)d KiB."
        ) % {"size": MAX_IMPORT_BYTES // 1024}

    def clean_file(self) -> bytes:
        """The file's content; refused, unread, when larger than the import accepts."""
        upload: UploadedFile = self.cleaned_data["file"]
        if upload.size is not None and upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(_too_large_message())
        content = upload.read(MAX_IMPORT_BYTES + 1)
        if len(content) > MAX_IMPORT_BYTES:
            raise forms.ValidationError(_too_large_message())
        return content


class GrantImportApplyForm(forms.Form):
    token = forms.CharField(max_length=100, widget=forms.HiddenInput)
