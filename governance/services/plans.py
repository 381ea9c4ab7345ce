"""Strategic plans: drafting a plan and adding its successive versions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from governance.models import Body, StrategicPlan, StrategicPlanVersion
from governance.selectors import body_drafts_plans
from governance.services._common import _audit, _require

if TYPE_CHECKING:
    from csam.authz.context import ActingContext


@transaction.atomic
def plan_create(*, actor: ActingContext, body: Body, title: str, text: str) -> StrategicPlan:
    """Start a strategic plan drafted by ``body`` (a working group or the Operational
    Management Group), with its first version. Those who sit on the body draft (engine).
    Raises `PermissionDenied` or `ValidationError`; audited."""
    if not body_drafts_plans(body=body):
        raise ValidationError(
            {
                "body": [
                    _(
                        "A strategic plan is drafted by a working group or the Operational "
                        "Management Group."
                    )
                ]
            }
        )
    _require(actor, "governance.draft_plan", body)
    errors: dict[str, list[str]] = {}
    if not title.strip():
        errors["title"] = [_("Give the plan a title.")]
    if not text.strip():
        errors["text"] = [_("Write the text of the plan.")]
    if errors:
        raise ValidationError(errors)
    plan = StrategicPlan(title=title.strip(), drafted_by=body)
    plan.full_clean()
    plan.save()
    _audit(actor, "governance.plan_created", plan, {"title": plan.title, "body": body.code})
    plan_version_add(actor=actor, plan=plan, text=text)
    return plan


@transaction.atomic
def plan_version_add(
    *, actor: ActingContext, plan: StrategicPlan, text: str
) -> StrategicPlanVersion:
    """Add the next version of ``plan``; earlier versions are kept unchanged (and so are the
    decisions taken on them: approving the new version takes a new decision). Those who sit on
    the drafting body draft (engine). Refused when the text is empty or the same as the latest
    version's. Raises `PermissionDenied`, `StepUpRequired` or `ValidationError`; audited."""
    _require(actor, "governance.draft_plan", plan.drafted_by)
    if not text.strip():
        raise ValidationError({"text": [_("Write the text of the plan.")]})
    # Lock the plan so two drafters cannot both take the next number.
    plan = StrategicPlan.objects.select_for_update().get(pk=plan.pk)
    last = plan.versions.order_by("-number").values("number", "text").first()
    if last is not None and last["text"] == text.strip():
        raise ValidationError(
            {
                "text": [
                    _(
                        "This text is the same as version %(number)s: a new version changes "
                        "something."
                    )
                    % {"number": last["number"]}
                ]
            }
        )
    version = StrategicPlanVersion(
        plan=plan,
        number=(last["number"] if last else 0) + 1,
        text=text.strip(),
        drafted_by=actor.person,
    )
    version.full_clean()
    version.save()
    _audit(
        actor,
        "governance.plan_version_added",
        version,
        {"plan_id": plan.pk, "number": version.number},
    )
    return version
