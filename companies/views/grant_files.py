"""Grants in bulk, as CSV files: the import (checked first, then applied) and the export of
all the company's grants."""

from __future__ import annotations

import base64
import binascii
import csv
import secrets
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from companies import selectors
from companies.forms import GrantImportApplyForm, GrantImportUploadForm
from companies.services import GrantImportResult, grants_import_csv
from companies.services.imports import MAX_IMPORT_BYTES, OPTIONAL_COLUMNS, REQUIRED_COLUMNS
from companies.views._common import CompanyPageView
from identity.assurance import AssuranceLevel
from identity.numbers import mask_national_number

# The checked CSV file waiting for "apply", kept in the session so it is not uploaded twice.
IMPORT_SESSION_KEY = "csam_grant_import"


def _import_context(**extra: Any) -> dict[str, Any]:
    return {
        "required_columns": REQUIRED_COLUMNS,
        "optional_columns": OPTIONAL_COLUMNS,
        "max_kib": MAX_IMPORT_BYTES // 1024,
        **extra,
    }


def _preview_rows(result: GrantImportResult) -> list[dict[str, Any]]:
    return [
        {
            "line": row.line,
            "number": mask_national_number(row.values.get("national_number", "")),
            "values": row.values,
            "errors": row.errors,
        }
        for row in result.rows
    ]


class GrantImportView(CompanyPageView):
    """Upload a CSV file of grants: every row is checked (nothing written) and listed. A file
    without errors is kept in the session, under a random token, for "apply"."""

    required_assurance = AssuranceLevel.HIGH
    template_name = "companies/import.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, self.template_name, _import_context(form=GrantImportUploadForm()))

    def post(self, request: HttpRequest) -> HttpResponse:
        form = GrantImportUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return render(request, self.template_name, _import_context(form=form), status=400)
        content: bytes = form.cleaned_data["file"]
        result = grants_import_csv(
            actor=self.acting, tenant=self.tenant, content=content, dry_run=True
        )
        request.session.pop(IMPORT_SESSION_KEY, None)
        apply_form = None
        if result.ok:
            token = secrets.token_urlsafe(32)
            request.session[IMPORT_SESSION_KEY] = {
                "token": token,
                "company_id": self.tenant.pk,
                "content": base64.b64encode(content).decode("ascii"),
            }
            apply_form = GrantImportApplyForm(initial={"token": token})
        return render(
            request,
            self.template_name,
            _import_context(
                form=GrantImportUploadForm(),
                result=result,
                rows=_preview_rows(result),
                apply_form=apply_form,
            ),
            status=200 if result.ok else 400,
        )


class GrantImportApplyView(CompanyPageView):
    """Apply the checked file kept in the session: all rows in one transaction, or none."""

    required_assurance = AssuranceLevel.HIGH

    def _stored_content(self, request: HttpRequest) -> bytes | None:
        form = GrantImportApplyForm(request.POST)
        stored = request.session.pop(IMPORT_SESSION_KEY, None)
        if not form.is_valid() or not isinstance(stored, dict):
            return None
        # The token proves the file is the one this page showed; the company, that the user
        # still acts for the company it was checked for.
        if not secrets.compare_digest(str(stored.get("token", "")), form.cleaned_data["token"]):
            return None
        if stored.get("company_id") != self.tenant.pk:
            return None
        try:
            content = base64.b64decode(str(stored.get("content", "")), validate=True)
        except (binascii.Error, ValueError):
            return None
        return content if len(content) <= MAX_IMPORT_BYTES else None

    def get(self, request: HttpRequest) -> HttpResponse:
        return HttpResponseRedirect(reverse("companies:import"))

    def post(self, request: HttpRequest) -> HttpResponse:
        content = self._stored_content(request)
        if content is None:
            messages.error(
                request,
                _(
                    "This import is no longer available (applied already, or replaced). Upload "
                    "the file again."
                ),
            )
            return HttpResponseRedirect(reverse("companies:import"))
        result = grants_import_csv(
            actor=self.acting, tenant=self.tenant, content=content, dry_run=False
        )
        if not result.ok:
            return render(
                request,
                "companies/import.html",
                _import_context(
                    form=GrantImportUploadForm(), result=result, rows=_preview_rows(result)
                ),
                status=400,
            )
        messages.success(
            request,
            ngettext(
                "%(count)d role was granted from the file.",
                "%(count)d roles were granted from the file.",
                result.applied,
            )
            % {"count": result.applied},
        )
        return HttpResponseRedirect(reverse("companies:collaborators"))


class GrantExportView(CompanyPageView):
    """Every grant of the company (with its status) as a CSV download."""

    def get(self, request: HttpRequest) -> HttpResponse:
        filename = f"grants-{self.tenant.enterprise_number}-{timezone.localdate():%Y-%m-%d}.csv"
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        # A byte-order mark, so spreadsheet programs read the accents right.
        response.write("\ufeff")
        csv.writer(response).writerows(selectors.grants_export_rows(tenant=self.tenant))
        return response
