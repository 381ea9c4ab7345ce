"""Registering services in the catalogue: only member organisations own services."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from companies.catalogue import catalogue_changed
from companies.models import Domain, Service
from csam.audit.services import audit_act
from governance.models import Organisation
from governance.selectors import organisation_may_register_services

if TYPE_CHECKING:
    from csam.authz.context import ActingContext


def non_member_message(organisation: Organisation) -> str:
    return _(
        "%(organisation)s is not a member of the framework: only member organisations register "
        "services in the catalogue."
    ) % {"organisation": organisation.name}


@transaction.atomic
def service_register(
    *,
    actor: ActingContext,
    organisation: Organisation,
    code: str,
    domain: Domain,
    name_en: str,
    name_fr: str = "",
    name_nl: str = "",
    name_de: str = "",
) -> Service:
    """Register the e-government service ``code`` of ``organisation`` in the catalogue.

    Rules: the catalogue refuses a service of an organisation that is not a member (membership
    comes from an approving Management Committee decision); only the organisation's
    representative registers it, at level substantial (engine, ``catalogue.register_service``);
    the code is unique. Raises `ValidationError`, `PermissionDenied` or `StepUpRequired`.
    Audited; the catalogue cache is dropped after commit.
    """
    # Membership is public, so refusing a non-member first tells nobody anything secret.
    if not organisation_may_register_services(organisation):
        raise ValidationError({"owner": [non_member_message(organisation)]})
    from csam.authz.actions import Action
    from csam.authz.engine import require

    require(actor=actor, action=Action.CATALOGUE_REGISTER_SERVICE, target=organisation)
    if Service.objects.filter(code=code).exists():
        raise ValidationError({"code": [_("A service with this code exists already.")]})
    service = Service(
        code=code,
        domain=domain,
        owner=organisation,
        name_en=name_en,
        name_fr=name_fr,
        name_nl=name_nl,
        name_de=name_de,
    )
    # The code's uniqueness is checked above, with its own message; the database's constraint
    # catches a registration of the same code that committed meanwhile.
    service.full_clean(validate_unique=False)
    try:
        with transaction.atomic():
            service.save()
    except IntegrityError:
        raise ValidationError({"code": [_("A service with this code exists already.")]}) from None
    audit_act(
        actor=actor,
        action="companies.service_registered",
        tenant_id=None,
        object_type="service",
        object_id=service.pk,
        after={"code": code, "domain": domain.code, "owner": organisation.code},
    )
    transaction.on_commit(catalogue_changed)
    return service
