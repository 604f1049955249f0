"""Accruals: what a won deal earns under each program it qualifies for, and the reversal when it stops being won
(reopened) or its amount changes (corrected).

One entry point keeps a deal's lines true to the deal as it is now (`accruals_sync_deal`): it is what the
`deal.won`, `deal.reopened` and `deal.corrected` events run, in whatever order and however often they arrive.
Every line is rounded half up once, in the program currency; a line is never edited — a correction is a
reversal line and a new accrual. The budget cap is checked under a lock of the program's row and held by a
CHECK on the program, so two accruals landing together cannot overspend it; what the cap refused stays visible on
the line (`capped_amount`)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from deals.models import Deal, DealStatus
from partners.models import Partner
from prm.audience import filter_by_audience, unpack_codes
from prm.events.services import event_emit
from prm.money import plain_decimal, rates_on, round_money

from .models import Accrual, AccrualKind, AccrualStatus, IncentiveProgram, ProgramKind

logger = logging.getLogger(__name__)
HUNDRED = Decimal(100)


def program_currency() -> str:
    return settings.PRM_PROGRAM_CURRENCY


def fmt(amount: Decimal) -> str:
    """1234.5 → "1,234.50" (the way the lines and the statements write money)."""
    return f"{amount:,.2f}"


def eligible_programs(partner: Partner, day: date, kinds: tuple[str, ...]) -> list[IncentiveProgram]:
    """The active programs of these kinds running on `day` whose audience includes the partner."""
    programs = IncentiveProgram.objects.filter(is_active=True, kind__in=kinds, starts_on__lte=day).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=day)
    )
    return list(filter_by_audience(programs, partner).order_by("id"))


@dataclass(frozen=True)
class Earned:
    amount: Decimal  # exact, rounded once when the line is made
    explanation: str
    exchange_rate: Decimal


def earned(program: IncentiveProgram, deal: Deal, rates: dict[str, Decimal]) -> Earned | None:
    """What `deal` (won) earns under `program`, with the arithmetic in words; None when it earns nothing (no
    percent, a SPIFF it does not match, or no exchange rate for its currency on its close day)."""
    rate = rates.get(deal.currency)
    if rate is None or deal.won_amount is None:
        return None
    converted = deal.won_amount * rate
    own = program_currency()
    base = f"{fmt(deal.won_amount)} {deal.currency}"
    if deal.currency != own:
        base += f" ({fmt(round_money(converted, own))} {own} at {plain_decimal(rate)})"
    if program.kind == ProgramKind.REBATE:
        percent = program.rate_percent
        source = ""
        if percent is None:
            tier = deal.partner.tier
            percent, source = (tier.rebate_percent, f", the {tier.name} tier's rate") if tier else (None, "")
        if not percent:
            return None
        return Earned(converted * percent / HUNDRED, f"{plain_decimal(percent)}% of {base}{source}", rate)
    if program.kind == ProgramKind.SPIFF:
        words = [w.strip().lower() for w in program.products.split(",") if w.strip()]
        if words and not any(w in (deal.products or "").lower() for w in words):
            return None
        if program.min_deal_amount is not None and converted < program.min_deal_amount:
            return None
        spiff_rate = rates.get(program.currency or own)
        if spiff_rate is None or program.amount is None:
            return None
        text = f"SPIFF of {fmt(program.amount)} {program.currency or own} per won deal"
        if words:
            text += f" with {' or '.join(words)}"
        return Earned(program.amount * spiff_rate, f"{text} (deal won for {base})", rate)
    return None


def accrue(
    *,
    program: IncentiveProgram,
    partner_id: int,
    amount: Decimal,
    explanation: str,
    deal: Deal | None = None,
    exchange_rate: Decimal | None = None,
    period: tuple[date, date] | None = None,
    emit: bool = True,
) -> Accrual | None:
    """Make one accrual line within the program's budget: the program row is locked, what is left of the cap is
    paid, the rest recorded as refused. None when the line exists already (a repeated event: nothing twice).
    `emit=False` for a recomputation, which says what it made in one event for the program."""
    own = program_currency()
    amount = round_money(amount, own)
    with transaction.atomic():
        locked = IncentiveProgram.objects.select_for_update().get(pk=program.pk)
        pay, refused = amount, Decimal("0")
        if locked.budget_cap is not None:
            remaining = max(locked.budget_cap - locked.committed, Decimal("0"))
            if amount > remaining:
                pay, refused = remaining, amount - remaining
                explanation += f"; {fmt(refused)} {own} over the program's budget cap was not accrued"
        try:
            with transaction.atomic():
                line = Accrual.objects.create(
                    partner_id=partner_id,
                    program=locked,
                    deal=deal,
                    kind=AccrualKind.ACCRUAL,
                    amount=pay,
                    currency=own,
                    base_amount=deal.won_amount if deal else None,
                    base_currency=deal.currency if deal else "",
                    exchange_rate=exchange_rate,
                    capped_amount=refused,
                    explanation=explanation[:500],
                    period_start=period[0] if period else None,
                    period_end=period[1] if period else None,
                )
        except IntegrityError:
            return None
        # the exact sum from the locked row (an F() expression is float arithmetic on SQLite, where 0.01 too much
        # trips the cap's CHECK)
        IncentiveProgram.objects.filter(pk=locked.pk).update(committed=locked.committed + pay)
    if not emit:
        return line
    event_emit(
        name="accrual.created",
        instance=line,
        payload={"id": line.pk, "program": program.pk, "deal": deal.pk if deal else None, "amount": str(pay)},
    )
    return line


def reverse(line: Accrual, reason: str) -> Accrual:
    """A reversal line for `line` (locked by the caller). A line never put on a statement is reversed in place of
    being paid (both lines marked reversed, netting to zero); one already on a statement is taken back on the
    partner's next statement."""
    on_statement = line.statement_id is not None
    reversal = Accrual.objects.create(
        partner_id=line.partner_id,
        program_id=line.program_id,
        deal_id=line.deal_id,
        kind=AccrualKind.REVERSAL,
        status=AccrualStatus.ACCRUED if on_statement else AccrualStatus.REVERSED,
        amount=-line.amount,
        currency=line.currency,
        base_amount=line.base_amount,
        base_currency=line.base_currency,
        exchange_rate=line.exchange_rate,
        explanation=f"Reversal of “{line.explanation}”: {reason}"[:500],
        reverses=line,
        period_start=line.period_start,
        period_end=line.period_end,
    )
    line.reversed_at = timezone.now()
    fields = ["reversed_at"]
    if not on_statement:
        line.status = AccrualStatus.REVERSED
        fields.append("status")
    line.save(update_fields=fields)
    if line.program_id:
        program = IncentiveProgram.objects.select_for_update().get(pk=line.program_id)
        IncentiveProgram.objects.filter(pk=program.pk).update(committed=program.committed - line.amount)
    event_emit(
        name="accrual.reversed",
        instance=reversal,
        payload={"id": reversal.pk, "reverses": line.pk, "deal": line.deal_id, "amount": str(reversal.amount)},
    )
    return reversal


@transaction.atomic
def accruals_sync_deal(deal_id: int) -> dict[str, int]:
    """Make the deal's lines match the deal now: a deal no longer won has its live lines reversed; a won deal whose
    amount or currency changed has them reversed and made again; a won deal missing a line for a program it
    qualifies for gets one. Idempotent and order-proof: running it twice, or for events out of order, changes
    nothing more."""
    deal = Deal.objects.select_related("partner__tier").filter(pk=deal_id).first()
    if deal is None:
        return {"accrued": 0, "reversed": 0}
    reversed_count = 0
    live = Accrual.objects.select_for_update().filter(deal=deal, kind=AccrualKind.ACCRUAL, reversed_at__isnull=True)
    for line in live:
        if deal.status != DealStatus.WON:
            reverse(line, f"the deal is {deal.get_status_display().lower()} again")
            reversed_count += 1
        elif line.base_amount != deal.won_amount or line.base_currency != deal.currency:
            reverse(line, f"the won amount was corrected to {fmt(deal.won_amount)} {deal.currency}")
            reversed_count += 1
    accrued = 0
    if deal.status == DealStatus.WON and deal.closed_on:
        has_line = set(
            Accrual.objects.filter(deal=deal, kind=AccrualKind.ACCRUAL, reversed_at__isnull=True).values_list(
                "program_id", flat=True
            )
        )
        rates = rates_on(deal.closed_on)
        for program in eligible_programs(deal.partner, deal.closed_on, (ProgramKind.REBATE, ProgramKind.SPIFF)):
            if program.pk in has_line:
                continue
            result = earned(program, deal, rates)
            if result is None:
                continue
            if accrue(
                program=program,
                partner_id=deal.partner_id,
                amount=result.amount,
                explanation=result.explanation,
                deal=deal,
                exchange_rate=result.exchange_rate,
            ):
                accrued += 1
    return {"accrued": accrued, "reversed": reversed_count}


def program_recompute(program: IncentiveProgram) -> int:
    """Apply a program to every past deal it covers (a new program, or a changed rule): each won deal in its dates
    of an eligible partner that has no live line gets one, in close-date order (so a budget cap is used up by the
    earliest wins). Running it again makes nothing. Returns the number of lines made.

    On PostgreSQL one INSERT … SELECT makes them all (incentives/recompute.py); elsewhere, line by line. The lines
    are the same either way (a test compares them), and neither emits an event per line: the caller reports the
    count (`incentive_program.recomputed`)."""
    if program.kind == ProgramKind.VOLUME_BONUS or not program.is_active:
        return 0  # (a volume bonus is paid by bonuses.py when its quarter closes; an inactive program pays nothing)
    if connection.vendor == "postgresql":
        from .recompute import program_recompute_sql  # (it reads this module's rules)

        return program_recompute_sql(program)
    return program_recompute_by_line(program)


def program_recompute_by_line(program: IncentiveProgram, *, batch_size: int = 2000) -> int:
    """`program_recompute` one deal at a time, through `earned` and `accrue`: the reference the set-based path
    is tested against, and the path on SQLite."""
    partners = eligible_partners(program)
    # one subquery: an exclude() over the accruals relation may match its three conditions on three different
    # lines (another program's live line and this program's reversal), skipping a deal that has no live line here
    live = Accrual.objects.filter(
        deal=OuterRef("pk"), program=program, kind=AccrualKind.ACCRUAL, reversed_at__isnull=True
    )
    deals = (
        Deal.objects.filter(status=DealStatus.WON, closed_on__gte=program.starts_on, partner__in=partners)
        .filter(~Exists(live))
        .select_related("partner__tier")
        .order_by("closed_on", "id")
    )
    if program.ends_on:
        deals = deals.filter(closed_on__lte=program.ends_on)
    made = 0
    rates_by_day: dict[date, dict[str, Decimal]] = {}
    for deal in deals.iterator(chunk_size=batch_size):
        rates = rates_by_day.get(deal.closed_on) or rates_by_day.setdefault(deal.closed_on, rates_on(deal.closed_on))
        result = earned(program, deal, rates)
        if result and accrue(
            program=program,
            partner_id=deal.partner_id,
            amount=result.amount,
            explanation=result.explanation,
            deal=deal,
            exchange_rate=result.exchange_rate,
            emit=False,
        ):
            made += 1
    return made


def eligible_partners(program: IncentiveProgram):
    """The partners in the program's audience (the same rule as filter_by_audience, read the other way)."""
    partners = Partner.objects.all()
    types = unpack_codes(program.audience_partner_types)
    countries = unpack_codes(program.audience_countries)
    tiers = list(program.audience_tiers.values_list("pk", flat=True))
    if types:
        partners = partners.filter(partner_type__in=types)
    if countries:
        partners = partners.filter(country__in=countries)
    if tiers:
        partners = partners.filter(tier__in=tiers)
    return partners
