"""What a partner earned and would earn: the "My earnings" page's reads.

- earnings_summary: the partner's accrual lines totalled by program and status (one grouped query) and the lines
  themselves (filtered by program and status, newest first), each with its deal and its arithmetic.
- calculate: what a deal of a given size would earn today under each program the partner is eligible for, with
  the same arithmetic the accruals use (incentives.accruals.earned on an unsaved deal built from the inputs), so
  the calculator and the lines a won deal later makes never disagree."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import Count, Sum
from django.utils import timezone

from deals.models import Deal, DealStatus
from prm import tenancy
from prm.filters import FilterSet, ListResult, Sorts, list_rows
from prm.money import is_currency, plain_decimal, rates_on, round_money
from prm.permissions import require_perm

from .accruals import earned, eligible_programs, fmt, program_currency
from .bonuses import thresholds_of
from .models import Accrual, AccrualStatus, IncentiveProgram, ProgramKind

if TYPE_CHECKING:
    from collections.abc import Mapping

    from partners.models import Partner
    from prm.accounts.models import User

#: The statuses the totals cards show, in the order money moves.
CARD_STATUSES = (AccrualStatus.ACCRUED, AccrualStatus.APPROVED, AccrualStatus.PAID)
#: The largest deal the calculator takes (a deal's amount column: 14 digits, 2 of them decimals).
MAX_AMOUNT = Decimal("999999999999.99")


class EarningsLineFilterSet(FilterSet):
    program = django_filters.ModelChoiceFilter(queryset=IncentiveProgram.objects.all(), distinct=False)
    status = django_filters.ChoiceFilter(choices=AccrualStatus.choices, distinct=False)

    class Meta:
        model = Accrual
        fields = ["program", "status"]


LINE_SORTS = Sorts(
    orders={"newest": ("-created_at", "-id"), "amount": ("amount", "id"), "program": ("program__name", "id")},
    default="newest",
)


@dataclass
class ProgramTotals:
    program_id: int | None
    name: str
    by_status: dict[str, Decimal] = field(default_factory=dict)
    lines: int = 0

    @property
    def total(self) -> Decimal:
        return sum(self.by_status.values(), Decimal("0"))


@dataclass
class EarningsSummary:
    currency: str
    totals: dict[str, Decimal]  # accrued, approved, paid, reversed
    programs: list[ProgramTotals]
    lines: ListResult


def earnings_summary(*, actor: User, partner: Partner, params: Mapping | None = None) -> EarningsSummary:
    """The partner's money by program and status, and its lines filtered by `params` (program, status). Tenancy
    scopes both: a partner user reads its own organization's lines, whatever `partner` it names."""
    require_perm(actor, "accrual.view")
    own = tenancy.scope(Accrual.objects.all(), actor).filter(partner=partner)
    rows = (
        own.values("program_id", "program__name", "status")
        .annotate(total=Sum("amount"), lines=Count("id"))
        .order_by("program__name", "program_id", "status")
    )
    totals = {status: Decimal("0") for status in AccrualStatus.values}
    programs: dict[int | None, ProgramTotals] = {}
    for row in rows:
        amount = row["total"] or Decimal("0")
        totals[row["status"]] += amount
        entry = programs.setdefault(
            row["program_id"], ProgramTotals(row["program_id"], row["program__name"] or "Adjustments and MDF")
        )
        entry.by_status[row["status"]] = entry.by_status.get(row["status"], Decimal("0")) + amount
        entry.lines += row["lines"]
    lines = list_rows(
        actor=actor,
        queryset=Accrual.objects.filter(partner=partner).select_related("program", "deal", "statement"),
        filterset_class=EarningsLineFilterSet,
        params=params,
        sorts=LINE_SORTS,
    )
    return EarningsSummary(currency=program_currency(), totals=totals, programs=list(programs.values()), lines=lines)


# --- the calculator ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CalculatedProgram:
    program: IncentiveProgram
    amount: Decimal | None  # None: paid later (a volume bonus) or not at all (the reason says why)
    explanation: str
    applies: bool


@dataclass
class Calculation:
    amount: Decimal
    currency: str
    products: str
    program_currency: str
    rows: list[CalculatedProgram]

    @property
    def total(self) -> Decimal:
        return sum((row.amount for row in self.rows if row.amount is not None), Decimal("0"))


def _clean_amount(value) -> Decimal:
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise ValidationError({"amount": "Enter the deal's amount as a number, for example 25000."}) from None
    if not amount.is_finite():
        raise ValidationError({"amount": "Enter the deal's amount as a number, for example 25000."})
    if amount <= 0:
        raise ValidationError({"amount": "The deal's amount must be more than zero."})
    if amount > MAX_AMOUNT:
        raise ValidationError({"amount": f"The deal's amount must be at most {fmt(MAX_AMOUNT)}."})
    return amount


def _volume_bonus_text(program: IncentiveProgram, own: str) -> str:
    levels = sorted(thresholds_of(program))
    if not levels:
        return "A volume bonus without thresholds yet: nothing to earn."
    parts = [
        f"{plain_decimal(percent)}% of the quarter's revenue once it reaches {fmt(minimum).removesuffix('.00')} {own}"
        for minimum, percent in levels
    ]
    return "; ".join(parts) + " (paid after the quarter closes; this deal's revenue counts toward it)."


def _not_earned_text(program: IncentiveProgram, deal: Deal, rates: dict[str, Decimal], own: str) -> str:
    if program.kind == ProgramKind.REBATE:
        tier = deal.partner.tier
        return f"No rebate: the {tier.name} tier has no rebate percent." if tier else "No rebate: you have no tier yet."
    words = [w.strip().lower() for w in program.products.split(",") if w.strip()]
    if words and not any(w in (deal.products or "").lower() for w in words):
        return f"Does not apply: only for deals with {' or '.join(words)} in their products."
    if program.min_deal_amount is not None:
        return f"Does not apply: only for deals of at least {fmt(program.min_deal_amount)} {own}."
    return "Does not apply to this deal."


def calculate(*, actor: User, partner: Partner, amount, currency: str, products: str = "") -> Calculation:
    """What a deal of `amount` `currency` with `products`, won today, would earn the partner under each program it
    is eligible for today, with its arithmetic. A volume bonus is explained, not priced: it depends on the whole
    quarter. Raises ValidationError ({field: message}) for an amount or currency it cannot use."""
    require_perm(actor, "incentive_program.view")
    amount = _clean_amount(amount)
    code = (currency or "").strip().upper()
    if not is_currency(code):
        raise ValidationError({"currency": f"“{currency}” is not a currency code (for example USD, EUR, GBP)."})
    products = (products or "").strip()[:500]
    today = timezone.localdate()
    rates = rates_on(today)
    own = program_currency()
    if code not in rates:
        raise ValidationError({"currency": f"There is no exchange rate from {code} to {own} today."})
    deal = Deal(
        partner=partner, status=DealStatus.WON, won_amount=amount, amount=amount, currency=code,
        products=products, closed_on=today,
    )  # fmt: skip
    kinds = (ProgramKind.REBATE, ProgramKind.SPIFF, ProgramKind.VOLUME_BONUS)
    rows = []
    for program in eligible_programs(partner, today, kinds):
        if program.kind == ProgramKind.VOLUME_BONUS:
            rows.append(CalculatedProgram(program, None, _volume_bonus_text(program, own), applies=True))
            continue
        result = earned(program, deal, rates)
        if result is None:
            rows.append(CalculatedProgram(program, None, _not_earned_text(program, deal, rates, own), applies=False))
            continue
        value = round_money(result.amount, own)  # rounded once, as the accrual line would be
        text = result.explanation
        if program.budget_cap is not None:
            left = max(program.budget_cap - program.committed, Decimal("0"))
            if value > left:
                text += f"; the program's budget has only {fmt(left)} {own} left"
                value = left
        rows.append(CalculatedProgram(program, value, text, applies=True))
    return Calculation(amount=amount, currency=code, products=products, program_currency=own, rows=rows)
