"""Mail from services, sent after the transaction commits.

A service runs in one transaction (prm.services.service); mail sent inside it would go out even when the
transaction then rolls back (a refused approval, a failed reminder batch), telling people about something that
never happened. Every service sends through here instead: the messages wait for the commit, and a rollback drops
them. Sending is the last step, so a mail server that fails after the commit is logged, not turned into an error
for a change that is already saved."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction

from prm.accounts.roles import Role

if TYPE_CHECKING:
    from partners.models import Partner

logger = logging.getLogger(__name__)

#: (subject, body, recipients)
Message = tuple[str, str, Sequence[str]]


def send_after_commit(messages: Iterable[Message]) -> int:
    """Queue the messages to be sent once the current transaction commits (at once outside a transaction).
    Messages without recipients are dropped. Returns how many messages were queued."""
    batch = [(subject, body, settings.DEFAULT_FROM_EMAIL, sorted(set(to))) for subject, body, to in messages if to]
    if batch:
        transaction.on_commit(lambda: _send(batch))
    return len(batch)


def _send(batch: list[tuple[str, str, str, list[str]]]) -> None:
    try:
        send_mass_mail(batch, fail_silently=False)
    except Exception:  # the change is committed; an error here would only hide that from the caller
        logger.exception("mail.failed", extra={"messages": len(batch), "subjects": [m[0] for m in batch][:5]})
        return
    logger.info("mail.sent", extra={"messages": len(batch)})


def partner_admin_emails(partner_ids: Iterable[int]) -> dict[int, list[str]]:
    """The email addresses of the active partner admins of each partner, in one query (sorted per partner)."""
    from prm.accounts.models import User

    emails: dict[int, list[str]] = defaultdict(list)
    rows = User.objects.filter(partner_id__in=set(partner_ids), role=Role.PARTNER_ADMIN, is_active=True)
    for partner_id, email in rows.order_by("email").values_list("partner_id", "email"):
        emails[partner_id].append(email)
    return dict(emails)


def notify_partner_admins(partner: Partner, subject: str, body: str) -> list[str]:
    """Mail the partner's active admins after commit. Returns their addresses (empty: nobody to tell)."""
    recipients = partner_admin_emails([partner.pk]).get(partner.pk, [])
    send_after_commit([(subject, body, recipients)])
    return recipients
