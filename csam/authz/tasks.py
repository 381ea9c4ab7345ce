"""Background work of the authorisation layer."""

import datetime as dt

from django.db.models import Q
from django.utils import timezone

from celery import shared_task

from companies.models import AccessManager, Company
from csam.authz.permissions import manager_permissions_sync


@shared_task(name="csam.authz.tasks.manager_permissions_sweep")
def manager_permissions_sweep() -> int:
    """Daily: sync the object permissions of designations that start today or ended yesterday
    (by their dates, or ended since yesterday). Idempotent: a sync only brings permissions in
    line with the designations."""
    today = timezone.localdate()
    since = timezone.now() - dt.timedelta(days=1, hours=1)
    changed = (
        AccessManager.objects.filter(
            Q(valid_from=today)
            | Q(valid_until=today - dt.timedelta(days=1))
            | Q(ended_at__gte=since)
        )
        .values_list("person_id", "company_id")
        .distinct()
    )
    companies = {c.pk: c for c in Company.objects.filter(pk__in={c for _p, c in changed})}
    count = 0
    for person_id, company_id in changed:
        manager_permissions_sync(person_id=person_id, company=companies[company_id])
        count += 1
    return count
