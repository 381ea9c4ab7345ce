from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest

from governance.models import (
    Application,
    Body,
    Decision,
    Meeting,
    Organisation,
    Seat,
    StrategicPlan,
    StrategicPlanVersion,
)


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["code", "name_en", "kind", "is_sponsor", "is_member", "member_since"]
    list_filter = ["kind", "is_sponsor", "is_member"]
    search_fields = ["code", "name_en", "name_fr", "name_nl", "name_de"]


@admin.register(Body)
class BodyAdmin(admin.ModelAdmin):
    list_display = ["code", "name_en", "kind", "quorum_percent"]
    list_filter = ["kind"]


@admin.register(Seat)
class SeatAdmin(admin.ModelAdmin):
    """Staff seat people through `seat_create`, so the composition rules hold here too."""

    list_display = ["person", "role", "body", "organisation", "valid_from", "valid_until"]
    list_filter = ["body", "role"]
    raw_id_fields = ["person", "designated_by"]
    search_fields = ["person__surname", "organisation__code"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form_class = super().get_form(request, obj, change=change, **kwargs)
        actor_label = f"admin {request.user.get_username()}"

        class SeatForm(form_class):  # type: ignore[misc, valid-type]
            def clean(self) -> dict[str, Any]:
                cleaned = super().clean()
                if self.errors:
                    return cleaned
                # Run the composition rules now, in a transaction rolled back at once, so a
                # refused seat is a form error instead of a failed save.
                try:
                    with transaction.atomic():
                        _seat_create(actor_label, cleaned)
                        raise _DryRun
                except _DryRun:
                    pass
                except ValidationError as exc:
                    raise forms.ValidationError(exc.messages) from None
                return cleaned

        return SeatForm

    def save_model(self, request: HttpRequest, obj: Seat, form: Any, change: bool) -> None:
        created = _seat_create(f"admin {request.user.get_username()}", form.cleaned_data)
        obj.pk = created.pk


class _DryRun(Exception):
    pass


def _seat_create(actor_label: str, data: dict[str, Any]) -> Seat:
    from csam.authz.context import SystemActor
    from governance.services import seat_create

    return seat_create(
        actor=SystemActor(label=actor_label),
        body=data["body"],
        organisation=data["organisation"],
        person=data["person"],
        role=data["role"],
        valid_from=data["valid_from"],
        valid_until=data.get("valid_until"),
        designated_by=data.get("designated_by"),
    )


class _ReadOnlyAdmin(admin.ModelAdmin):
    """Recorded through the pages (and their services) only: here, read-only."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Meeting)
class MeetingAdmin(_ReadOnlyAdmin):
    list_display = ["body", "date", "title"]
    list_filter = ["body"]


@admin.register(Decision)
class DecisionAdmin(_ReadOnlyAdmin):
    """A recorded decision is immutable: a correction is a new decision that supersedes it."""

    list_display = ["body", "type", "outcome", "meeting", "recorded_at"]
    list_filter = ["body", "type", "outcome"]


@admin.register(Application)
class ApplicationAdmin(_ReadOnlyAdmin):
    list_display = ["organisation", "target", "status", "submitted_at"]
    list_filter = ["target", "status"]


@admin.register(StrategicPlan)
class StrategicPlanAdmin(_ReadOnlyAdmin):
    list_display = ["title", "drafted_by", "created_at"]


@admin.register(StrategicPlanVersion)
class StrategicPlanVersionAdmin(_ReadOnlyAdmin):
    list_display = ["plan", "number", "drafted_at"]
