"""Reads for the deal pages and the API beyond a plain get. Every function takes the caller."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import F, Prefetch, Q, QuerySet, Sum
from django.utils.functional import cached_property

from partners.models import Partner, PartnerStatus
from prm import audit, tenancy
from prm.filters import ListResult, Sorts, list_rows
from prm.money import convert, rates_on
from prm.sla import add_business_days, sla_status

from .conflicts import discloses_conflicts
from .filters import DealFilterSet, LeadFilterSet
from .models import ACTIVE_STATUSES, Deal, DealConflict, DealStatus, Lead

if TYPE_CHECKING:
    from collections.abc import Mapping

    from prm.accounts.models import User

SLA_BUSINESS_DAYS = 2
_BEST_TIER = F("tier__rank").desc(nulls_last=True)
#: Below this estimate a page counts exactly; above, it shows the planner's estimate ("about 1.2M").
EXACT_COUNT_LIMIT = 20_000

DEAL_SORTS = Sorts(
    {
        "newest": ("-id",),
        "oldest": ("id",),
        "amount": ("amount", "id"),
        "-amount": ("-amount", "-id"),
        "close": ("expected_close_date", "id"),
        "-close": ("-expected_close_date", "-id"),
        "status": ("status", "-id"),
    },
    default="newest",
    aliases={"id": "oldest", "created_at": "oldest", "expected_close_date": "close"},
)
LEAD_SORTS = Sorts(
    {"newest": ("-id",), "oldest": ("id",), "respond_by": ("respond_by", "id")},
    default="newest",
    aliases={"id": "oldest", "created_at": "oldest"},
)


def deal_list(*, actor: User, params: Mapping, sort: str | None = None) -> ListResult:
    return list_rows(
        actor=actor,
        queryset=Deal.objects.select_related("partner__tier"),
        filterset_class=DealFilterSet,
        params=params,
        sorts=DEAL_SORTS,
        sort=sort,
    )


def _active_conflicts(*fields: str) -> Prefetch:
    conflicts = DealConflict.objects.filter(other__status__in=ACTIVE_STATUSES)
    if fields:
        conflicts = conflicts.select_related("other__partner").only(*fields)
    else:
        conflicts = conflicts.select_related("other__partner__tier")
    return Prefetch("conflicts", queryset=conflicts.order_by("other__created_at"), to_attr="active_conflicts")


def approval_queue(*, user: User) -> QuerySet[Deal]:
    """Submitted deals, oldest first, each with its competing registrations (one prefetch query)."""
    return (
        tenancy.scope(Deal.objects.pending(), user)
        .select_related("partner__tier", "registered_by")
        .prefetch_related(_active_conflicts())
        .order_by("created_at", "id")
    )


#: What a row of the approval queue shows (manager/deals/queue.html), and of each competing registration
#: (manager/deals/_conflict_list.html): the page reads these columns only.
QUEUE_ROW_FIELDS = (
    "id", "status", "created_at", "customer_name", "customer_domain", "country", "amount", "currency",
    "expected_close_date", "partner__name", "partner__tier__name", "partner__tier__rank", "registered_by__email",
)  # fmt: skip
QUEUE_CONFLICT_FIELDS = (
    "id", "deal_id", "other_id", "match", "other__partner__name", "other__customer_name", "other__customer_domain",
    "other__amount", "other__currency", "other__created_at", "other__status",
)  # fmt: skip


def approval_queue_rows(*, actor: User) -> QuerySet[Deal]:
    """The approval queue as its page shows it: `approval_queue` reading only the columns a row and its competing
    registrations display (a deal row has some thirty, its manager's user row twenty more)."""
    return (
        approval_queue(user=actor)
        .only(*QUEUE_ROW_FIELDS)
        .prefetch_related(None)
        .prefetch_related(_active_conflicts(*QUEUE_CONFLICT_FIELDS))
    )


def deal_detail(*, user: User, deal: Deal) -> dict[str, Any]:
    conflicts = list(
        DealConflict.objects.filter(deal=deal, other__status__in=ACTIVE_STATUSES)
        .select_related("other__partner__tier")
        .order_by("other__created_at")
    )
    comments = tenancy.scope(deal.comments.select_related("author"), user)
    attachments = tenancy.scope(deal.attachments.select_related("uploaded_by"), user)
    return {
        "conflicts": conflicts,
        "disclose_conflicts": discloses_conflicts(user),
        "comments": list(comments),
        "attachments": list(attachments),
        "history": audit.history_for(deal, limit=50),
        "sla": sla_for(deal),
        "amount_program": convert(deal.amount, deal.currency),
        "program_currency": settings.PRM_PROGRAM_CURRENCY,
    }


# --- SLA ---------------------------------------------------------------------------------------------------


def sla_for(deal: Deal, *, now: datetime | None = None) -> dict[str, Any]:
    """The approval SLA: a registration is decided within SLA_BUSINESS_DAYS business days, any time on the last
    one. `state` is ok, due (last day), overdue or done."""
    due_day = add_business_days(deal.created_at, SLA_BUSINESS_DAYS).date()
    return sla_status(due_day, now=now, done=None if deal.status == DealStatus.SUBMITTED else "Decided")


# --- counts on big lists -----------------------------------------------------------------------------------


def estimated_count(queryset: QuerySet) -> tuple[int, bool]:
    """(count, exact). On PostgreSQL the planner's estimate is asked first (no scan); only a small result
    is counted exactly. `COUNT(*)` over a million rows on every page would cap a list near 30 requests/s."""
    if queryset.query.is_empty():  # `.none()` (invalid filters) compiles to no SQL: nothing to explain
        return 0, True
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return queryset.count(), True
    sql, params = queryset.order_by().values("id").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        raw = cursor.fetchone()[0]
    plan = (json.loads(raw) if isinstance(raw, str) else raw)[0]["Plan"]
    estimate = int(plan.get("Plan Rows", 0))
    if estimate < EXACT_COUNT_LIMIT:
        return queryset.count(), True
    return estimate, False


class EstimatedCountPaginator(Paginator):
    """A Paginator whose total is the planner's estimate on big lists (see estimated_count)."""

    @cached_property
    def count(self) -> int:
        count, self.exact = estimated_count(self.object_list)
        return count

    exact = True


# --- money -------------------------------------------------------------------------------------------------


def totals(queryset: QuerySet[Deal]) -> dict[str, Any]:
    """Sum of amounts per currency (one grouped query) and their total in the program currency."""
    by_currency = list(queryset.order_by().values("currency").annotate(total=Sum("amount")).order_by("currency"))
    rates = rates_on()
    total = Decimal("0")
    missing = []
    for row in by_currency:
        converted = convert(row["total"], row["currency"], rates=rates)
        row["converted"] = converted
        if converted is None:
            missing.append(row["currency"])
        else:
            total += converted
    return {
        "by_currency": by_currency,
        "total": total,
        "currency": settings.PRM_PROGRAM_CURRENCY,
        "missing_rates": missing,
    }


# --- leads -------------------------------------------------------------------------------------------------


def lead_list(*, actor: User, params: Mapping, sort: str | None = None) -> ListResult:
    return list_rows(
        actor=actor,
        queryset=Lead.objects.select_related("partner__tier", "converted_deal"),
        filterset_class=LeadFilterSet,
        params=params,
        sorts=LEAD_SORTS,
        sort=sort,
    )


def lead_suggestions(*, user: User, lead: Lead, limit: int = 8) -> list[Partner]:
    """Active partners that suit the lead: same country first, the lead's partner type, the best tier; never
    one that already declined it."""
    partners = tenancy.scope(Partner.objects.filter(status=PartnerStatus.ACTIVE), user).select_related("tier")
    if lead.declined_by:
        partners = partners.exclude(pk__in=lead.declined_by)
    if lead.partner_type:
        partners = partners.filter(partner_type=lead.partner_type)
    in_country = partners.filter(country=lead.country)
    ranked = list(in_country.order_by(_BEST_TIER, "name")[:limit])
    if len(ranked) < limit:
        ranked += list(partners.filter(~Q(country=lead.country)).order_by(_BEST_TIER, "name")[: limit - len(ranked)])
    return ranked
