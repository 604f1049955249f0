"""Every write to leads: offered to a partner, accepted or declined in time, converted into a deal."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from partners.models import Partner, PartnerStatus
from partners.services import normalize_domain
from prm.errors import InvalidTransition, NotPermitted
from prm.events.services import event_emit
from prm.money import check_currency
from prm.notify import notify_partner_admins
from prm.permissions import require_perm
from prm.services import service, validate_and_save

from .models import LEAD_STATES, Deal, Lead, LeadStatus
from .services import check_amount, deal_register

if TYPE_CHECKING:
    from prm.accounts.models import User

LEAD_RESPONSE_HOURS = 72


# --- leads -------------------------------------------------------------------------------------------------


@service
def lead_create(*, actor: User, data: dict[str, Any]) -> Lead:
    require_perm(actor, "lead.manage", "Only the vendor's partner managers can create leads.")
    data = dict(data)
    data["customer_domain"] = normalize_domain(data.get("customer_domain", ""))
    data["currency"] = check_currency(data.get("currency") or settings.PRM_PROGRAM_CURRENCY)
    if data.get("estimated_amount") is not None:
        check_amount(data["estimated_amount"], field="estimated_amount")
    lead = Lead(created_by=actor, **data)
    validate_and_save(lead)
    event_emit(name="lead.created", instance=lead, actor=actor, payload={"id": lead.pk}, partner_id=None)
    return lead


def _lead_locked(lead: Lead) -> Lead:
    return Lead.objects.select_for_update(of=("self",)).get(pk=lead.pk)


@service
def lead_offer(*, actor: User, lead: Lead, partner: Partner, respond_within_hours: int | None = None) -> Lead:
    require_perm(actor, "lead.manage", "Only the vendor's partner managers can offer leads.")
    lead = _lead_locked(lead)
    LEAD_STATES.check(lead.status, LeadStatus.OFFERED)
    if partner.status != PartnerStatus.ACTIVE:
        raise ValidationError({"partner": "Leads go to active partners only."})
    hours = respond_within_hours or getattr(settings, "PRM_LEAD_RESPONSE_HOURS", LEAD_RESPONSE_HOURS)
    now = timezone.now()
    lead.status = LeadStatus.OFFERED
    lead.partner = partner
    lead.offered_by = actor
    lead.offered_at = now
    lead.respond_by = now + timedelta(hours=hours)
    lead.responded_at = None
    lead.save()
    event_emit(
        name="lead.offered",
        instance=lead,
        actor=actor,
        payload={"id": lead.pk, "partner": partner.pk, "respond_by": lead.respond_by.isoformat()},
    )
    notify_partner_admins(
        partner,
        f"New lead for you: {lead.customer_name}",
        f"{settings.PRM_PROGRAM_NAME} offers you a lead: {lead.customer_name}. Accept or decline it before "
        f"{timezone.localtime(lead.respond_by):%d %B %Y %H:%M}.\n\n{settings.SITE_URL}{reverse('portal:leads')}\n",
    )
    return lead


def _check_offered_to(actor: User, lead: Lead) -> None:
    require_perm(actor, "lead.respond", "Only the partner this lead is offered to can answer it.")
    if actor.partner_id != lead.partner_id:
        raise NotPermitted("Only the partner this lead is offered to can answer it.")


@service
def lead_accept(*, actor: User, lead: Lead) -> Lead:
    _check_offered_to(actor, lead)
    lead = _lead_locked(lead)
    LEAD_STATES.check(lead.status, LeadStatus.ACCEPTED)
    if lead.respond_by and lead.respond_by < timezone.now():
        raise InvalidTransition("The time to answer this offer has passed; the lead returns to the vendor.")
    lead.status = LeadStatus.ACCEPTED
    lead.responded_at = timezone.now()
    lead.save(update_fields=["status", "responded_at", "updated_at"])
    event_emit(name="lead.accepted", instance=lead, actor=actor, payload={"id": lead.pk})
    return lead


def _back_to_pool(lead: Lead) -> int:
    partner_id = lead.partner_id
    lead.declined_by = sorted({*lead.declined_by, partner_id})
    lead.status = LeadStatus.NEW
    lead.partner = None
    lead.respond_by = None
    lead.save()
    return partner_id


@service
def lead_decline(*, actor: User, lead: Lead, reason: str = "") -> Lead:
    _check_offered_to(actor, lead)
    lead = _lead_locked(lead)
    LEAD_STATES.check(lead.status, LeadStatus.NEW)
    lead.decline_reason = (reason or "").strip()
    lead.responded_at = timezone.now()
    partner_id = _back_to_pool(lead)
    event_emit(
        name="lead.declined",
        instance=lead,
        actor=actor,
        partner_id=partner_id,
        payload={"id": lead.pk, "partner": partner_id, "reason": lead.decline_reason},
    )
    return lead


@service
def lead_convert(*, actor: User, lead: Lead, data: dict[str, Any]) -> Deal:
    """An accepted lead becomes the partner's registered deal (with the usual conflict check)."""
    _check_offered_to(actor, lead)
    lead = _lead_locked(lead)
    LEAD_STATES.check(lead.status, LeadStatus.CONVERTED)
    values = {
        "customer_name": lead.customer_name,
        "customer_domain": lead.customer_domain,
        "country": lead.country,
        "contact_name": lead.contact_name,
        "contact_email": lead.contact_email,
        "products": lead.products,
        "amount": lead.estimated_amount,
        "currency": lead.currency,
        "description": lead.description,
    }
    values.update({k: v for k, v in data.items() if v not in (None, "")})
    deal = deal_register(actor=actor, data=values, lead=lead)
    lead.status = LeadStatus.CONVERTED
    lead.save(update_fields=["status", "updated_at"])
    event_emit(name="lead.converted", instance=lead, actor=actor, payload={"id": lead.pk, "deal": deal.pk})
    return deal


@service
def leads_return_unanswered(*, now: datetime, actor: User | None = None) -> int:
    """Offers not answered in time go back to the pool. Idempotent."""
    count = 0
    for lead in Lead.objects.unanswered(now).select_for_update(of=("self",)).order_by("id")[:500]:
        partner_id = _back_to_pool(lead)
        event_emit(
            name="lead.returned",
            instance=lead,
            actor=actor,
            partner_id=partner_id,
            payload={"id": lead.pk, "partner": partner_id},
        )
        count += 1
    return count
