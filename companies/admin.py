import secrets
from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from companies.models import (
    AccessManager,
    Company,
    Domain,
    Grant,
    LegalRepresentative,
    Role,
    Service,
    ServiceClient,
)
from companies.services import catalogue_changed, rights_changed, service_client_issue_key
from companies.services.catalogue import non_member_message
from governance.selectors import organisation_may_register_services


class LegalRepresentativeInline(admin.TabularInline):
    model = LegalRepresentative
    extra = 0
    raw_id_fields = ["person"]


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ["name", "enterprise_number", "legal_form", "status"]
    list_filter = ["status", "legal_form"]
    search_fields = ["name", "enterprise_number"]
    inlines = [LegalRepresentativeInline]

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        # A stopped company, or a representative added or ended here, changes decisions.
        company = form.instance
        people = [rep.person.national_number for rep in company.legal_representatives.all()]
        rights_changed(person_numbers=people, company_numbers=[company.enterprise_number])


class CatalogueAdminMixin:
    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)  # type: ignore[misc]
        catalogue_changed()

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)  # type: ignore[misc]
        catalogue_changed()


@admin.register(Domain)
class DomainAdmin(admin.ModelAdmin):
    list_display = ["code", "name_en"]
    search_fields = ["code", "name_en", "name_fr", "name_nl", "name_de"]


class RoleInline(admin.TabularInline):
    model = Role
    extra = 0


@admin.register(Service)
class ServiceAdmin(CatalogueAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name_en", "domain", "owner", "is_active"]
    list_filter = ["domain", "owner", "is_active"]
    search_fields = ["code", "name_en", "name_fr", "name_nl", "name_de"]
    inlines = [RoleInline]

    def get_form(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, **kwargs)

        class MembersOnlyForm(form):  # type: ignore[misc, valid-type]
            def clean(self) -> dict[str, Any]:
                data = super().clean()
                owner = data.get("owner")
                # The catalogue refuses a non-member's service, here as in service_register.
                if owner is not None and not organisation_may_register_services(owner):
                    self.add_error("owner", non_member_message(owner))
                return data

        return MembersOnlyForm


@admin.register(Grant)
class GrantAdmin(admin.ModelAdmin):
    list_display = [
        "person",
        "role",
        "company",
        "for_clients",
        "valid_from",
        "valid_until",
        "ended_at",
    ]
    list_filter = ["for_clients", "role__service"]
    search_fields = ["company__name", "company__enterprise_number", "person__surname"]
    raw_id_fields = ["person", "company", "granted_by", "ended_by"]


@admin.register(AccessManager)
class AccessManagerAdmin(admin.ModelAdmin):
    list_display = ["person", "kind", "domain", "company", "valid_from", "valid_until", "ended_at"]
    list_filter = ["kind", "domain"]
    search_fields = ["company__name", "company__enterprise_number", "person__surname"]
    raw_id_fields = ["person", "company", "designated_by"]


@admin.register(ServiceClient)
class ServiceClientAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "key_prefix", "is_active", "last_used_at"]
    list_filter = ["is_active", "organisation"]
    search_fields = ["name", "key_prefix"]
    filter_horizontal = ["services"]
    readonly_fields = ["key_prefix", "last_used_at"]

    def save_model(
        self, request: HttpRequest, obj: ServiceClient, form: object, change: bool
    ) -> None:
        if not change:
            obj.key_prefix = "pending-" + secrets.token_hex(4)
            obj.key_hash = "!"
        super().save_model(request, obj, form, change)
        if not change:
            key = service_client_issue_key(client=obj, actor_label=request.user.get_username())
            # Shown once, here: only its hash is kept.
            self.message_user(
                request,
                _("API key for %(client)s (copy it now, it is not shown again): %(key)s")
                % {"client": obj, "key": key},
                messages.WARNING,
            )


@admin.register(LegalRepresentative)
class LegalRepresentativeAdmin(admin.ModelAdmin):
    list_display = ["person", "function", "company", "valid_from", "valid_until", "ended_at"]
    list_filter = ["function", "end_reason"]
    search_fields = ["company__name", "company__enterprise_number", "person__surname"]
    raw_id_fields = ["person", "company"]


@admin.register(Role)
class RoleAdmin(CatalogueAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name_en", "service", "min_assurance", "for_clients_allowed"]
    list_filter = ["min_assurance", "for_clients_allowed", "service__domain"]
    search_fields = ["code", "name_en", "name_fr", "name_nl", "name_de", "service__code"]
