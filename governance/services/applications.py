"""Applications: an organisation applies to join the framework or the Strategic User
Committee, and the Operational Management Group reports on the application."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.models import Application, ApplicationStatus, ApplicationTarget, Organisation
from governance.selectors import organisation_is_user_committee_member
from governance.services._common import _audit, _require
from identity.models import Person

if TYPE_CHECKING:
    from csam.authz.context import ActingContext


@dataclass(frozen=True)
class NewOrganisation:
    """A government service not yet known to the framework, registered with its application."""

    code: str
    name_en: str
    kind: str
    name_fr: str = ""
    name_nl: str = ""
    name_de: str = ""


def _new_organisation(data: NewOrganisation) -> tuple[Organisation, dict[str, list[str]]]:
    """The organisation to register (not saved), and what is wrong with it."""
    organisation = Organisation(
        code=data.code.strip(),
        name_en=data.name_en.strip(),
        name_fr=data.name_fr.strip(),
        name_nl=data.name_nl.strip(),
        name_de=data.name_de.strip(),
        kind=data.kind,
        # Membership comes only from an approving Management Committee decision, and
        # sponsorship from the founding agreement (entered by the staff), never from here.
        is_member=False,
        is_sponsor=False,
    )
    errors: dict[str, list[str]] = {}
    try:
        organisation.full_clean(validate_unique=False)
    except ValidationError as exc:
        errors = {field: [str(m) for m in messages] for field, messages in exc.message_dict.items()}
    if not organisation.name_en:
        errors["name_en"] = [_("Give the organisation's name in English.")]
    if organisation.code and Organisation.objects.filter(code=organisation.code).exists():
        errors["code"] = [
            _("An organisation with this code is known already: choose it in the list instead.")
        ]
    return organisation, errors


@transaction.atomic
def application_submit(
    *,
    actor: ActingContext,
    organisation: Organisation | NewOrganisation,
    target: str,
    motivation: str,
    representative: Person,
) -> Application:
    """Register an organisation's application to join the framework or the Strategic User
    Committee, naming its representative.

    Applications reach the Operational Management Group: its secretary registers them (engine).
    ``organisation`` is a known organisation, or a `NewOrganisation` registered here together
    with its application (never as a member or a sponsor). Refused when the organisation is a
    member already (or sits on the Strategic User Committee already, for that committee), or
    has an open application for the same; a new organisation's code must be free. Raises
    `PermissionDenied`, `StepUpRequired` or `ValidationError`; audited.
    """
    _require(actor, "governance.manage_applications", None)
    if target not in ApplicationTarget.values:
        raise ValidationError({"target": [_("Choose what the organisation applies for.")]})
    errors: dict[str, list[str]] = {}
    if not motivation.strip():
        errors["motivation"] = [_("Give the motivation of the application.")]
    if isinstance(organisation, NewOrganisation):
        organisation, organisation_errors = _new_organisation(organisation)
        errors.update(organisation_errors)
        new = True
    else:
        new = False
    if target == ApplicationTarget.MEMBERSHIP and organisation.is_member:
        errors["organisation"] = [_("This organisation is a member already.")]
    if (
        not new
        and target == ApplicationTarget.STRATEGIC_USER_COMMITTEE
        and organisation_is_user_committee_member(organisation=organisation)
    ):
        errors["organisation"] = [
            _("This organisation sits on the Strategic User Committee already.")
        ]
    if (
        not new
        and Application.objects.filter(
            organisation=organisation,
            target=target,
            status__in=(ApplicationStatus.SUBMITTED, ApplicationStatus.REPORTED),
        ).exists()
    ):
        errors["organisation"] = [_("This organisation has an open application for this already.")]
    if errors:
        raise ValidationError(errors)
    if new:
        organisation.save()
        _audit(
            actor,
            "governance.organisation_registered",
            organisation,
            {"code": organisation.code, "name_en": organisation.name_en, "kind": organisation.kind},
        )
    application = Application(
        organisation=organisation,
        target=target,
        motivation=motivation.strip(),
        representative=representative,
    )
    application.full_clean()
    application.save()
    _audit(
        actor,
        "governance.application_submitted",
        application,
        {
            "organisation": organisation.code,
            "target": target,
            "representative_id": representative.pk,
        },
    )
    return application


@transaction.atomic
def application_report(
    *, actor: ActingContext, application: Application, report: str
) -> Application:
    """Record the Operational Management Group's report on a submitted application, which then
    awaits the Management Committee's decision. Its secretary records it (engine). Raises
    `PermissionDenied` or `ValidationError`; audited."""
    _require(actor, "governance.manage_applications", application)
    application = Application.objects.select_for_update().get(pk=application.pk)
    if application.status != ApplicationStatus.SUBMITTED:
        raise ValidationError(_("This application has been reported on already."))
    if not report.strip():
        raise ValidationError({"report": [_("Write the report.")]})
    application.report = report.strip()
    application.reported_at = timezone.now()
    application.status = ApplicationStatus.REPORTED
    application.save(update_fields=["report", "reported_at", "status"])
    _audit(actor, "governance.application_reported", application, {"status": application.status})
    return application
