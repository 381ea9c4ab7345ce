"""Background work of the identity app."""

from django.conf import settings
from django.utils import timezone

from celery import shared_task

from identity.services import lockouts_purge_expired


@shared_task(name="identity.tasks.lockouts_purge_expired")
def lockouts_purge_expired_task() -> int:
    """Forget failed log-in records whose cool-off has ended.

    Idempotent: a second run finds nothing left to delete."""
    return lockouts_purge_expired(before=timezone.now() - settings.AXES_COOLOFF_TIME)
