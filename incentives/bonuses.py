"""Volume bonuses: once a quarter has closed, each eligible partner whose won revenue reached a threshold earns
that threshold's percent of the quarter's revenue — once (a unique constraint per program, partner and quarter)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db.models import Q, Sum

from deals.models import Deal, DealStatus
from performance.engine import in_program_currency
from performance.periods import Period
from prm.money import plain_decimal, rates_on

from .accruals import HUNDRED, accrue, eligible_partners, fmt, program_currency
from .models import Accrual, AccrualKind, IncentiveProgram, ProgramKind


def thresholds_of(program: IncentiveProgram) -> list[tuple[Decimal, Decimal]]:
    """[(min revenue, percent)] from the highest threshold down."""
    rows = [(Decimal(str(t["min_revenue"])), Decimal(str(t["percent"]))) for t in program.thresholds or []]
    return sorted(rows, reverse=True)


def volume_bonuses_close(*, today: date, quarter: Period | None = None) -> int:
    """Bonuses of the last closed quarter (or `quarter`): one grouped query of won revenue per eligible partner,
    one line per partner that reached a threshold. Returns how many lines were made."""
    quarter = quarter or Period.containing("quarter", today).previous()
    if quarter.end >= today:
        return 0  # paid once the quarter has closed
    rates = rates_on(quarter.end)
    made = 0
    programs = IncentiveProgram.objects.filter(
        is_active=True, kind=ProgramKind.VOLUME_BONUS, starts_on__lte=quarter.end
    )
    for program in programs.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=quarter.start)):
        levels = thresholds_of(program)
        if not levels:
            continue
        paid = set(
            Accrual.objects.filter(
                program=program, kind=AccrualKind.ACCRUAL, period_start=quarter.start, reversed_at__isnull=True
            ).values_list("partner_id", flat=True)
        )
        revenue = (
            Deal.objects.filter(
                status=DealStatus.WON,
                closed_on__gte=max(quarter.start, program.starts_on),
                closed_on__lte=min(quarter.end, program.ends_on or quarter.end),
                partner__in=eligible_partners(program),
            )
            .values("partner_id")
            .annotate(revenue=Sum(in_program_currency("won_amount", rates)))
            .order_by("partner_id")
        )
        for row in revenue:
            total = row["revenue"] or Decimal("0")
            if row["partner_id"] in paid:
                continue
            reached = next(((minimum, percent) for minimum, percent in levels if total >= minimum), None)
            if reached is None:
                continue
            minimum, percent = reached
            own = program_currency()
            explanation = (
                f"{plain_decimal(percent)}% of {fmt(total)} {own} won in {quarter.label} "
                f"(volume bonus: {fmt(minimum)} {own} or more)"
            )
            if accrue(
                program=program,
                partner_id=row["partner_id"],
                amount=total * percent / HUNDRED,
                explanation=explanation,
                period=(quarter.start, quarter.end),
            ):
                made += 1
    return made
