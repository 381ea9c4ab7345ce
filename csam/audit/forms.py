"""The staff form that exports the audit log."""

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from csam.audit.exports import ExportFormat, period_bounds


class AuditExportForm(forms.Form):
    since = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(
        label=_("Until (included)"), widget=forms.DateInput(attrs={"type": "date"})
    )
    company = forms.CharField(
        label=_("Company (enterprise number)"),
        required=False,
        help_text=_("Leave empty for every company."),
    )
    format = forms.ChoiceField(
        label=_("Format"),
        choices=[(ExportFormat.CSV.value, _("CSV")), (ExportFormat.JSONL.value, _("JSON lines"))],
    )

    def clean_company(self) -> int | None:
        """The company's id, from its enterprise number."""
        number = self.cleaned_data["company"].strip()
        if not number:
            return None
        # The companies app sits above the audit log: look it up at call time.
        from companies.numbers import parse_enterprise_number
        from companies.selectors import company_get_by_number

        company = company_get_by_number(enterprise_number=parse_enterprise_number(number))
        if company is None:
            raise ValidationError(_("No company has this enterprise number."), code="unknown")
        return company.pk

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        since: dt.date | None = data.get("since")
        until: dt.date | None = data.get("until")
        if since and until:
            try:
                data["period"] = period_bounds(since, until)
            except ValueError:
                self.add_error("until", _("The period ends before it starts."))
        return data
