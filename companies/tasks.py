"""Background work of the companies app: notices to collaborators and the daily expiry sweep."""

from django.core.mail import send_mail
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from celery import shared_task

from companies.models import Company, Grant
from companies.selectors import company_ids_with_stale_grants
from companies.services import grants_expire
from csam.audit.services import notice_deliver_once


@shared_task(
    name="companies.tasks.grant_notify",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def grant_notify(*, grant_id: int, tenant_id: int, event: str) -> bool:
    """E-mail the collaborator that a role was granted or revoked.

    Idempotent: sent at most once per grant and event; nothing happens when the grant is gone,
    or the collaborator has no account with an e-mail address yet. Retries on mail-server errors.
    """
    grant = (
        Grant.objects.filter(pk=grant_id, company_id=tenant_id)
        .select_related("person__account", "role__service", "company")
        .first()
    )
    if grant is None or event not in {"granted", "revoked"}:
        return False
    account = getattr(grant.person, "account", None)
    if account is None or not account.email:
        return False
    with translation.override(grant.person.preferred_language):
        subject = (
            _("You have received a role for %(company)s")
            if event == "granted"
            else _("A role for %(company)s has been withdrawn")
        ) % {"company": grant.company.name}
        body = _(
            "Role: %(role)s\nService: %(service)s\nCompany: %(company)s\n"
            "Valid from %(start)s%(until)s.\n\nLog in to the portal to see your rights."
        ) % {
            "role": grant.role.name,
            "service": grant.role.service.name,
            "company": grant.company,
            "start": grant.valid_from.isoformat(),
            "until": (" " + _("until") + " " + grant.valid_until.isoformat())
            if grant.valid_until
            else "",
        }
    return notice_deliver_once(
        key=f"grant:{grant.pk}:{event}",
        send=lambda: send_mail(subject, body, None, [account.email]),
    )


@shared_task(name="companies.tasks.grants_expire_for_tenant")
def grants_expire_for_tenant(*, tenant_id: int) -> int:
    """Expire one company's grants whose end date has passed. Idempotent."""
    tenant = Company.objects.filter(pk=tenant_id).first()
    if tenant is None:
        return 0
    return grants_expire(tenant=tenant)


@shared_task(name="companies.tasks.grants_expire_sweep")
def grants_expire_sweep() -> int:
    """Daily: enqueue one expiry task per company that has grants past their end date."""
    ids = company_ids_with_stale_grants(today=timezone.localdate())
    for tenant_id in ids:
        grants_expire_for_tenant.delay(tenant_id=tenant_id)
    return len(ids)
