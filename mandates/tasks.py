"""Background work of the mandates app: notices at each step, reminders, the daily expiry."""

from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from celery import shared_task

from companies.models import AccessManagerKind, Company
from csam.audit.services import notice_deliver_once, outbox_send
from identity.models import Person
from mandates.models import Mandate, MandateEvent, MandateEventKind
from mandates.selectors import mandates_expiring
from mandates.services import mandates_expire

REMINDER_DAYS = 14

# Translated when a notice is written, in each reader's language.
_SUBJECTS = {
    "proposed": gettext_noop("A mandate is proposed to you"),
    "requested": gettext_noop("A mandate is requested from you"),
    "accepted": gettext_noop("A mandate has been accepted"),
    "refused": gettext_noop("A mandate has been refused"),
    "revoked": gettext_noop("A mandate has been revoked"),
    "withdrawn": gettext_noop("A mandatary has withdrawn from a mandate"),
    "expired": gettext_noop("A mandate has expired"),
    "ended_with_parent": gettext_noop("A mandate has ended with the mandate it came from"),
    "reminded": gettext_noop("A mandate expires soon"),
}


def _recipients(party: Person | Company) -> list[tuple[str, str]]:
    """(e-mail, language) of who reads a party's mail: the person, or the company's main
    access managers who have an account with an address."""
    if isinstance(party, Person):
        account = getattr(party, "account", None)
        return [(account.email, party.preferred_language)] if account and account.email else []
    managers = (
        party.access_managers.current()
        .filter(kind__in=[AccessManagerKind.MAIN, AccessManagerKind.CO_MAIN])
        .select_related("person__account")
    )
    return [
        (m.person.account.email, m.person.preferred_language)
        for m in managers
        if getattr(m.person, "account", None) and m.person.account.email
    ]


@shared_task(
    name="mandates.tasks.mandate_notify",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def mandate_notify(*, mandate_id: int, event: str) -> int:
    """E-mail both parties about a step of a mandate. Idempotent: once per step and address;
    nothing when the mandate is gone or nobody has an address. Returns how many were sent."""
    mandate = (
        Mandate.objects.filter(pk=mandate_id)
        .select_related(
            "mandator_person", "mandator_company", "mandatary_person", "mandatary_company"
        )
        .first()
    )
    if mandate is None or event not in _SUBJECTS:
        return 0
    sent = 0
    for party in (mandate.mandator, mandate.mandatary):
        for address, language in _recipients(party):
            with translation.override(language):
                subject = _(_SUBJECTS[event])
                body = _(
                    "Mandate from %(mandator)s to %(mandatary)s, valid from %(start)s.\n"
                    "Log in to the portal to see it and its history."
                ) % {
                    "mandator": mandate.mandator,
                    "mandatary": mandate.mandatary,
                    "start": mandate.valid_from.isoformat(),
                }
            delivered = notice_deliver_once(
                key=f"mandate:{mandate.pk}:{event}:{address}",
                send=lambda s=subject, b=body, a=address: send_mail(s, b, None, [a]),
            )
            sent += int(delivered)
    return sent


@shared_task(name="mandates.tasks.mandates_expire_daily")
def mandates_expire_daily() -> int:
    """Expire accepted mandates past their end date, and what was sub-delegated from them."""
    return mandates_expire()


@shared_task(name="mandates.tasks.mandates_remind_expiring")
def mandates_remind_expiring() -> int:
    """Tell the parties of mandates ending within two weeks, once per mandate."""
    count = 0
    for mandate_id in mandates_expiring(within_days=REMINDER_DAYS).values_list("id", flat=True):
        with transaction.atomic():
            mandate = Mandate.objects.select_for_update().get(pk=mandate_id)
            if mandate.reminded_at is not None:
                continue
            mandate.reminded_at = timezone.now()
            mandate.save(update_fields=["reminded_at"])
            MandateEvent.objects.create(mandate=mandate, kind=MandateEventKind.REMINDED)
            outbox_send("mandates.tasks.mandate_notify", mandate_id=mandate.pk, event="reminded")
        count += 1
    return count
