"""Scorecard periods: calendar months, calendar quarters, and the trailing twelve months (the twelve calendar
months ending with the current one, so its key moves once a month and its history stays comparable)."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

MONTH, QUARTER, TTM = "month", "quarter", "ttm"
KINDS = (MONTH, QUARTER, TTM)
#: How a KPI that adds up over time scales its quarterly target to a period of this kind.
TARGET_SCALE = {MONTH: Decimal(1) / Decimal(3), QUARTER: Decimal(1), TTM: Decimal(4)}


def _add_months(day: date, months: int) -> date:
    """The first day of the month `months` after `day`'s month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


@dataclass(frozen=True)
class Period:
    kind: str
    start: date
    end: date  # inclusive

    @classmethod
    def containing(cls, kind: str, day: date) -> Period:
        if kind == MONTH:
            start = day.replace(day=1)
            return cls(kind, start, _month_end(start))
        if kind == QUARTER:
            start = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
            return cls(kind, start, _month_end(_add_months(start, 2)))
        if kind == TTM:
            return cls(kind, _add_months(day, -11), _month_end(day))
        raise ValueError(f"unknown period kind {kind!r}")

    @classmethod
    def starting(cls, kind: str, start: date) -> Period:
        """The period of `kind` whose key is `start` (a ttm period is keyed by its first month)."""
        if kind == TTM:
            return cls.containing(TTM, _add_months(start, 11))
        period = cls.containing(kind, start)
        if period.start != start:
            raise ValueError(f"{start} does not start a {kind}")
        return period

    def shifted(self, steps: int) -> Period:
        """The period `steps` periods later (negative: earlier); a ttm period moves by whole months."""
        months = {MONTH: 1, QUARTER: 3, TTM: 1}[self.kind] * steps
        anchor = _add_months(self.end.replace(day=1), months)
        return Period.containing(self.kind, anchor)

    def previous(self) -> Period:
        return self.shifted(-1)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def is_open(self, today: date) -> bool:
        return self.start <= today <= self.end

    def as_of(self, today: date) -> date:
        """The day the period's levels are read on: its last day, or today while it is open."""
        return min(self.end, today)

    def elapsed_fraction(self, today: date) -> Decimal:
        if today >= self.end:
            return Decimal(1)
        if today < self.start:
            return Decimal(0)
        return Decimal((today - self.start).days + 1) / Decimal(self.days)

    @property
    def label(self) -> str:
        if self.kind == MONTH:
            return self.start.strftime("%b %Y")
        if self.kind == QUARTER:
            return f"Q{(self.start.month - 1) // 3 + 1} {self.start.year}"
        return f"12 months to {self.end.strftime('%b %Y')}"


def ttm_ending(day: date) -> Period:
    return Period.containing(TTM, day)


def day_after(day: date) -> date:
    return day + timedelta(days=1)
