from django.contrib import admin
from django.http import HttpRequest

from csam.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["at", "action", "outcome", "actor_label", "acting_for", "tenant_id"]
    list_filter = ["outcome", "action"]
    search_fields = ["action", "actor_label", "acting_for", "object_id"]
    date_hierarchy = "at"

    # The log is append-only: staff read it, nobody edits or deletes it here.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
