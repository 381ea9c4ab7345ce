"""Background work of the identity app."""

from django.conf import settings
from django.utils import timezone

from celery import shared_task

from identity.eid.crl_fetch import eid_crls_refresh
from identity.services import lockouts_purge_expired


@shared_task(name="identity.tasks.lockouts_purge_expired")
def lockouts_purge_expired_task() -> int:
    """Forget failed log-in records whose cool-off has ended.

    Idempotent: a second run finds nothing left to delete."""
    return lockouts_purge_expired(before=timezone.now() - settings.AXES_COOLOFF_TIME)


@shared_task(name="identity.tasks.eid_crls_refresh", soft_time_limit=240, time_limit=300)
def eid_crls_refresh_task() -> dict[str, int]:
    """Fetch the configured eID revocation lists (``EID_CRL_URLS``) into the cache.

    Idempotent: an unchanged list is left as it is. A failing source is retried at the next run;
    until then the cached list serves, and once it is stale the log-in follows
    ``EID_CRL_MISSING_POLICY``."""
    report = eid_crls_refresh(urls=list(settings.EID_CRL_URLS))
    return {
        "stored": len(report.stored),
        "unchanged": len(report.unchanged),
        "failed": len(report.failed),
    }
