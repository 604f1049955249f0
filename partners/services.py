"""Every write to partners, tiers and agreements."""

from __future__ import annotations

import logging
import re
from datetime import date
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse

from prm.events.services import event_emit
from prm.notify import partner_admin_emails, send_after_commit
from prm.permissions import has_perm
from prm.services import apply_changes, service, validate_and_save

from .models import Agreement, Partner, Tier

if TYPE_CHECKING:
    from prm.accounts.models import User

logger = logging.getLogger(__name__)

_DOMAIN_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
DOMAIN_TAKEN = "A partner with this domain already exists."


def normalize_domain(value: str) -> str:
    """'https://www.Example.com/about' -> 'example.com': one spelling per organization, so duplicates show."""
    value = (value or "").strip().lower()
    value = re.sub(r"^[a-z][a-z0-9+.-]*://", "", value)
    value = value.split("/", 1)[0].split("?", 1)[0].split(":", 1)[0].rstrip(".")
    if value.startswith("www."):
        value = value[4:]
    return value


def validate_domain(value: str) -> str:
    domain = normalize_domain(value)
    if not _DOMAIN_RE.match(domain):
        raise ValidationError({"domain": f"“{value}” is not a valid domain name (for example: example.com)."})
    return domain


def _check_manager(manager: User | None) -> None:
    # the map says who works in the vendor's portal (has_perm also refuses an inactive user)
    if manager is not None and not has_perm(manager, "portal.manager"):
        raise ValidationError({"manager": "The manager must be an active member of the vendor's staff."})


@service
def partner_create(*, actor: User, data: dict[str, Any]) -> Partner:
    partner = Partner(**data)
    partner.domain = validate_domain(partner.domain)
    if Partner.objects.filter(domain__iexact=partner.domain).exists():
        raise ValidationError({"domain": DOMAIN_TAKEN})
    _check_manager(partner.manager)
    validate_and_save(partner, unique_message={"domain": DOMAIN_TAKEN})
    event_emit(name="partner.created", instance=partner, actor=actor, payload=_partner_payload(partner))
    logger.info("partner.created", extra={"partner_id": partner.pk, "actor_id": actor.pk})
    return partner


@service
def partner_update(*, actor: User, partner: Partner, data: dict[str, Any]) -> Partner:
    if "domain" in data:
        data = {**data, "domain": validate_domain(data["domain"])}
        if Partner.objects.filter(domain__iexact=data["domain"]).exclude(pk=partner.pk).exists():
            raise ValidationError({"domain": DOMAIN_TAKEN})
    if "manager" in data:
        _check_manager(data["manager"])
    before_status, before_tier = partner.status, partner.tier_id
    changed = apply_changes(partner, data)
    if not changed:
        return partner
    validate_and_save(partner, unique_message={"domain": DOMAIN_TAKEN})
    event_emit(name="partner.updated", instance=partner, actor=actor, payload={"changed": changed})
    if partner.status != before_status:
        event_emit(
            name="partner.status_changed",
            instance=partner,
            actor=actor,
            payload={"from": before_status, "to": partner.status},
        )
    if partner.tier_id != before_tier:
        event_emit(
            name="partner.tier_changed",
            instance=partner,
            actor=actor,
            payload={"from": before_tier, "to": partner.tier_id},
        )
    return partner


def _partner_payload(partner: Partner) -> dict[str, Any]:
    return {
        "id": partner.pk,
        "name": partner.name,
        "domain": partner.domain,
        "status": partner.status,
        "partner_type": partner.partner_type,
        "tier": partner.tier_id,
    }


@service
def tier_create(*, actor: User, data: dict[str, Any]) -> Tier:
    tier = Tier(**data)
    validate_and_save(tier)
    event_emit(name="tier.created", instance=tier, actor=actor, partner_id=None, payload={"name": tier.name})
    return tier


@service
def tier_update(*, actor: User, tier: Tier, data: dict[str, Any]) -> Tier:
    changed = apply_changes(tier, data)
    if changed:
        validate_and_save(tier)
        event_emit(name="tier.updated", instance=tier, actor=actor, partner_id=None, payload={"changed": changed})
    return tier


@service
def agreement_create(*, actor: User, partner: Partner, data: dict[str, Any]) -> Agreement:
    agreement = Agreement(partner=partner, **data)
    validate_and_save(agreement)
    event_emit(name="agreement.created", instance=agreement, actor=actor, payload={"title": agreement.title})
    return agreement


@service
def agreement_update(*, actor: User, agreement: Agreement, data: dict[str, Any]) -> Agreement:
    data = {k: v for k, v in data.items() if k != "partner"}  # an agreement never moves between partners
    if "expires_on" in data and data["expires_on"] != agreement.expires_on:
        agreement.expiry_reminder_sent_on = None  # a renewed agreement earns a fresh reminder
    changed = apply_changes(agreement, data)
    if changed:
        validate_and_save(agreement)
        event_emit(name="agreement.updated", instance=agreement, actor=actor, payload={"changed": changed})
    return agreement


@service
def agreements_remind_expiring(*, today: date, actor: User | None = None) -> int:
    """Email the partner admins and the channel manager of each agreement that expires within the reminder
    window and was not reminded yet. Idempotent: a reminded agreement is marked, so a re-run sends nothing.
    Returns the number of agreements reminded."""
    days = settings.PRM_AGREEMENT_REMINDER_DAYS
    due = list(
        Agreement.objects.expiring_within(today, days)
        .filter(expiry_reminder_sent_on__isnull=True)
        .select_related("partner__manager")
        .select_for_update(of=("self",))
        .order_by("id")
    )
    if not due:
        return 0
    admins_by_partner = partner_admin_emails(a.partner_id for a in due)

    messages = []
    for agreement in due:
        recipients = list(admins_by_partner.get(agreement.partner_id, []))
        if agreement.partner.manager and agreement.partner.manager.is_active:
            recipients.append(agreement.partner.manager.email)
        days_left = (agreement.expires_on - today).days
        if recipients:
            link = settings.SITE_URL + reverse("portal:agreements")
            messages.append(
                (
                    f"Agreement expiring in {days_left} days: {agreement.title}",
                    f"The agreement “{agreement.title}” with {agreement.partner.name} expires on "
                    f"{agreement.expires_on:%d %B %Y} ({days_left} days from now).\n\n"
                    f"Review it in the partner portal: {link}\n",
                    recipients,
                )
            )
        agreement.expiry_reminder_sent_on = today
        agreement.save(update_fields=["expiry_reminder_sent_on", "updated_at"])
        event_emit(
            name="agreement.expiring",
            instance=agreement,
            actor=actor,
            payload={"expires_on": agreement.expires_on.isoformat(), "days_left": days_left},
        )
    send_after_commit(messages)
    logger.info("agreements.reminded", extra={"count": len(due)})
    return len(due)
