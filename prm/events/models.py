from django.db import models


class OutboxEvent(models.Model):
    """A fact a service committed, waiting to be handed to its subscribers (webhooks, jobs, emails).

    Written in the same transaction as the change it describes, so a broker or worker outage delays
    delivery but never loses an event."""

    tenant_field = "partner"

    name = models.CharField(max_length=100, db_index=True)  # "partner.created", "agreement.expiring"
    aggregate_type = models.CharField(max_length=50)
    aggregate_id = models.CharField(max_length=64)
    partner = models.ForeignKey("partners.Partner", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["id"], name="outbox_pending_idx", condition=models.Q(dispatched_at__isnull=True)),
            models.Index(fields=["aggregate_type", "aggregate_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.aggregate_type}:{self.aggregate_id}"
