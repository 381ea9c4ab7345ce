"""Forms of the governance pages. They check the shape of input only; the rules belong to the
services, whose errors the views put back on these forms."""

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from governance.models import (
    Application,
    ApplicationStatus,
    ApplicationTarget,
    Body,
    Decision,
    DecisionOutcome,
    DecisionType,
    Organisation,
    OrganisationKind,
    Seat,
    StrategicPlanVersion,
)
from governance.services import NewOrganisation
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

    @staticmethod
    def initial_from(query: Any) -> dict[str, Any]:
        """Initial values when the page is opened from an application or a plan version
        (``?application=<id>`` or ``?plan_version=<id>``): the decision is on it."""
        for field, decision_type in (
            ("application", DecisionType.MEMBER_APPROVAL),
            ("plan_version", DecisionType.PLAN_APPROVAL),
        ):
            value = str(query.get(field, ""))
            if value.isdigit():
                return {field: int(value), "type": decision_type}
        return {}


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


class ApplicationListFilterForm(forms.Form):
    """The GET filters of the list of applications."""

    target = forms.ChoiceField(
        label=_("Applies for"),
        required=False,
        choices=[("", _("Anything")), *ApplicationTarget.choices],
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status")), *ApplicationStatus.choices],
    )

    def filters(self) -> dict[str, str]:
        """The selector's filters; none when the form is invalid (its errors are shown)."""
        if not self.is_valid():
            return {}
        return {"target": self.cleaned_data["target"], "status": self.cleaned_data["status"]}


class ApplicationSubmitForm(forms.Form):
    """An application as the Operational Management Group's secretary registers it: for a
    known organisation, or for a new one entered here."""

    target = forms.ChoiceField(label=_("Applies for"), choices=ApplicationTarget.choices)
    organisation = forms.ModelChoiceField(
        label=_("Organisation"),
        required=False,
        queryset=Organisation.objects.none(),
        to_field_name="code",
        empty_label=_("A new organisation (enter it below)"),
    )
    new_code = forms.SlugField(
        label=_("Code of the new organisation"),
        required=False,
        max_length=50,
        help_text=_("Lower-case letters, digits and hyphens, for example walloon-tax."),
    )
    new_name_en = forms.CharField(
        label=_("Name of the new organisation (English)"), required=False, max_length=200
    )
    new_name_fr = forms.CharField(label=_("Name (French)"), required=False, max_length=200)
    new_name_nl = forms.CharField(label=_("Name (Dutch)"), required=False, max_length=200)
    new_name_de = forms.CharField(label=_("Name (German)"), required=False, max_length=200)
    new_kind = forms.ChoiceField(
        label=_("Kind of the new organisation"),
        required=False,
        choices=[("", _("Choose a kind")), *OrganisationKind.choices],
    )
    motivation = forms.CharField(label=_("Motivation"), widget=forms.Textarea(attrs={"rows": 5}))
    national_number = NationalNumberField(
        label=_("National register number of the representative"),
        max_length=20,
        help_text=_("The person who speaks for the organisation in the framework."),
    )
    given_names = forms.CharField(
        label=_("Given names of the representative"), required=False, max_length=200
    )
    surname = forms.CharField(
        label=_("Surname of the representative"), required=False, max_length=200
    )

    NEW_FIELDS = (
        "new_code",
        "new_name_en",
        "new_name_fr",
        "new_name_nl",
        "new_name_de",
        "new_kind",
    )

    def __init__(self, *args: Any, organisations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        entered_new = any(data.get(name) for name in self.NEW_FIELDS)
        if data.get("organisation") is not None and entered_new:
            self.add_error(
                "organisation",
                _("Choose an organisation in the list or enter a new one, not both."),
            )
        elif data.get("organisation") is None and "organisation" not in self.errors:
            for name, message in (
                ("new_code", _("Give the new organisation a code.")),
                ("new_name_en", _("Give the new organisation's name in English.")),
                ("new_kind", _("Choose the kind of the new organisation.")),
            ):
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, message)
        return data

    def applicant(self) -> Organisation | NewOrganisation:
        """The organisation chosen, or the new organisation entered (for the service)."""
        data = self.cleaned_data
        if data["organisation"] is not None:
            return data["organisation"]
        return NewOrganisation(
            code=data["new_code"],
            name_en=data["new_name_en"],
            name_fr=data["new_name_fr"],
            name_nl=data["new_name_nl"],
            name_de=data["new_name_de"],
            kind=data["new_kind"],
        )


class ApplicationReportForm(forms.Form):
    report = forms.CharField(
        label=_("Report of the Operational Management Group"),
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    confirm = forms.BooleanField(
        label=_(
            "I confirm this is the report the Operational Management Group adopted. Once "
            "recorded it cannot be changed, and the application goes to the Management "
            "Committee."
        ),
        error_messages={"required": _("Confirm the report before recording it.")},
    )


class PlanCreateForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    text = forms.CharField(
        label=_("Text of the first version"), widget=forms.Textarea(attrs={"rows": 14})
    )


class PlanVersionForm(forms.Form):
    text = forms.CharField(
        label=_("Text of the new version"),
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=_("Earlier versions are kept unchanged."),
    )
