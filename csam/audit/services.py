"""Writing the audit log."""

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from csam.audit.models import AuditEvent

# The outbox lives in its own module; other apps use it through this one.
from csam.audit.outbox import outbox_drain as outbox_drain
from csam.audit.outbox import outbox_send as outbox_send

# A constant key for PostgreSQL's transaction-level advisory lock that serialises appends, so two
# concurrent writers never chain onto the same previous record.
_CHAIN_LOCK_KEY = 0x43534D41  # "CSMA"


# The fields each record's hash covers (with the previous record's hash); exports carry the same.
CHAINED_FIELDS = (
    "at",
    "action",
    "outcome",
    "actor_user_id",
    "actor_label",
    "acting_for",
    "tenant_id",
    "object_type",
    "object_id",
    "ip_address",
    "data",
    "prev_hash",
)


def _digest(event: AuditEvent) -> str:
    content = {field: getattr(event, field) for field in CHAINED_FIELDS}
    content["at"] = event.at.isoformat()
    encoded = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(encoded.encode()).hexdigest()


@transaction.atomic
def audit_record(
    *,
    action: str,
    outcome: str = "success",
    actor_user_id: int | None = None,
    actor_label: str = "",
    acting_for: str = "",
    tenant_id: int | None = None,
    object_type: str = "",
    object_id: str | int = "",
    ip_address: str | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the audit log, chained to the previous one.

    Runs inside the caller's transaction, so the event is kept exactly when the change it describes
    is. On PostgreSQL an advisory lock held until that transaction ends serialises appends: a
    concurrent writer waits, then chains onto this event (and the unique ``prev_hash`` turns any
    fork into an IntegrityError). Never put a national register number, a password or a key in
    ``data``.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])
    previous = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
    event = AuditEvent(
        at=timezone.now(),
        action=action,
        outcome=outcome,
        actor_user_id=actor_user_id,
        actor_label=actor_label[:200],
        acting_for=acting_for[:200],
        tenant_id=tenant_id,
        object_type=object_type,
        object_id=str(object_id),
        ip_address=ip_address,
        # Round-trip through JSON so the hash covers exactly what the database stores.
        data=json.loads(json.dumps(data or {}, default=str)),
        prev_hash=previous or "",
    )
    event.hash = _digest(event)
    event.save(force_insert=True)
    return event


class ChainFault(StrEnum):
    """Why the chain does not hold at a record."""

    # The record's content no longer gives its stored hash: it was changed in place.
    CONTENT_CHANGED = "content_changed"
    # The record does not name the one before it: a record before it was removed, inserted or
    # rewritten (hash included), or the first record of the log is gone.
    LINK_BROKEN = "link_broken"


@dataclass(frozen=True)
class ChainReport:
    """The result of walking the whole audit chain.

    ``first_break`` is the first record where the chain does not hold (``None`` when it holds
    everywhere) and ``fault`` says why. ``missing_anchors`` lists the expected hashes (recorded
    from earlier runs) that no record of the chain carries any more.
    """

    checked: int
    last: AuditEvent | None
    first_break: AuditEvent | None = None
    fault: ChainFault | None = None
    missing_anchors: tuple[str, ...] = ()

    @property
    def intact(self) -> bool:
        return self.first_break is None and not self.missing_anchors


def audit_chain_verify(*, anchors: Iterable[str] = ()) -> ChainReport:
    """Walk the chain from the first record and report the first record where it breaks.

    The walk stops at the first break: after it, nothing is known. ``anchors`` are hashes printed
    by earlier runs; each must still belong to the chain. They catch what the chain alone cannot
    show: the removal of the newest records, after which the shortened chain still holds.
    """
    wanted = {anchor.strip().lower() for anchor in anchors if anchor.strip()}
    previous_hash = ""
    checked = 0
    last: AuditEvent | None = None
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=2000):
        if event.prev_hash != previous_hash:
            return ChainReport(checked, last, event, ChainFault.LINK_BROKEN)
        if _digest(event) != event.hash:
            return ChainReport(checked, last, event, ChainFault.CONTENT_CHANGED)
        wanted.discard(event.hash)
        previous_hash = event.hash
        checked += 1
        last = event
    return ChainReport(checked, last, missing_anchors=tuple(sorted(wanted)))


def audit_act(
    *,
    actor: Any,
    action: str,
    tenant_id: int | None,
    object_type: str = "",
    object_id: str | int = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    outcome: str = "success",
    extra: dict[str, Any] | None = None,
) -> AuditEvent:
    """Record a change made by an acting person (or the system) with its before and after.

    ``actor`` is an acting context (or the system actor): its ``user_id``, ``label`` and
    ``acting_for_label`` are read, so this module needs to know nothing about the apps above it.
    """
    data: dict[str, Any] = {"before": before, "after": after}
    if extra:
        data.update(extra)
    return audit_record(
        action=action,
        outcome=outcome,
        actor_user_id=getattr(actor, "user_id", None),
        actor_label=str(getattr(actor, "label", "")),
        acting_for=str(getattr(actor, "acting_for_label", "")),
        tenant_id=tenant_id,
        object_type=object_type,
        object_id=object_id,
        data=data,
    )


def notice_deliver_once(*, key: str, send: Callable[[], object]) -> bool:
    """Run ``send`` unless a notice with ``key`` went out already; return whether it ran.

    The notice row is written in the same transaction as the sending: if ``send`` raises, the row
    is rolled back and a retry sends again; if two runs race, the unique key lets one through.
    """
    from django.db import IntegrityError

    from csam.audit.models import DeliveredNotice

    try:
        with transaction.atomic():
            DeliveredNotice.objects.create(key=key[:200])
            send()
    except IntegrityError:
        return False
    return True
