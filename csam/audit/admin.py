from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils.translation import gettext_lazy as _

from csam.audit.exports import ExportFormat, export_lines
from csam.audit.forms import AuditExportForm
from csam.audit.models import AuditEvent, OutboxMessage
from csam.audit.selectors import audit_event_list_for_period
from csam.audit.services import audit_record


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["at", "action", "outcome", "actor_label", "acting_for", "tenant_id"]
    list_filter = ["outcome", "action"]
    search_fields = ["action", "actor_label", "acting_for", "object_id"]
    date_hierarchy = "at"
    change_list_template = "admin/audit/auditevent/change_list.html"

    # The log is append-only: staff read it, nobody edits or deletes it here.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def get_urls(self) -> list[URLPattern]:
        export = path(
            "export/",
            self.admin_site.admin_view(self.export_view),
            name="audit_auditevent_export",
        )
        return [export, *super().get_urls()]

    def export_view(self, request: HttpRequest) -> HttpResponse:
        """Staff who may read the log download a period of it, for one company or all.

        The download itself is recorded in the log (who, which period, which company, how many
        records).
        """
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = AuditExportForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            since, until = form.cleaned_data["period"]
            tenant_id = form.cleaned_data["company"]
            fmt = ExportFormat(form.cleaned_data["format"])
            events = audit_event_list_for_period(since=since, until=until, tenant_id=tenant_id)
            exported = audit_record(
                action="audit.exported",
                actor_user_id=request.user.pk,
                actor_label=request.user.get_username(),
                tenant_id=tenant_id,
                data={
                    "since": since.isoformat(),
                    "until": until.isoformat(),
                    "format": fmt.value,
                    "records": events.count(),
                    "channel": "admin",
                },
            )
            # The rows stream after this view returns: stop before the export's own record.
            events = events.filter(id__lt=exported.pk)
            response = StreamingHttpResponse(
                export_lines(events=events.iterator(chunk_size=2000), fmt=fmt),
                content_type=fmt.content_type,
            )
            company = f"-company-{tenant_id}" if tenant_id else ""
            first, last = form.cleaned_data["since"], form.cleaned_data["until"]
            filename = f"audit{company}-{first:%Y%m%d}-{last:%Y%m%d}.{fmt.value}"
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
            return response
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Export the audit log"),
            "form": form,
        }
        return TemplateResponse(request, "admin/audit/auditevent/export.html", context)


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    """Read-only: staff see what waits for the broker (``manage.py outbox_drain`` sends it)."""

    list_display = ["id", "task", "created_at", "delivered_at", "attempts"]
    list_filter = [("delivered_at", admin.EmptyFieldListFilter), "task"]
    readonly_fields = ["task", "kwargs", "created_at", "delivered_at", "attempts", "last_error"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
