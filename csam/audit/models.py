"""The append-only audit log. Every app writes to it; it imports no app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """One thing that happened, by whom, acting for whom, with before/after data.

    Records chain by hash: ``hash`` covers this record's content and ``prev_hash``, so an edited or
    removed record breaks the chain (``manage.py audit_verify`` finds where). ``prev_hash`` is
    unique: each record has at most one successor, so the chain cannot fork even if two writers
    raced past the append lock. On PostgreSQL a trigger refuses every UPDATE and DELETE of this
    table (migration 0004). Identifiers of other apps' rows are kept as plain values (no foreign
    keys) so the log outlives what it describes and never blocks or follows a deletion elsewhere.
    """

    at = models.DateTimeField(_("time"), db_index=True)
    action = models.CharField(_("action"), max_length=100, db_index=True)
    outcome = models.CharField(_("outcome"), max_length=20, default="success")
    actor_user_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    actor_label = models.CharField(_("actor"), max_length=200, blank=True)
    acting_for = models.CharField(_("acting for"), max_length=200, blank=True)
    tenant_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=100, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-id"]
        indexes = [models.Index(fields=["tenant_id", "-at"])]
        constraints = [
            models.UniqueConstraint(fields=["prev_hash"], name="audit_event_one_successor"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.action} {self.outcome}"


class DeliveredNotice(models.Model):
    """One notification that went out, by a key naming what it was about.

    Tasks may run twice; the unique key makes the second run a no-op instead of a second e-mail.
    """

    key = models.CharField(max_length=200, unique=True)
    delivered_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("delivered notice")
        verbose_name_plural = _("delivered notices")

    def __str__(self) -> str:
        return self.key


class OutboxMessage(models.Model):
    """A side effect (a Celery task and its arguments) that a change asked for.

    Written in the transaction of the change, so it exists exactly when the change committed;
    handed to the broker after commit, and again by ``outbox_drain`` while the broker was away.
    ``delivered_at`` is when the broker accepted it, not when the task ran: the tasks are
    idempotent, so a message handed over twice (a crash between hand-over and marking) is harmless.
    """

    task = models.CharField(_("task"), max_length=200)
    kwargs = models.JSONField(_("arguments"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        indexes = [
            # The drainer reads only the pending messages, oldest first.
            models.Index(
                fields=["created_at"],
                condition=models.Q(delivered_at__isnull=True),
                name="audit_outbox_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task} #{self.pk}"
