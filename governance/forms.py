"""Forms of the governance pages. They check the shape of input only; the rules belong to the
services, whose errors the views put back on these forms."""

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from governance.models import (
    Application,
    Body,
    Decision,
    DecisionOutcome,
    DecisionType,
    Organisation,
    Seat,
    StrategicPlanVersion,
)
from identity.numbers import parse_national_number

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class RegisterFilterForm(forms.Form):
    """The GET filters of the public register."""

    body = forms.ChoiceField(label=_("Body"), required=False)
    type = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("All types")), *DecisionType.choices]
    )
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        required=False,
        choices=[("", _("All outcomes")), *DecisionOutcome.choices],
    )
    date_from = forms.DateField(label=_("From"), required=False, widget=DATE)
    date_until = forms.DateField(label=_("Until"), required=False, widget=DATE)

    def __init__(self, *args: Any, bodies: Iterable[Body], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.bodies = {b.code: b for b in bodies}
        self.fields["body"].choices = [("", _("All bodies"))] + [
            (b.code, b.name) for b in self.bodies.values()
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_until")
        if start and end and end < start:
            self.add_error("date_until", _("The end date cannot be before the start date."))
        return data

    def filters(self) -> dict[str, Any]:
        """The selector's filters; none when the form is invalid (its errors are shown)."""
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "body": self.bodies.get(data["body"]),
            "type": data["type"],
            "outcome": data["outcome"],
            "date_from": data["date_from"],
            "date_until": data["date_until"],
        }


class MeetingForm(forms.Form):
    date = forms.DateField(label=_("Date of the meeting"), widget=DATE)
    title = forms.CharField(label=_("Title"), max_length=200)
    agenda = forms.CharField(
        label=_("Agenda"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("One item a line."),
    )
    attendance = forms.MultipleChoiceField(
        label=_("Present"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, seats: Iterable[Seat], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["attendance"].choices = [
            (str(s.pk), f"{s.person} — {s.get_role_display()}, {s.organisation.name}")
            for s in seats
        ]

    def agenda_items(self) -> list[str]:
        return self.cleaned_data["agenda"].splitlines()

    def present_seat_ids(self) -> list[int]:
        return [int(i) for i in self.cleaned_data["attendance"]]


class NationalNumberField(forms.CharField):
    """A national register number, cleaned to digits (identity.forms is not a public module)."""

    def clean(self, value: Any) -> str:
        value = super().clean(value)
        if not value:
            return ""
        return parse_national_number(value).digits


class DecisionForm(forms.Form):
    type = forms.ChoiceField(label=_("Type of decision"), choices=DecisionType.choices)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=DecisionOutcome.choices)
    votes_for = forms.IntegerField(label=_("Votes for"), min_value=0, initial=0)
    votes_against = forms.IntegerField(label=_("Votes against"), min_value=0, initial=0)
    votes_abstaining = forms.IntegerField(label=_("Abstentions"), min_value=0, initial=0)
    rationale = forms.CharField(label=_("Rationale"), widget=forms.Textarea(attrs={"rows": 4}))
    application = forms.ModelChoiceField(
        label=_("Application decided on"),
        required=False,
        queryset=Application.objects.none(),
        help_text=_("For the approval of a new member."),
    )
    organisation = forms.ModelChoiceField(
        label=_("Organisation of the person designated"),
        required=False,
        queryset=Organisation.objects.none(),
        to_field_name="code",
    )
    national_number = NationalNumberField(
        label=_("National register number of the person designated"),
        required=False,
        max_length=20,
    )
    plan_version = forms.ModelChoiceField(
        label=_("Strategic plan version"),
        required=False,
        queryset=StrategicPlanVersion.objects.none(),
    )
    supersedes = forms.ModelChoiceField(
        label=_("Corrects (supersedes) decision"),
        required=False,
        queryset=Decision.objects.none(),
        help_text=_("Only to correct an earlier decision, which stays in the register."),
    )
    confirm = forms.BooleanField(
        label=_(
            "I confirm this decision was taken as entered. Once recorded it cannot be changed."
        ),
        error_messages={"required": _("Confirm the decision before recording it.")},
    )

    def __init__(
        self,
        *args: Any,
        applications: Any,
        organisations: Any,
        plan_versions: Any,
        correctable: Any,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["application"].queryset = applications
        self.fields["organisation"].queryset = organisations
        self.fields["plan_version"].queryset = plan_versions
        self.fields["supersedes"].queryset = correctable


class ServiceForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=50)
    domain = forms.ChoiceField(label=_("Domain"))
    name_en = forms.CharField(label=_("Name (English)"), max_length=200)
    name_fr = forms.CharField(label=_("Name (French)"), max_length=200, required=False)
    name_nl = forms.CharField(label=_("Name (Dutch)"), max_length=200, required=False)
    name_de = forms.CharField(label=_("Name (German)"), max_length=200, required=False)

    def __init__(self, *args: Any, domains: Iterable[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.domains = {d.code: d for d in domains}
        self.fields["domain"].choices = [("", _("Choose a domain"))] + [
            (code, d.name) for code, d in self.domains.items()
        ]
