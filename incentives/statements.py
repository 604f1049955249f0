"""Payout statements: closing a period into one draft statement per partner, finance's approval, and payment.

Generation is set-based (a handful of queries whatever the number of partners): the partners with open lines are
read in one grouped query, the missing drafts made in one bulk insert, the open lines attached to their partner's
draft in one UPDATE, and the totals recomputed in one UPDATE. A line is open when it is on no statement, is
`accrued` (so the two lines of a reversed pair, both `reversed`, never land on a statement) and was made on or
before the period's end. A paid statement never changes and its lines never move: a correction is a new line
(a reversal, an adjustment) that waits for the partner's next statement."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import Count, DecimalField, Exists, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from partners.models import Partner
from prm.dates import end_of_day
from prm.events.services import event_emit
from prm.filters import FilterSet, ListResult, Sorts, list_rows
from prm.money import plain_decimal
from prm.permissions import require_perm
from prm.services import service
from prm.states import StateMachine

from .accruals import program_currency
from .models import Accrual, AccrualStatus, PayoutStatement, StatementStatus

if TYPE_CHECKING:
    from prm.accounts.models import User

logger = logging.getLogger(__name__)

STATEMENT_STATES = StateMachine(
    {
        StatementStatus.DRAFT: {StatementStatus.APPROVED},
        StatementStatus.APPROVED: {StatementStatus.PAID},
        StatementStatus.PAID: set(),
    },
    noun="statement",
    labels=StatementStatus,
    verbs={StatementStatus.APPROVED: "approve", StatementStatus.PAID: "mark paid"},
    closed="A paid statement never changes: a correction is an adjustment line on the next statement.",
)

#: The lines a statement's total is the sum of, as a subquery per statement.
_LINE_TOTAL = Coalesce(
    Subquery(
        Accrual.objects.filter(statement=OuterRef("pk"))
        .order_by()
        .values("statement")
        .annotate(s=Sum("amount"))
        .values("s")[:1],
        output_field=DecimalField(max_digits=14, decimal_places=2),
    ),
    Value(Decimal("0")),
    output_field=DecimalField(max_digits=14, decimal_places=2),
)


def open_lines(period_end: date):
    """Lines waiting for a statement: on none, accrued, made on or before `period_end`."""
    return Accrual.objects.filter(
        statement__isnull=True, status=AccrualStatus.ACCRUED, created_at__lt=end_of_day(period_end)
    )


@service
def statements_generate(*, actor: User, period_start: date, period_end: date) -> dict[str, int]:
    """Close a period: every partner with open lines gets a draft statement of the period (an existing draft of the
    same period takes the new lines); a partner whose statement of the period is approved or paid keeps its new
    lines for the next period. Running it twice adds nothing. Returns counts: statements made, statements that took
    lines, lines placed."""
    require_perm(actor, "payout.generate", "Only finance can close a payout period.")
    if period_end < period_start:
        raise ValidationError({"period_end": "The period must end on or after its start."})
    lines = open_lines(period_end)
    period = {"period_start": period_start, "period_end": period_end}
    of_period = PayoutStatement.objects.filter(**period)
    # 1. the partners with open lines and no statement of the period (one grouped query)
    missing = (
        lines.filter(~Exists(of_period.filter(partner_id=OuterRef("partner_id"))))
        .order_by("partner_id")
        .values_list("partner_id", flat=True)
        .distinct()
    )
    # 2. a draft for each (one insert per thousand; a concurrent run's rows are skipped, not doubled)
    currency = program_currency()
    made = PayoutStatement.objects.bulk_create(
        [PayoutStatement(partner_id=pid, currency=currency, **period) for pid in missing],
        batch_size=1000,
        ignore_conflicts=True,
    )
    # 3. the drafts that take lines, locked: a statement being approved now is waited for, so it never takes a
    # line after finance saw it (approved or paid statements of the period take nothing)
    drafts = of_period.filter(status=StatementStatus.DRAFT)
    taking = list(
        drafts.filter(partner_id__in=lines.values("partner_id"))
        .select_for_update()
        .order_by("pk")  # one lock order for every run: two closes at once never deadlock
        .values_list("pk", flat=True)
    )
    # 4. the open lines onto their partner's draft (one UPDATE)
    placed = lines.filter(partner_id__in=drafts.values("partner_id")).update(
        statement=Subquery(drafts.filter(partner_id=OuterRef("partner_id")).order_by().values("pk")[:1])
    )
    # 5. the drafts' totals: the sum of their (already rounded) lines (one UPDATE)
    if placed:
        drafts.update(total=_LINE_TOTAL)
    result = {"created": len(made), "statements": len(taking), "lines": placed}
    event_emit(
        name="payout.generated",
        instance=PayoutStatement(**period),
        actor=actor,
        partner_id=None,
        aggregate_id=f"{period_start.isoformat()}/{period_end.isoformat()}",
        payload={"period_start": period_start.isoformat(), "period_end": period_end.isoformat(), **result},
    )
    logger.info(
        "payout.generated",
        extra={
            "actor_id": actor.pk,
            "period": f"{period_start}/{period_end}",
            **{f"n_{k}": v for k, v in result.items()},
        },
    )
    return result


def _locked(statement: PayoutStatement) -> PayoutStatement:
    return PayoutStatement.objects.select_for_update().get(pk=statement.pk)


def _payload(statement: PayoutStatement) -> dict:
    return {
        "id": statement.pk,
        "partner": statement.partner_id,
        "period_start": statement.period_start.isoformat(),
        "period_end": statement.period_end.isoformat(),
        "total": str(statement.total),
        "currency": statement.currency,
        "status": statement.status,
    }


@service
def statement_approve(*, actor: User, statement: PayoutStatement) -> PayoutStatement:
    """Finance approves a draft: it and its lines become approved (event `payout.approved`)."""
    require_perm(actor, "payout.approve", "Only finance can approve payout statements.")
    statement = _locked(statement)
    STATEMENT_STATES.check(statement.status, StatementStatus.APPROVED, verb="approve")
    statement.status = StatementStatus.APPROVED
    statement.approved_by = actor
    statement.approved_at = timezone.now()
    # the total again from the lines as they are now, under the lock: what finance approves is what is listed
    statement.total = statement.lines.aggregate(s=Sum("amount"))["s"] or Decimal("0")
    statement.save(update_fields=["status", "approved_by", "approved_at", "total", "updated_at"])
    statement.lines.update(status=AccrualStatus.APPROVED)
    event_emit(name="payout.approved", instance=statement, actor=actor, payload=_payload(statement))
    logger.info("payout.approved", extra={"statement_id": statement.pk, "actor_id": actor.pk})
    return statement


@service
def statement_mark_paid(*, actor: User, statement: PayoutStatement, payment_reference: str = "") -> PayoutStatement:
    """Finance records the payment of an approved statement: it and its lines become paid (event `payout.paid`)."""
    require_perm(actor, "payout.mark_paid", "Only finance can mark payout statements paid.")
    statement = _locked(statement)
    STATEMENT_STATES.check(statement.status, StatementStatus.PAID, verb="mark paid")
    statement.status = StatementStatus.PAID
    statement.paid_by = actor
    statement.paid_at = timezone.now()
    statement.payment_reference = (payment_reference or "").strip()[:100]
    statement.save(update_fields=["status", "paid_by", "paid_at", "payment_reference", "updated_at"])
    statement.lines.update(status=AccrualStatus.PAID)
    event_emit(name="payout.paid", instance=statement, actor=actor, payload=_payload(statement))
    logger.info("payout.paid", extra={"statement_id": statement.pk, "actor_id": actor.pk})
    return statement


# --- reads ----------------------------------------------------------------------------------------------------


class PayoutStatementFilterSet(FilterSet):
    partner = django_filters.ModelChoiceFilter(queryset=Partner.objects.all())
    status = django_filters.ChoiceFilter(choices=StatementStatus.choices)
    #: a range of periods: statements whose period lies within [period_start, period_end]
    period_start = django_filters.DateFilter(lookup_expr="gte", label="Period from")
    period_end = django_filters.DateFilter(lookup_expr="lte", label="Period to")
    search = django_filters.CharFilter(method="filter_search", label="Search")

    class Meta:
        model = PayoutStatement
        fields = ["search", "partner", "status", "period_start", "period_end"]

    def filter_search(self, queryset, name, value):
        value = value.strip()[:200]
        return (
            queryset.filter(Q(partner__name__icontains=value) | Q(payment_reference__icontains=value))
            if value
            else queryset
        )


STATEMENT_SORTS = Sorts(
    {
        "newest": ("-period_end", "partner__name", "id"),
        "period": ("period_end", "partner__name", "id"),
        "partner": ("partner__name", "-period_end", "id"),
        "total": ("total", "id"),
        "-total": ("-total", "id"),
        "status": ("status", "-period_end", "id"),
    },
    default="newest",
    aliases={"period_end": "period", "period_start": "period", "id": "period", "created_at": "period"},
)


def statement_queryset():
    return PayoutStatement.objects.select_related("partner")


def statement_list(*, actor: User, params: Mapping | None, sort: str | None = None) -> ListResult:
    """The statements `actor` may see (a partner only its own), filtered and sorted, with their line counts."""
    return list_rows(
        actor=actor,
        queryset=statement_queryset(),
        filterset_class=PayoutStatementFilterSet,
        params=params,
        sorts=STATEMENT_SORTS,
        sort=sort,
        prepare=lambda rows: rows.annotate(line_count=Count("lines")),
    )


def statement_lines(statement: PayoutStatement):
    """A statement's lines in the order they read: oldest first, with their program, deal and reversed line."""
    return statement.lines.select_related("program", "deal", "reverses").order_by("created_at", "id")


def approved_export_rows(*, actor: User, params: Mapping | None = None):
    """The payment system's file: one row per approved (or, asked for, paid) statement — partner id, name, amount,
    currency, statement, period — read in chunks. The permission and the status are checked now, not when the
    rows are streamed."""
    require_perm(actor, "payout.export", "Your role cannot export payouts.")
    status = (params or {}).get("status") or StatementStatus.APPROVED
    if status not in (StatementStatus.APPROVED, StatementStatus.PAID):
        raise ValidationError({"status": "The payment file holds approved (or paid) statements only."})
    queryset = statement_list(actor=actor, params=params).queryset
    queryset = queryset.filter(status=status).order_by("partner__name", "id")

    def rows():
        for s in queryset.iterator(chunk_size=1000):
            period = (s.period_start.isoformat(), s.period_end.isoformat())
            yield [s.partner_id, s.partner.name, s.total, s.currency, s.pk, *period]

    return rows()


EXPORT_COLUMNS = ["partner_id", "partner", "amount", "currency", "statement_id", "period_start", "period_end"]
LINE_COLUMNS = [
    "line_id", "created_at", "kind", "program", "deal_id", "customer", "explanation", "base_amount", "base_currency",
    "exchange_rate", "amount", "currency", "reverses",
]  # fmt: skip


def line_rows(statement: PayoutStatement):
    for line in statement_lines(statement):
        yield [
            line.pk,
            line.created_at.isoformat(),
            line.kind,
            line.program.name if line.program else "",
            line.deal_id or "",
            line.deal.customer_name if line.deal else "",
            line.explanation,
            line.base_amount if line.base_amount is not None else "",
            line.base_currency,
            plain_decimal(line.exchange_rate) if line.exchange_rate is not None else "",
            line.amount,
            line.currency,
            line.reverses_id or "",
        ]
    yield ["", "", "total", "", "", "", "", "", "", "", statement.total, statement.currency, ""]
