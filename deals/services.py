"""Every write to deals, leads and exchange rates. One transaction each; every state change emits an event."""

from __future__ import annotations

import logging
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from partners.models import Partner
from partners.services import normalize_domain
from prm.errors import Conflict, InvalidTransition, NotPermitted
from prm.events.services import event_emit
from prm.money import check_currency
from prm.notify import partner_admin_emails, send_after_commit
from prm.permissions import require_perm
from prm.services import service, validate_and_save
from prm.uploads import validate_upload

from .conflicts import customer_key, find_conflicts, normalize_name
from .models import (
    DEAL_STATES,
    Customer,
    Deal,
    DealAttachment,
    DealComment,
    DealConflict,
    DealStatus,
    ExchangeRate,
    Lead,
)

if TYPE_CHECKING:
    from prm.accounts.models import User

logger = logging.getLogger(__name__)

DEFAULT_PROTECTION_DAYS = 90
EXPIRY_WARNING_DAYS = 7
MAX_CLOSE_YEARS = 5


REGISTRATION_FIELDS = (
    "customer_name",
    "customer_domain",
    "country",
    "contact_name",
    "contact_email",
    "products",
    "amount",
    "currency",
    "expected_close_date",
    "description",
    "mdf_request",
)


# --- rules shared by the serializers and the services ------------------------------------------------------


def check_amount(value: Decimal | None, *, field: str = "amount") -> None:
    if value is None:
        raise ValidationError({field: "This field is required."})
    if value <= 0:
        raise ValidationError({field: "The amount must be greater than zero."})
    if value.as_tuple().exponent < -2:
        raise ValidationError({field: "At most 2 decimal places."})


def check_expected_close(value: date | None, *, today: date) -> None:
    if value is None:
        raise ValidationError({"expected_close_date": "This field is required."})
    if value < today:
        raise ValidationError({"expected_close_date": "The expected close date cannot be in the past."})
    if value > today + timedelta(days=365 * MAX_CLOSE_YEARS):
        raise ValidationError({"expected_close_date": f"More than {MAX_CLOSE_YEARS} years ahead is not a forecast."})


def _check_owner_or_manager(actor: User, deal: Deal, permission: str) -> None:
    """The role part asks the map; a partner user may then act on its own organization's deals only."""
    require_perm(actor, permission, "Only the partner that registered this deal, or a manager, can do this.")
    if actor.partner_id is not None and actor.partner_id != deal.partner_id:
        raise NotPermitted("Only the partner that registered this deal, or a manager, can do this.")


# --- registration ------------------------------------------------------------------------------------------


@service
def deal_register(*, actor: User, data: dict[str, Any], lead: Lead | None = None) -> Deal:
    """A partner registers an opportunity. Returns the deal with `detected_conflicts`: other partners' active
    registrations of the same customer (stored both ways, for the approval queue)."""
    require_perm(actor, "deal.register", "Deals are registered by a partner's users, for their own organization.")
    partner = actor.partner
    data = {k: v for k, v in data.items() if k in REGISTRATION_FIELDS}
    name = (data.get("customer_name") or "").strip()
    if not normalize_name(name):
        raise ValidationError({"customer_name": "Name the customer."})
    data["customer_name"] = name
    data["customer_domain"] = normalize_domain(data.get("customer_domain", ""))
    check_amount(data.get("amount"))
    data["currency"] = check_currency(data.get("currency", ""))
    check_expected_close(data.get("expected_close_date"), today=timezone.localdate())
    activity = data.get("mdf_request")
    if activity is not None and (activity.fund.partner_id != partner.pk or activity.status != "approved"):
        raise ValidationError({"mdf_request": "Name one of your organization's approved MDF activities."})

    customer, _ = Customer.objects.get_or_create(
        key=customer_key(name, data["customer_domain"]),
        defaults={"name": name, "name_normalized": normalize_name(name), "domain": data["customer_domain"]},
    )
    deal = Deal(partner=partner, registered_by=actor, customer=customer, lead=lead, **data)
    validate_and_save(deal)
    matches = find_conflicts(name=name, domain=data["customer_domain"], partner_id=partner.pk, exclude_deal_id=deal.pk)
    DealConflict.objects.bulk_create(
        [DealConflict(deal=deal, other=m.deal, match=m.match) for m in matches]
        + [DealConflict(deal=m.deal, other=deal, match=m.match) for m in matches],
        ignore_conflicts=True,
    )
    deal.detected_conflicts = matches
    event_emit(
        name="deal.registered",
        instance=deal,
        actor=actor,
        payload={
            "id": deal.pk,
            "customer_name": deal.customer_name,
            "customer_domain": deal.customer_domain,
            "amount": str(deal.amount),
            "currency": deal.currency,
            "conflicts": [m.deal.pk for m in matches],
        },
    )
    if matches:
        event_emit(
            name="deal.conflict_detected",
            instance=deal,
            actor=actor,
            payload={"deal": deal.pk, "conflicts": [{"deal": m.deal.pk, "match": m.match} for m in matches]},
        )
    logger.info("deal.registered", extra={"deal_id": deal.pk, "conflicts": len(matches)})
    return deal


# --- decisions ---------------------------------------------------------------------------------------------


def _locked(deal: Deal) -> Deal:
    """The deal re-read under a row lock: its status is the committed one, and stays so until we commit."""
    return Deal.objects.select_for_update(of=("self",)).select_related("partner__tier").get(pk=deal.pk)


def protection_days_for(partner: Partner) -> int:
    return partner.tier.deal_protection_days if partner.tier_id else DEFAULT_PROTECTION_DAYS


def _take_customer(deal: Deal, *, update_fields: list[str], then: str) -> None:
    """Save `deal`, already set to approved, as its customer's one approved registration.

    Called with the customer row locked (first, so two managers approving or reopening competing registrations
    queue up and the second sees the first's). Another registration still holding the customer refuses it (409,
    naming that one, then what to do: `then`); one whose protection has lapsed is expired on the spot to free the
    customer. The partial unique index on (customer) where approved holds the rule even for a writer that skips
    this, and a collision with it is the same 409."""
    today = timezone.localdate()
    holder = (
        Deal.objects.select_for_update(of=("self",))
        .select_related("partner")
        .filter(customer_id=deal.customer_id, status=DealStatus.APPROVED)
        .exclude(pk=deal.pk)
        .first()
    )
    if holder is not None:
        if holder.protected_until and holder.protected_until < today:
            _expire(holder, actor=None)
        else:
            until = f" until {holder.protected_until:%d %b %Y}" if holder.protected_until else ""
            raise Conflict(
                f"This customer already has an approved registration ({holder.partner.name}, deal #{holder.pk}"
                f"{until}). {then}",
                code="customer_already_protected",
            )
    try:
        with transaction.atomic():
            deal.save(update_fields=[*update_fields, "updated_at"])
    except IntegrityError:
        raise Conflict(
            f"Another registration of this customer was approved at the same moment. {then}",
            code="customer_already_protected",
        ) from None


@service
def deal_approve(*, actor: User, deal: Deal) -> Deal:
    """Approve and protect the registration for the partner tier's `deal_protection_days`. The customer row is
    locked first (see _take_customer): of competing registrations, one is approved and the others get a 409."""
    require_perm(actor, "deal.approve", "Only the vendor's partner managers can approve deals.")
    Customer.objects.select_for_update().filter(pk=deal.customer_id).first()
    deal = _locked(deal)
    DEAL_STATES.check(deal.status, DealStatus.APPROVED, verb="approve")
    now = timezone.now()
    deal.status = DealStatus.APPROVED
    deal.protected_until = timezone.localdate() + timedelta(days=protection_days_for(deal.partner))
    deal.approved_by = actor
    deal.approved_at = deal.decided_at = now
    _take_customer(
        deal,
        update_fields=["status", "protected_until", "approved_by", "approved_at", "decided_at"],
        then="Reject this one, or wait for that one to close or expire.",
    )
    event_emit(
        name="deal.approved",
        instance=deal,
        actor=actor,
        payload={"id": deal.pk, "protected_until": deal.protected_until.isoformat()},
    )
    logger.info("deal.approved", extra={"deal_id": deal.pk, "actor_id": actor.pk})
    return deal


@service
def deal_reject(*, actor: User, deal: Deal, reason: str) -> Deal:
    require_perm(actor, "deal.approve", "Only the vendor's partner managers can reject deals.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the registration is rejected: the partner sees it."})
    deal = _locked(deal)
    DEAL_STATES.check(deal.status, DealStatus.REJECTED)
    deal.status = DealStatus.REJECTED
    deal.rejection_reason = reason
    deal.decided_at = timezone.now()
    deal.save(update_fields=["status", "rejection_reason", "decided_at", "updated_at"])
    event_emit(name="deal.rejected", instance=deal, actor=actor, payload={"id": deal.pk, "reason": reason})
    return deal


@service
def deal_win(*, actor: User, deal: Deal, amount: Decimal, closed_on: date) -> Deal:
    _check_owner_or_manager(actor, deal, "deal.close")
    check_amount(amount)
    deal = _locked(deal)
    DEAL_STATES.check(deal.status, DealStatus.WON)
    today = timezone.localdate()
    if closed_on is None or closed_on > today:
        raise ValidationError({"closed_on": "A deal is won on a day that has come: not in the future."})
    if closed_on < timezone.localdate(deal.created_at) - timedelta(days=1):
        raise ValidationError({"closed_on": "A deal cannot close before it was registered."})
    deal.status = DealStatus.WON
    deal.won_amount = amount
    deal.closed_on = closed_on
    deal.save(update_fields=["status", "won_amount", "closed_on", "updated_at"])
    event_emit(
        name="deal.won",
        instance=deal,
        actor=actor,
        payload={"id": deal.pk, "amount": str(amount), "currency": deal.currency, "closed_on": closed_on.isoformat()},
    )
    return deal


@service
def deal_lose(*, actor: User, deal: Deal, reason: str) -> Deal:
    _check_owner_or_manager(actor, deal, "deal.close")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the deal was lost."})
    deal = _locked(deal)
    DEAL_STATES.check(deal.status, DealStatus.LOST)
    deal.status = DealStatus.LOST
    deal.lost_reason = reason
    deal.closed_on = timezone.localdate()
    deal.save(update_fields=["status", "lost_reason", "closed_on", "updated_at"])
    event_emit(name="deal.lost", instance=deal, actor=actor, payload={"id": deal.pk, "reason": reason})
    return deal


@service
def deal_reopen(*, actor: User, deal: Deal, reason: str) -> Deal:
    """A won or lost deal goes back to approved: the win or loss is undone (its amount, day and reason cleared) and
    the partner may close it again. Its protection is kept, or renewed for the tier's days if it has ended. The
    customer must be free: another approved registration of it refuses the reopening (409), as for an approval."""
    require_perm(actor, "deal.reopen", "Only the vendor's partner managers can reopen deals.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the deal is reopened: it undoes its win or loss."})
    Customer.objects.select_for_update().filter(pk=deal.customer_id).first()
    deal = _locked(deal)
    DEAL_STATES.check(deal.status, DealStatus.APPROVED, verb="reopen")
    previous = {
        "previous_status": deal.status,
        "previous_amount": str(deal.won_amount) if deal.won_amount is not None else None,
        "previous_closed_on": deal.closed_on.isoformat() if deal.closed_on else None,
    }
    today = timezone.localdate()
    fields = ["status", "won_amount", "closed_on", "lost_reason"]
    if deal.protected_until is None or deal.protected_until < today:
        deal.protected_until = today + timedelta(days=protection_days_for(deal.partner))
        deal.expiry_warned_on = None  # a new protection: the partner is told again before it ends
        fields += ["protected_until", "expiry_warned_on"]
    deal.status = DealStatus.APPROVED
    deal.won_amount = None
    deal.closed_on = None
    deal.lost_reason = ""
    _take_customer(deal, update_fields=fields, then="This deal can be reopened when that one closes or expires.")
    event_emit(name="deal.reopened", instance=deal, actor=actor, payload={"id": deal.pk, **previous, "reason": reason})
    logger.info("deal.reopened", extra={"deal_id": deal.pk, "actor_id": actor.pk, **previous})
    return deal


@service
def deal_correct_won_amount(*, actor: User, deal: Deal, amount: Decimal, reason: str) -> Deal:
    """Correct the amount a deal was won for (a typo, a renegotiated order); the deal stays won on its day."""
    require_perm(actor, "deal.correct", "Only the vendor's partner managers can correct a won amount.")
    check_amount(amount)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the won amount is corrected."})
    deal = _locked(deal)
    if deal.status != DealStatus.WON:
        raise InvalidTransition(
            f"Only a won deal's amount can be corrected: this deal is {deal.get_status_display().lower()}."
        )
    previous_amount = deal.won_amount
    if amount == previous_amount:
        raise ValidationError({"amount": f"The deal was already won for {amount} {deal.currency}."})
    deal.won_amount = amount
    deal.save(update_fields=["won_amount", "updated_at"])
    event_emit(
        name="deal.corrected",
        instance=deal,
        actor=actor,
        payload={
            "id": deal.pk,
            "previous_amount": str(previous_amount) if previous_amount is not None else None,
            "amount": str(amount),
            "currency": deal.currency,
            "reason": reason,
        },
    )
    logger.info("deal.corrected", extra={"deal_id": deal.pk, "actor_id": actor.pk})
    return deal


def deals_bulk_decide(*, actor: User, deals: list[Deal], decision: str, reason: str = "") -> list[tuple[Deal, str]]:
    """Approve or reject several deals, each in its own transaction: one refusal (a 409) does not undo the
    others. Returns the (deal, error message) of those that were refused."""
    if decision not in ("approve", "reject"):
        raise ValidationError({"decision": "Choose approve or reject."})
    if decision == "reject" and not (reason or "").strip():
        raise ValidationError({"reason": "Say why the registrations are rejected: the partners see it."})
    refused = []
    for deal in deals:
        try:
            if decision == "approve":
                deal_approve(actor=actor, deal=deal)
            else:
                deal_reject(actor=actor, deal=deal, reason=reason)
        except (InvalidTransition, Conflict, NotPermitted) as exc:
            refused.append((deal, exc.message))
    return refused


# --- expiry ------------------------------------------------------------------------------------------------


def _expire(deal: Deal, *, actor: User | None) -> None:
    DEAL_STATES.check(deal.status, DealStatus.EXPIRED)
    deal.status = DealStatus.EXPIRED
    deal.save(update_fields=["status", "updated_at"])
    event_emit(
        name="deal.expired",
        instance=deal,
        actor=actor,
        payload={"id": deal.pk, "protected_until": deal.protected_until.isoformat() if deal.protected_until else None},
    )


@service
def deals_expire_lapsed(*, today: date, actor: User | None = None, batch_size: int = 500) -> int:
    """Approved deals whose protection ended before `today` expire (so the customer is free again).
    Idempotent: an expired deal is no longer approved, so a re-run finds nothing."""
    lapsed = Deal.objects.protection_lapsed(today).select_for_update(of=("self",)).order_by("id")
    count = 0
    for deal in lapsed[:batch_size]:
        _expire(deal, actor=actor)
        count += 1
    if count:
        logger.info("deals.expired", extra={"count": count})
    return count


@service
def deals_warn_expiring(*, today: date, actor: User | None = None) -> int:
    """Tell each partner, a week ahead and once, that a deal's protection is about to end."""
    due = list(
        Deal.objects.protection_ending_between(today, today + timedelta(days=EXPIRY_WARNING_DAYS))
        .filter(expiry_warned_on__isnull=True)
        .select_related("partner", "registered_by")
        .select_for_update(of=("self",))
        .order_by("id")
    )
    if not due:
        return 0
    admins = partner_admin_emails(d.partner_id for d in due)
    messages = []
    for deal in due:
        recipients = set(admins.get(deal.partner_id, []))
        if deal.registered_by and deal.registered_by.is_active:
            recipients.add(deal.registered_by.email)
        days_left = (deal.protected_until - today).days
        if recipients:
            link = settings.SITE_URL + reverse("portal:deal-detail", args=[deal.pk])
            messages.append(
                (
                    f"Deal protection ends in {days_left} days: {deal.customer_name}",
                    f"Your registration of {deal.customer_name} (deal #{deal.pk}) is protected until "
                    f"{deal.protected_until:%d %B %Y}. Mark it won or lost before then, or it expires and the "
                    f"customer is open to other partners.\n\n{link}\n",
                    sorted(recipients),
                )
            )
        deal.expiry_warned_on = today
        deal.save(update_fields=["expiry_warned_on", "updated_at"])
        event_emit(
            name="deal.expiring",
            instance=deal,
            actor=actor,
            payload={"id": deal.pk, "protected_until": deal.protected_until.isoformat(), "days_left": days_left},
        )
    send_after_commit(messages)
    return len(due)


# --- comments and attachments ------------------------------------------------------------------------------


@service
def deal_comment_add(*, actor: User, deal: Deal, body: str) -> DealComment:
    _check_owner_or_manager(actor, deal, "deal.comment")
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": "Write something."})
    comment = DealComment(deal=deal, author=actor, body=body)
    validate_and_save(comment)
    event_emit(name="deal.commented", instance=deal, actor=actor, payload={"id": deal.pk, "comment": comment.pk})
    return comment


@service
def deal_attachment_add(*, actor: User, deal: Deal, file: UploadedFile) -> DealAttachment:
    _check_owner_or_manager(actor, deal, "deal.comment")
    if file is None:
        raise ValidationError({"file": "Choose a file."})
    validate_upload(file, field="file")
    attachment = DealAttachment(deal=deal, uploaded_by=actor, name=(file.name or "file")[-200:], size=file.size)
    attachment.file.save(file.name, file, save=False)
    attachment.save()
    event_emit(
        name="deal.attachment_added",
        instance=deal,
        actor=actor,
        payload={"id": deal.pk, "attachment": attachment.pk, "name": attachment.name},
    )
    return attachment


# --- exchange rates ----------------------------------------------------------------------------------------


@service
def exchange_rate_set(*, actor: User, data: dict[str, Any]) -> ExchangeRate:
    currency = check_currency(data.get("currency", ""))
    if currency == settings.PRM_PROGRAM_CURRENCY:
        raise ValidationError({"currency": "The program currency converts at 1 by definition."})
    valid_from = data.get("valid_from") or timezone.localdate()
    rate = ExchangeRate.objects.filter(currency=currency, valid_from=valid_from).first() or ExchangeRate(
        currency=currency, valid_from=valid_from
    )
    rate.rate = data["rate"]
    validate_and_save(rate)
    event_emit(
        name="exchange_rate.set",
        instance=rate,
        actor=actor,
        partner_id=None,
        payload={"currency": currency, "rate": str(rate.rate), "valid_from": valid_from.isoformat()},
    )
    return rate
