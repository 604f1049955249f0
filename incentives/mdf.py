"""Market development funds: allocating a partner's fund for a period (by hand, or by a rule over the prior
period's won revenue), requests for activities against it, claims with proof of performance, and the reads the
pages need (the fund's balance, ROI per activity, utilization by partner and by tier).

The rule that matters is the database's: approving a request moves the fund's `approved_total` up in one UPDATE
that matches only while the cost still fits (`approved_total + cost <= amount`), under a CHECK that holds even
for a writer that skips this module. Two managers approving at the same moment: one UPDATE matches, the other
finds no row and is a 409 naming what is left."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from celery import shared_task
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, DecimalField, Exists, F, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Round
from django.utils import timezone

from deals.models import Deal, DealStatus, Lead
from partners.models import Partner, Tier
from prm import tenancy
from prm.errors import Conflict
from prm.events.services import event_emit
from prm.money import check_currency, plain_decimal, rates_on, round_money
from prm.permissions import require_perm
from prm.services import service, validate_and_save
from prm.states import StateMachine
from prm.uploads import validate_upload

from .accruals import fmt, program_currency
from .models import (
    Accrual,
    AccrualKind,
    AccrualStatus,
    MdfClaim,
    MdfClaimStatus,
    MdfFund,
    MdfProof,
    MdfRequest,
    MdfRequestStatus,
)

if TYPE_CHECKING:
    from prm.accounts.models import User

logger = logging.getLogger(__name__)
HUNDRED = Decimal(100)
ZERO = Decimal("0")
MAX_PROOFS = 10

REQUEST_STATES = StateMachine(
    {
        MdfRequestStatus.SUBMITTED: {MdfRequestStatus.APPROVED, MdfRequestStatus.REJECTED},
        MdfRequestStatus.APPROVED: set(),
        MdfRequestStatus.REJECTED: set(),
    },
    noun="request",
    labels=MdfRequestStatus,
    verbs={MdfRequestStatus.APPROVED: "approve", MdfRequestStatus.REJECTED: "reject"},
    closed="It has been decided.",
)
CLAIM_STATES = StateMachine(
    {
        MdfClaimStatus.SUBMITTED: {MdfClaimStatus.APPROVED, MdfClaimStatus.REJECTED},
        MdfClaimStatus.APPROVED: set(),
        MdfClaimStatus.REJECTED: set(),
    },
    noun="claim",
    labels=MdfClaimStatus,
    verbs={MdfClaimStatus.APPROVED: "approve", MdfClaimStatus.REJECTED: "reject"},
    closed="It has been decided.",
)


def _money(value: Any, field: str, *, positive: bool = True) -> Decimal:
    if value is None or value == "":
        raise ValidationError({field: "This field is required."})
    try:
        value = Decimal(str(value))
    except ArithmeticError:
        raise ValidationError({field: "Enter an amount."}) from None
    if not value.is_finite() or (value <= 0 if positive else value < 0):
        raise ValidationError({field: "The amount must be greater than zero." if positive else "Cannot be negative."})
    if value.as_tuple().exponent < -2:
        raise ValidationError({field: "At most 2 decimal places."})
    return value


def _dates(d: date) -> str:
    return f"{d:%d %b %Y}"


def activity_label(request: MdfRequest) -> str:
    """ "Webinar (10 Dec 2026 – 11 Dec 2026)"."""
    return f"{request.get_activity_type_display()} ({_dates(request.starts_on)} – {_dates(request.ends_on)})"


# --- funds ---------------------------------------------------------------------------------------------------


@service
def mdf_fund_allocate(
    *,
    actor: User,
    partner: Partner,
    period_start: date,
    period_end: date,
    amount: Decimal,
    currency: str | None = None,
    rule: str = "",
) -> MdfFund:
    """A partner's fund for a period, allocated by hand. One fund per partner and period: a second, or one
    overlapping an existing fund's period, is a field error."""
    require_perm(actor, "mdf_fund.manage", "Only partner managers allocate market development funds.")
    amount = _money(amount, "amount", positive=False)
    currency = check_currency(currency or program_currency())
    if period_start is None or period_end is None:
        raise ValidationError({"period_start" if period_start is None else "period_end": "This field is required."})
    if period_end < period_start:
        raise ValidationError({"period_end": "The period cannot end before it starts."})
    Partner.objects.select_for_update().filter(pk=partner.pk).first()  # two allocations queue up
    overlapping = MdfFund.objects.filter(
        partner=partner, period_start__lte=period_end, period_end__gte=period_start
    ).first()
    if overlapping is not None:
        raise ValidationError(
            {
                "period_start": f"{partner.name} already has a fund for {_dates(overlapping.period_start)} – "
                f"{_dates(overlapping.period_end)}: one fund per partner and period."
            }
        )
    fund = MdfFund(
        partner=partner,
        period_start=period_start,
        period_end=period_end,
        amount=amount,
        currency=currency,
        rule=rule[:300],
        allocated_by=actor,
    )
    validate_and_save(fund, unique_message={"period_start": f"{partner.name} already has a fund for this period."})
    event_emit(
        name="mdf.fund_allocated",
        instance=fund,
        actor=actor,
        payload={"id": fund.pk, "amount": str(fund.amount), "currency": fund.currency, "rule": fund.rule},
    )
    logger.info("mdf.fund_allocated", extra={"fund_id": fund.pk, "partner_id": partner.pk})
    return fund


def prior_period(start: date, end: date) -> tuple[date, date]:
    """The period of the same shape just before: the previous month, quarter or year for whole calendar months,
    else the same number of days."""
    after = end + timedelta(days=1)
    if start.day == 1 and after.day == 1:
        months = (after.year - start.year) * 12 + after.month - start.month
        index = start.year * 12 + start.month - 1 - months
        return date(index // 12, index % 12 + 1, 1), start - timedelta(days=1)
    days = (end - start).days
    return start - timedelta(days=days + 1), start - timedelta(days=1)


@service
def mdf_funds_allocate_by_rule(
    *, actor: User, period_start: date, period_end: date, percent_by_tier: dict[int, Decimal]
) -> int:
    """Funds for the period for every active partner of the named tiers: `percent_by_tier[tier]` percent of the
    partner's won revenue in the prior period (program currency, at the rates of the prior period's last day),
    in one grouped query. Partners that already have a fund overlapping the period, and partners with no won
    revenue, are skipped. Returns how many funds were made."""
    require_perm(actor, "mdf_fund.manage", "Only partner managers allocate market development funds.")
    if period_start is None or period_end is None or period_end < period_start:
        raise ValidationError({"period_end": "The period cannot end before it starts."})
    percents: dict[int, Decimal] = {}
    for tier_id, percent in percent_by_tier.items():
        value = _money(percent, "percent_by_tier", positive=False)
        if value > HUNDRED:
            raise ValidationError({"percent_by_tier": "A percent is at most 100."})
        if value > 0:
            percents[int(tier_id)] = value
    if not percents:
        raise ValidationError({"percent_by_tier": "Give a percent for at least one tier."})
    tiers = dict(Tier.objects.filter(pk__in=percents).values_list("pk", "name"))
    prior_start, prior_end = prior_period(period_start, period_end)
    rates = rates_on(prior_end)
    from performance.engine import in_program_currency

    won = (
        Deal.objects.filter(
            status=DealStatus.WON,
            closed_on__gte=prior_start,
            closed_on__lte=prior_end,
            partner__status="active",
            partner__tier_id__in=list(tiers),
        )
        .exclude(
            Exists(
                MdfFund.objects.filter(
                    partner_id=OuterRef("partner_id"), period_start__lte=period_end, period_end__gte=period_start
                )
            )
        )
        .values("partner_id", "partner__tier_id")
        .annotate(revenue=Sum(in_program_currency("won_amount", rates)))
        .order_by("partner_id")
    )
    own = program_currency()
    funds = []
    for row in won:
        revenue = row["revenue"] or ZERO
        percent = percents[row["partner__tier_id"]]
        amount = round_money(revenue * percent / HUNDRED, own)
        if amount <= 0:
            continue
        rule = (
            f"{plain_decimal(percent)}% of {fmt(round_money(revenue, own))} {own} won {_dates(prior_start)} – "
            f"{_dates(prior_end)} ({tiers[row['partner__tier_id']]} tier)"
        )
        funds.append(
            MdfFund(
                partner_id=row["partner_id"],
                period_start=period_start,
                period_end=period_end,
                amount=amount,
                currency=own,
                rule=rule[:300],
                allocated_by=actor,
            )
        )
    # a fund made meanwhile for the same period start wins; ours is skipped
    before = MdfFund.objects.filter(period_start=period_start).count()
    MdfFund.objects.bulk_create(funds, ignore_conflicts=True)
    count = MdfFund.objects.filter(period_start=period_start).count() - before
    event_emit(
        name="mdf.funds_allocated",
        instance=actor,
        actor=actor,
        partner_id=None,
        payload={"period_start": period_start.isoformat(), "period_end": period_end.isoformat(), "count": count},
    )
    logger.info("mdf.funds_allocated", extra={"count": count, "period_start": period_start.isoformat()})
    return count


@shared_task(name="incentives.mdf_allocate_by_rule", acks_late=True)
def mdf_allocate_by_rule_task(actor_id: int, period_start: str, period_end: str, percent_by_tier: dict) -> int:
    """The allocation job: ids and ISO dates in; the service does the work (a rerun skips funds made)."""
    from prm.accounts.models import User

    actor = User.objects.filter(pk=actor_id).first()
    if actor is None:
        return 0
    return mdf_funds_allocate_by_rule(
        actor=actor,
        period_start=date.fromisoformat(period_start),
        period_end=date.fromisoformat(period_end),
        percent_by_tier={int(k): Decimal(str(v)) for k, v in percent_by_tier.items()},
    )


# --- requests ------------------------------------------------------------------------------------------------

REQUEST_FIELDS = ("activity_type", "description", "starts_on", "ends_on", "planned_cost", "expected_leads")


def _check_own(actor: User, partner_id: int, message: str) -> None:
    """A partner user acts for its own organization only (tenancy: another's is not found)."""
    if not tenancy.scope(Partner.objects.filter(pk=partner_id), actor).exists():
        raise ValidationError({"fund": message})


@service
def mdf_request_create(*, actor: User, fund: MdfFund, data: dict[str, Any]) -> MdfRequest:
    """A partner asks for funds for an activity within its fund's period. A fund whose period has ended takes no
    more requests ("This fund expired on …")."""
    require_perm(actor, "mdf_request.create", "MDF requests are made by a partner's users, for their own fund.")
    _check_own(actor, fund.partner_id, "Choose one of your organization's funds.")
    data = {k: v for k, v in data.items() if k in REQUEST_FIELDS}
    today = timezone.localdate()
    if fund.period_end < today:
        raise ValidationError({"fund": f"This fund expired on {_dates(fund.period_end)}."})
    data["planned_cost"] = _money(data.get("planned_cost"), "planned_cost")
    starts_on, ends_on = data.get("starts_on"), data.get("ends_on")
    if starts_on is None or ends_on is None:
        raise ValidationError({"starts_on" if starts_on is None else "ends_on": "This field is required."})
    if ends_on < starts_on:
        raise ValidationError({"ends_on": "The activity cannot end before it starts."})
    if starts_on < fund.period_start or ends_on > fund.period_end:
        raise ValidationError(
            {
                "starts_on": f"The activity must run within the fund's period, {_dates(fund.period_start)} – "
                f"{_dates(fund.period_end)}."
            }
        )
    if data["planned_cost"] > fund.remaining:
        raise ValidationError({"planned_cost": f"Only {fmt(fund.remaining)} {fund.currency} is left in this fund."})
    request = MdfRequest(fund=fund, requested_by=actor, status=MdfRequestStatus.SUBMITTED, **data)
    validate_and_save(request)
    event_emit(
        name="mdf.request_submitted",
        instance=request,
        actor=actor,
        partner_id=fund.partner_id,
        payload={"id": request.pk, "fund": fund.pk, "planned_cost": str(request.planned_cost)},
    )
    return request


def _locked_request(request: MdfRequest) -> MdfRequest:
    return MdfRequest.objects.select_for_update(of=("self",)).select_related("fund__partner").get(pk=request.pk)


@service
def mdf_request_approve(*, actor: User, request: MdfRequest) -> MdfRequest:
    """Approve the request and take its cost from the fund in one conditional UPDATE: when the cost no longer
    fits (another approval took the rest), a 409 naming what is left. The CHECK on the fund is the backstop."""
    require_perm(actor, "mdf_request.decide", "Only the vendor's staff decide MDF requests.")
    request = _locked_request(request)
    REQUEST_STATES.check(request.status, MdfRequestStatus.APPROVED, verb="approve")
    fund = request.fund
    cost = request.planned_cost
    if fund_is_expired(fund):
        raise Conflict(f"This fund expired on {_dates(fund.period_end)}: reject the request.", code="mdf_fund_expired")

    def refuse() -> Conflict:
        left = MdfFund.objects.filter(pk=fund.pk).values_list("amount", "approved_total").first()
        remaining = left[0] - left[1] if left else ZERO
        return Conflict(
            f"Only {fmt(remaining)} {fund.currency} is left in this fund; this request needs "
            f"{fmt(cost)} {fund.currency}.",
            code="mdf_fund_exceeded",
        )

    # rounded to the cent in the database: SQLite's arithmetic on these columns is floating point, where
    # 0.10 + 0.20 > 0.30 refused the last cent of a fund (on PostgreSQL the rounding changes nothing)
    after = Round(F("approved_total") + cost, 2)
    try:
        with transaction.atomic():
            updated = (
                MdfFund.objects.filter(pk=fund.pk)
                .alias(after=after)
                .filter(after__lte=F("amount"))
                .update(approved_total=after, updated_at=timezone.now())
            )
    except IntegrityError:
        raise refuse() from None
    if not updated:
        raise refuse()
    request.status = MdfRequestStatus.APPROVED
    request.decided_by = actor
    request.decided_at = timezone.now()
    request.reason = ""
    request.save(update_fields=["status", "decided_by", "decided_at", "reason", "updated_at"])
    event_emit(
        name="mdf.request_approved",
        instance=request,
        actor=actor,
        partner_id=fund.partner_id,
        payload={"id": request.pk, "fund": fund.pk, "planned_cost": str(cost)},
    )
    logger.info("mdf.request_approved", extra={"request_id": request.pk, "actor_id": actor.pk})
    return request


@service
def mdf_request_reject(*, actor: User, request: MdfRequest, reason: str) -> MdfRequest:
    require_perm(actor, "mdf_request.decide", "Only the vendor's staff decide MDF requests.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the request is rejected: the partner sees it."})
    request = _locked_request(request)
    REQUEST_STATES.check(request.status, MdfRequestStatus.REJECTED, verb="reject")
    request.status = MdfRequestStatus.REJECTED
    request.reason = reason[:2000]
    request.decided_by = actor
    request.decided_at = timezone.now()
    request.save(update_fields=["status", "reason", "decided_by", "decided_at", "updated_at"])
    event_emit(
        name="mdf.request_rejected",
        instance=request,
        actor=actor,
        partner_id=request.fund.partner_id,
        payload={"id": request.pk, "reason": request.reason},
    )
    return request


# --- claims --------------------------------------------------------------------------------------------------


def claimable(request: MdfRequest) -> Decimal:
    """What may still be claimed on the request: its planned cost less its claims not rejected."""
    claimed = request.claims.exclude(status=MdfClaimStatus.REJECTED).aggregate(total=Sum("amount"))["total"]
    return request.planned_cost - (claimed or ZERO)


@service
def mdf_claim_create(
    *,
    actor: User,
    request: MdfRequest,
    amount: Decimal,
    description: str = "",
    leads_generated: int = 0,
    files: list | None = None,
) -> MdfClaim:
    """Claim what an approved activity cost, with proof of performance (files through the upload checks). The
    claims of a request never add up to more than its planned cost (a field error naming what is left)."""
    require_perm(actor, "mdf_claim.create", "MDF claims are made by a partner's users, for their own activities.")
    request = _locked_request(request)
    _check_own(actor, request.fund.partner_id, "Choose one of your organization's activities.")
    if request.status != MdfRequestStatus.APPROVED:
        raise ValidationError(
            {"request": f"Only an approved request can be claimed; this one is {request.get_status_display().lower()}."}
        )
    amount = _money(amount, "amount")
    left = claimable(request)
    if amount > left:
        raise ValidationError(
            {
                "amount": f"A claim cannot exceed its request: {fmt(left)} {request.fund.currency} is left to claim "
                f"of the planned {fmt(request.planned_cost)} {request.fund.currency}."
            }
        )
    try:
        leads_generated = int(leads_generated or 0)
    except (TypeError, ValueError):
        raise ValidationError({"leads_generated": "A whole number."}) from None
    if leads_generated < 0:
        raise ValidationError({"leads_generated": "Cannot be negative."})
    files = [f for f in (files or []) if f]
    if not files:
        raise ValidationError({"proof": "Attach proof of performance: an invoice, photos, attendee list."})
    if len(files) > MAX_PROOFS:
        raise ValidationError({"proof": f"At most {MAX_PROOFS} files per claim."})
    for file in files:
        validate_upload(file, field="proof")
    claim = MdfClaim(
        request=request,
        amount=amount,
        description=(description or "").strip()[:4000],
        leads_generated=leads_generated,
        submitted_by=actor,
    )
    validate_and_save(claim)
    for file in files:
        proof = MdfProof(claim=claim, name=(file.name or "file")[-200:], size=file.size, uploaded_by=actor)
        proof.file.save(file.name, file, save=False)
        proof.save()
    event_emit(
        name="mdf.claim_submitted",
        instance=claim,
        actor=actor,
        partner_id=request.fund.partner_id,
        payload={"id": claim.pk, "request": request.pk, "amount": str(amount), "proofs": len(files)},
    )
    return claim


def _locked_claim(claim: MdfClaim) -> MdfClaim:
    return MdfClaim.objects.select_for_update(of=("self",)).select_related("request__fund").get(pk=claim.pk)


@service
def mdf_claim_approve(*, actor: User, claim: MdfClaim) -> MdfClaim:
    """Finance approves the claim: an MDF line for the claimed amount is accrued, paid on the partner's next
    payout statement."""
    require_perm(actor, "mdf_claim.decide", "Only finance decides MDF claims.")
    claim = _locked_claim(claim)
    CLAIM_STATES.check(claim.status, MdfClaimStatus.APPROVED, verb="approve")
    request, fund = claim.request, claim.request.fund
    claim.status = MdfClaimStatus.APPROVED
    claim.decided_by = actor
    claim.decided_at = timezone.now()
    claim.reason = ""
    claim.save(update_fields=["status", "decided_by", "decided_at", "reason"])
    own = program_currency()
    rate = Decimal("1") if fund.currency == own else rates_on().get(fund.currency)
    if rate is None:
        raise Conflict(f"No exchange rate from {fund.currency} to {own} is known today: add one first.")
    explanation = f"MDF claim for {activity_label(request)}"
    if fund.currency != own:
        explanation += f": {fmt(claim.amount)} {fund.currency} at {plain_decimal(rate)}"
    line = Accrual.objects.create(
        partner_id=fund.partner_id,
        kind=AccrualKind.MDF,
        status=AccrualStatus.ACCRUED,
        amount=round_money(claim.amount * rate, own),
        currency=own,
        base_amount=claim.amount,
        base_currency=fund.currency,
        exchange_rate=rate if fund.currency != own else None,
        explanation=explanation[:500],
        mdf_claim=claim,
    )
    event_emit(
        name="mdf.claim_approved",
        instance=claim,
        actor=actor,
        partner_id=fund.partner_id,
        payload={"id": claim.pk, "request": request.pk, "amount": str(claim.amount), "accrual": line.pk},
    )
    logger.info("mdf.claim_approved", extra={"claim_id": claim.pk, "accrual_id": line.pk})
    return claim


@service
def mdf_claim_reject(*, actor: User, claim: MdfClaim, reason: str) -> MdfClaim:
    require_perm(actor, "mdf_claim.decide", "Only finance decides MDF claims.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the claim is rejected: the partner sees it."})
    claim = _locked_claim(claim)
    CLAIM_STATES.check(claim.status, MdfClaimStatus.REJECTED, verb="reject")
    claim.status = MdfClaimStatus.REJECTED
    claim.reason = reason[:2000]
    claim.decided_by = actor
    claim.decided_at = timezone.now()
    claim.save(update_fields=["status", "reason", "decided_by", "decided_at"])
    event_emit(
        name="mdf.claim_rejected",
        instance=claim,
        actor=actor,
        partner_id=claim.request.fund.partner_id,
        payload={"id": claim.pk, "reason": claim.reason},
    )
    return claim


# --- selectors -----------------------------------------------------------------------------------------------


def fund_list(*, actor: User):
    return tenancy.scope(MdfFund.objects.select_related("partner__tier"), actor)


@dataclass(frozen=True)
class Roi:
    leads: int
    claimed_leads: int
    attributed_leads: int
    won_deals: int
    won_revenue: Decimal
    cost: Decimal
    currency: str

    @property
    def revenue_per_cost(self) -> Decimal | None:
        """Won revenue per unit of cost (e.g. 4.2 = 4.2 USD won per 1 USD spent); None without a cost."""
        return (self.won_revenue / self.cost).quantize(Decimal("0.01")) if self.cost else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "leads": self.leads,
            "claimed_leads": self.claimed_leads,
            "attributed_leads": self.attributed_leads,
            "won_deals": self.won_deals,
            "won_revenue": str(self.won_revenue),
            "currency": self.currency,
            "cost": str(self.cost),
            "revenue_per_cost": str(self.revenue_per_cost) if self.revenue_per_cost is not None else None,
        }


def roi_for(requests: list[MdfRequest]) -> dict[int, Roi]:
    """ROI per activity: leads (leads naming the activity plus the leads its approved claims report) and won
    revenue (deals won naming the activity, in the program currency at today's rates), against its cost (the
    approved claims, else the planned cost). Three grouped queries for any number of requests."""
    ids = [r.pk for r in requests]
    if not ids:
        return {}
    from performance.engine import in_program_currency

    own = program_currency()
    rates = rates_on()
    leads = dict(
        Lead.objects.filter(mdf_request_id__in=ids)
        .values("mdf_request_id")
        .annotate(n=Count("id"))
        .values_list("mdf_request_id", "n")
    )
    won = {
        row["mdf_request_id"]: row
        for row in Deal.objects.filter(mdf_request_id__in=ids, status=DealStatus.WON)
        .values("mdf_request_id")
        .annotate(n=Count("id"), revenue=Sum(in_program_currency("won_amount", rates)))
    }
    claims = {
        row["request_id"]: row
        for row in MdfClaim.objects.filter(request_id__in=ids, status=MdfClaimStatus.APPROVED)
        .values("request_id")
        .annotate(leads=Sum("leads_generated"), spent=Sum("amount"))
    }
    result = {}
    for request in requests:
        claim = claims.get(request.pk, {})
        deal = won.get(request.pk, {})
        claimed_leads = claim.get("leads") or 0
        result[request.pk] = Roi(
            leads=leads.get(request.pk, 0) + claimed_leads,
            claimed_leads=claimed_leads,
            attributed_leads=leads.get(request.pk, 0),
            won_deals=deal.get("n", 0),
            won_revenue=round_money(deal.get("revenue") or ZERO, own),
            cost=claim.get("spent") or request.planned_cost,
            currency=own,
        )
    return result


def request_roi(*, actor: User, request: MdfRequest) -> Roi:
    tenancy.get_visible_or_404(MdfRequest.objects.all(), actor, pk=request.pk)
    return roi_for([request])[request.pk]


_MONEY_OUT = DecimalField(max_digits=20, decimal_places=2)


def _sum(expr) -> Coalesce:
    return Coalesce(Sum(expr), Value(ZERO, output_field=_MONEY_OUT), output_field=_MONEY_OUT)


def _utilization(actor: User, group: str, *, today: date | None = None, period: date | None = None):
    """Allocated, approved, claimed (approved claims) and reimbursed (their lines paid) per `group`, from the funds
    running on `period` (today by default), in one grouped query. Sums over subqueries so the joins to requests
    and claims do not repeat a fund's amount."""
    day = period or today or timezone.localdate()
    funds = fund_list(actor=actor).filter(period_start__lte=day, period_end__gte=day)
    claimed = (
        MdfClaim.objects.filter(request__fund=OuterRef("pk"), status=MdfClaimStatus.APPROVED)
        .values("request__fund")
        .annotate(t=Sum("amount"))
        .values("t")
    )
    reimbursed = (
        Accrual.objects.filter(mdf_claim__request__fund=OuterRef("pk"), kind=AccrualKind.MDF, status=AccrualStatus.PAID)
        .values("mdf_claim__request__fund")
        .annotate(t=Sum("amount"))
        .values("t")
    )
    return (
        funds.annotate(
            _claimed=Coalesce(Subquery(claimed, output_field=_MONEY_OUT), Value(ZERO, output_field=_MONEY_OUT)),
            _reimbursed=Coalesce(Subquery(reimbursed, output_field=_MONEY_OUT), Value(ZERO, output_field=_MONEY_OUT)),
        )
        .values(*group)
        .annotate(
            funds=Count("id"),
            allocated=_sum("amount"),
            approved=_sum("approved_total"),
            claimed=_sum("_claimed"),
            reimbursed=_sum("_reimbursed"),
        )
    )


def utilization_by_partner(*, actor: User, day: date | None = None) -> list[dict[str, Any]]:
    """One row per partner with a fund running on `day`: allocated, approved, claimed, reimbursed, and the share
    of the fund approved (percent)."""
    rows = _utilization(actor, ("partner_id", "partner__name", "partner__tier__name", "currency"), period=day)
    return [_with_percent(r) for r in rows.order_by("partner__name", "currency")]


def utilization_by_tier(*, actor: User, day: date | None = None) -> list[dict[str, Any]]:
    rows = _utilization(actor, ("partner__tier_id", "partner__tier__name", "currency"), period=day)
    return [_with_percent(r) for r in rows.order_by("partner__tier__name", "currency")]


def _with_percent(row: dict[str, Any]) -> dict[str, Any]:
    row = dict(row)
    allocated = row["allocated"] or ZERO
    row["approved_percent"] = (row["approved"] * HUNDRED / allocated).quantize(Decimal(1)) if allocated else None
    return row


def request_queue(*, actor: User, status: str | None = MdfRequestStatus.SUBMITTED):
    rows = tenancy.scope(
        MdfRequest.objects.select_related("fund__partner", "requested_by", "decided_by"), actor
    ).order_by("created_at", "id")
    return rows.filter(status=status) if status else rows


def claim_queue(*, actor: User, status: str | None = MdfClaimStatus.SUBMITTED):
    rows = (
        tenancy.scope(MdfClaim.objects.select_related("request__fund__partner", "submitted_by", "decided_by"), actor)
        .prefetch_related("proofs")
        .order_by("created_at", "id")
    )
    return rows.filter(status=status) if status else rows


def fund_is_expired(fund: MdfFund, today: date | None = None) -> bool:
    return fund.period_end < (today or timezone.localdate())
