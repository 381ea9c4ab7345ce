"""Forms of the mandate pages. They parse and check the shape of input only; the rules (who may
give what to whom, periods, depth, sub-delegation) belong to the services, whose errors the
views put back on these forms."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from companies.models import Domain, Role, Service
from companies.numbers import parse_enterprise_number
from identity.numbers import parse_national_number
from mandates.models import MAX_DEPTH_LIMIT, MandateState
from mandates.services import ScopeItem

PERSON = "person"
COMPANY = "company"


class PartyForm(forms.Form):
    """Step 1 of the wizards: the other party, by national register or enterprise number."""

    kind = forms.ChoiceField(
        label=_("Who is it?"),
        choices=[(PERSON, _("A person")), (COMPANY, _("A company"))],
        widget=forms.RadioSelect,
        initial=PERSON,
        error_messages={"required": _("Choose a person or a company.")},
    )
    number = forms.CharField(
        label=_("National register number or enterprise number"),
        max_length=20,
        help_text=_(
            "A person: the 11 digits of the national register number, as 85.07.14-124.29. "
            "A company: the 10 digits of the enterprise number, as 0403.019.261."
        ),
        error_messages={"required": _("Enter the number of the person or the company.")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        kind = cleaned.get("kind")
        number = cleaned.get("number")
        if not kind or not number:
            return cleaned
        try:
            if kind == PERSON:
                cleaned["number"] = parse_national_number(number).digits
            else:
                cleaned["number"] = parse_enterprise_number(number)
        except ValidationError as exc:
            self.add_error("number", exc.messages)
        return cleaned


def _option_value(item: Domain | Service | Role) -> str:
    if isinstance(item, Role):
        return f"role:{item.service.code}/{item.code}"
    if isinstance(item, Service):
        return f"service:{item.code}"
    return f"domain:{item.code}"


@dataclass(frozen=True)
class ScopeOption:
    """One checkbox of the scope step: a domain, a service or a role."""

    value: str
    item: ScopeItem
    label: str


@dataclass(frozen=True)
class ServiceGroup:
    option: ScopeOption | None  # None: only some of its roles may be chosen here
    name: str
    roles: tuple[ScopeOption, ...]


@dataclass(frozen=True)
class DomainGroup:
    option: ScopeOption | None  # None: only part of the domain may be chosen here
    name: str
    code: str
    services: tuple[ServiceGroup, ...]


def scope_catalogue(
    *,
    domains: Iterable[Domain],
    roles: Iterable[Role],
    within: list[Any] | None = None,
) -> tuple[DomainGroup, ...]:
    """The catalogue as checkboxes grouped by domain, then service. ``domains`` carry their
    active services (``catalogue_domains_with_services``); ``roles`` have their service loaded.
    ``within``: a parent mandate's scope, to offer only what a sub-delegation may cover."""
    roles_by_service: dict[int, list[Role]] = {}
    for role in roles:
        roles_by_service.setdefault(role.service_id, []).append(role)

    def option(item: Domain | Service | Role, scope_item: ScopeItem) -> ScopeOption | None:
        if within is not None and not scope_item.within(within):
            return None
        return ScopeOption(value=_option_value(item), item=scope_item, label=item.name)

    groups = []
    for domain in domains:
        services = []
        for service in domain.services.all():
            role_options = tuple(
                o
                for o in (
                    option(role, ScopeItem(role=role))
                    for role in roles_by_service.get(service.pk, [])
                )
                if o is not None
            )
            service_option = option(service, ScopeItem(service=service))
            if service_option is not None or role_options:
                services.append(
                    ServiceGroup(option=service_option, name=service.name, roles=role_options)
                )
        domain_option = option(domain, ScopeItem(domain=domain))
        if domain_option is not None or services:
            groups.append(
                DomainGroup(
                    option=domain_option,
                    name=domain.name,
                    code=domain.code,
                    services=tuple(services),
                )
            )
    return tuple(groups)


def _options(catalogue: Iterable[DomainGroup]) -> list[ScopeOption]:
    found: list[ScopeOption] = []
    for domain in catalogue:
        if domain.option is not None:
            found.append(domain.option)
        for service in domain.services:
            if service.option is not None:
                found.append(service.option)
            found += service.roles
    return found


class ScopeForm(forms.Form):
    """Step 2 of the wizards: what the mandate covers, when, and whether it may be passed on."""

    scope = forms.MultipleChoiceField(
        label=_("What may be done on your behalf"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Choose at least one domain, service or role."),
            "invalid_choice": _("Choose from the catalogue shown: %(value)s is not in it."),
        },
    )
    valid_from = forms.DateField(
        label=_("From"),
        help_text=_("The first day of the mandate. Today at the earliest."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": _("Enter the first day of the mandate."),
            "invalid": _("Enter a date, as 2025-12-31."),
        },
    )
    valid_until = forms.DateField(
        label=_("Until"),
        required=False,
        help_text=_("The last day of the mandate. Leave empty for no end date."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Enter a date, as 2025-12-31.")},
    )
    allows_subdelegation = forms.BooleanField(
        label=_("May be sub-delegated"),
        required=False,
        help_text=_("The mandatary may pass this mandate, or part of it, on to someone else."),
    )
    max_depth = forms.TypedChoiceField(
        label=_("How many further links may the chain have?"),
        coerce=int,
        required=False,
        empty_value=0,
        help_text=_("Used only when the mandate may be sub-delegated."),
    )

    def __init__(
        self,
        *args: Any,
        catalogue: tuple[DomainGroup, ...],
        with_subdelegation: bool = True,
        max_depth_limit: int = MAX_DEPTH_LIMIT,
        **kwargs: Any,
    ) -> None:
        kwargs["initial"] = {
            "valid_from": timezone.localdate(),
            "max_depth": 1,
            **(kwargs.get("initial") or {}),
        }
        super().__init__(*args, **kwargs)
        self.catalogue = catalogue
        self.options = {o.value: o for o in _options(catalogue)}
        self.fields["scope"].choices = [(value, o.label) for value, o in self.options.items()]
        if not with_subdelegation or max_depth_limit < 1:
            del self.fields["allows_subdelegation"]
            del self.fields["max_depth"]
        else:
            self.fields["max_depth"].choices = [
                (str(n), str(n)) for n in range(1, max_depth_limit + 1)
            ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        valid_from = cleaned.get("valid_from")
        valid_until = cleaned.get("valid_until")
        # The service decides again at the end; saying it here keeps the error on its step.
        if valid_from is not None and valid_from < timezone.localdate():
            self.add_error("valid_from", _("A mandate cannot start in the past."))
        if valid_from is not None and valid_until is not None and valid_until < valid_from:
            self.add_error("valid_until", _("The end date cannot be before the start date."))
        if not cleaned.get("allows_subdelegation"):
            cleaned["max_depth"] = 0
        return cleaned

    @property
    def selected(self) -> set[str]:
        """The values checked now (bound data, or the initial values)."""
        value = self["scope"].value() or []
        return {str(v) for v in value}

    def scope_items(self) -> list[ScopeItem]:
        return [self.options[value].item for value in self.cleaned_data["scope"]]

    def as_session(self) -> dict[str, Any]:
        """The cleaned values as JSON for the session (checked again at the end)."""
        data = self.cleaned_data
        stored: dict[str, Any] = {
            "scope": list(data["scope"]),
            "valid_from": data["valid_from"].isoformat(),
            "valid_until": data["valid_until"].isoformat() if data.get("valid_until") else "",
        }
        if "allows_subdelegation" in self.fields:
            stored["allows_subdelegation"] = "on" if data.get("allows_subdelegation") else ""
            stored["max_depth"] = str(data.get("max_depth") or "")
        return stored


class ConfirmForm(forms.Form):
    """The explicit confirmation an act needs (the confirm button sends it)."""

    confirm = forms.ChoiceField(
        choices=[("yes", "yes")],
        error_messages={
            "required": _("Confirm with the button on the confirmation page."),
            "invalid_choice": _("Confirm with the button on the confirmation page."),
        },
    )


class MandateFilterForm(forms.Form):
    """The state filter of the lists of given and received mandates."""

    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[("", _("Any state")), *MandateState.choices],
    )
