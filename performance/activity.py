"""Recording what partners do, for the engagement and lead-acceptance KPIs."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import ActivityKind, PartnerActivity


def activity_record(
    *, partner_id: int | None, kind: str, user_id: int | None = None, at=None, event_id: int | None = None
) -> None:
    """Add one activity row; a second call for the same outbox event adds nothing. Staff (no partner) are not
    counted."""
    if partner_id is None:
        return
    try:
        with transaction.atomic():
            PartnerActivity.objects.create(
                partner_id=partner_id, user_id=user_id, kind=kind, at=at or timezone.now(), event_id=event_id
            )
    except IntegrityError:  # the same event delivered again
        pass


def signed_in(sender, request, user, **kwargs) -> None:
    """`user_logged_in` receiver: a partner user's sign-in counts as portal engagement."""
    activity_record(partner_id=getattr(user, "partner_id", None), kind=ActivityKind.SIGN_IN, user_id=user.pk)
