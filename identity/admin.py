from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from identity.models import ActivationCode, Person, User
from identity.services import activation_code_issue


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = [
        "surname",
        "given_names",
        "birth_date",
        "residence_municipality",
        "preferred_language",
    ]
    list_filter = ["preferred_language", "sex"]
    search_fields = ["national_number", "surname", "given_names"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (*DjangoUserAdmin.fieldsets, (_("Identity"), {"fields": ("person",)}))
    raw_id_fields = ["person"]
    list_display = ["username", "email", "person", "is_staff", "is_active", "last_login"]
    search_fields = ["username", "email", "person__surname", "person__national_number"]
    actions = ["issue_activation_code"]

    @admin.action(description=_("Issue an activation code for an authenticator app"))
    def issue_activation_code(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset:
            code = activation_code_issue(user=user, actor_label=request.user.get_username())
            # Shown once, here: only its hash is kept.
            self.message_user(
                request,
                _("Activation code for %(user)s: %(code)s (valid 30 days, single use)")
                % {"user": user, "code": code},
                messages.WARNING,
            )


@admin.register(ActivationCode)
class ActivationCodeAdmin(admin.ModelAdmin):
    list_display = ["user", "issued_at", "expires_at", "used_at"]
    readonly_fields = ["user", "code_hash", "issued_at", "expires_at", "used_at"]
    search_fields = ["user__username"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
