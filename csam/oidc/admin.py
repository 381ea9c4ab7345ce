"""Staff register each OpenID Connect client in the admin, tied to its catalogue service.

The client secret is shown in the form until it is saved; only its hash is kept.
"""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from oauth2_provider.admin import ApplicationAdmin

from csam.audit.services import audit_record
from csam.oidc.models import ServiceApplication, TokenBasis

if admin.site.is_registered(ServiceApplication):
    admin.site.unregister(ServiceApplication)


@admin.register(ServiceApplication)
class ServiceApplicationAdmin(ApplicationAdmin):
    list_display = ("name", "client_id", "service", "allowed_scopes", "min_assurance", "is_active")
    list_filter = ("is_active", "min_assurance", "service")
    search_fields = ("name", "client_id", "service__code")
    raw_id_fields = ("user",)
    autocomplete_fields = ()
    fieldsets = (
        (None, {"fields": ("name", "service", "is_active")}),
        (
            "OpenID Connect",
            {
                "fields": (
                    "client_id",
                    "client_secret",
                    "hash_client_secret",
                    "client_type",
                    "authorization_grant_type",
                    "algorithm",
                    "redirect_uris",
                    "post_logout_redirect_uris",
                    "allowed_scopes",
                    "min_assurance",
                    "skip_authorization",
                )
            },
        ),
        ("", {"fields": ("user", "allowed_origins", "registration_source")}),
    )

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        audit_record(
            action="oidc.client_changed" if change else "oidc.client_registered",
            actor_user_id=request.user.pk,
            actor_label=request.user.get_username(),
            object_type="oidc_client",
            object_id=obj.client_id,
            data={
                "service": obj.service.code,
                "allowed_scopes": obj.allowed_scopes,
                "changed": list(form.changed_data),
            },
        )


@admin.register(TokenBasis)
class TokenBasisAdmin(admin.ModelAdmin):
    """Read-only: what each token rested on (for support and audits)."""

    list_display = ("id", "application", "user", "level", "company", "mandate", "created_at")
    list_filter = ("level",)
    raw_id_fields = (
        "application",
        "grant",
        "access_token",
        "user",
        "person",
        "company",
        "mandate",
        "represented_person",
        "exchanged_from",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
