"""Reads of programs and accrual lines, shared by the API and the pages: the same filters (`?kind=spiff` means the
same everywhere), the same sort names, scoped to the actor through prm.filters.list_rows (a partner sees the
programs it is eligible for and only its own lines)."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

import django_filters
from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.db.models.functions import Coalesce

from deals.models import Deal
from partners.models import Partner, Tier
from prm.filters import FilterSet, ListResult, Sorts, list_rows

from .models import Accrual, AccrualKind, AccrualStatus, IncentiveProgram, ProgramKind

if TYPE_CHECKING:
    from collections.abc import Mapping

    from prm.accounts.models import User

_TIERS_THROUGH = IncentiveProgram.audience_tiers.through


class IncentiveProgramFilterSet(FilterSet):
    search = django_filters.CharFilter(method="filter_search", label="Search")
    kind = django_filters.ChoiceFilter(choices=ProgramKind.choices)
    active = django_filters.BooleanFilter(field_name="is_active", label="Active")
    tier = django_filters.ModelChoiceFilter(
        queryset=Tier.objects.all(),
        field_name="audience_tiers",
        method="filter_tier",
        label="Tier",
        help_text="Programs open to this tier.",
    )

    class Meta:
        model = IncentiveProgram
        fields = ["search", "kind", "active", "tier"]

    def filter_search(self, queryset, name, value):
        value = value.strip()[:200]
        return queryset.filter(name__icontains=value) if value else queryset

    def filter_tier(self, queryset, name, value):
        # open to the tier: no tier restriction, or the tier among the restricted ones (no join, no repeats)
        restricted = Exists(_TIERS_THROUGH.objects.filter(incentiveprogram_id=OuterRef("pk")))
        allowed = Exists(_TIERS_THROUGH.objects.filter(incentiveprogram_id=OuterRef("pk"), tier_id=value.pk))
        return queryset.filter(~restricted | allowed)


PROGRAM_SORTS = Sorts(
    {
        "name": ("name", "id"),
        "kind": ("kind", "name", "id"),
        "starts": ("starts_on", "name", "id"),
        "ends": ("ends_on", "name", "id"),
        "committed": ("-committed", "name", "id"),
        "newest": ("-created_at", "-id"),
    },
    default="name",
    aliases={"starts_on": "starts", "ends_on": "ends", "created_at": "newest"},
)


def program_list(*, actor: User, params: Mapping | None, sort: str | None = None) -> ListResult:
    """The programs the actor may see (a partner: those whose audience includes it), filtered and sorted."""
    return list_rows(
        actor=actor,
        queryset=IncentiveProgram.objects.prefetch_related("audience_tiers"),
        filterset_class=IncentiveProgramFilterSet,
        params=params,
        sorts=PROGRAM_SORTS,
        sort=sort,
    )


class AccrualFilterSet(FilterSet):
    # distinct=False: columns of the line or forward keys, so no row can repeat
    partner = django_filters.ModelChoiceFilter(queryset=Partner.objects.all())
    program = django_filters.ModelChoiceFilter(queryset=IncentiveProgram.objects.all())
    deal = django_filters.ModelChoiceFilter(queryset=Deal.objects.all())
    status = django_filters.MultipleChoiceFilter(choices=AccrualStatus.choices, distinct=False)
    kind = django_filters.MultipleChoiceFilter(choices=AccrualKind.choices, distinct=False)
    created_from = django_filters.DateFilter(field_name="created_at", lookup_expr="date__gte", label="From")
    created_to = django_filters.DateFilter(field_name="created_at", lookup_expr="date__lte", label="To")

    class Meta:
        model = Accrual
        fields = ["partner", "program", "deal", "status", "kind", "created_from", "created_to"]


ACCRUAL_SORTS = Sorts(
    {
        "date": ("created_at", "id"),
        "amount": ("amount", "id"),
        "partner": ("partner__name", "-created_at", "-id"),
        "program": ("program__name", "-created_at", "-id"),
        "status": ("status", "-created_at", "-id"),
    },
    default="-date",
    aliases={"created_at": "date"},
)

ACCRUAL_QUERYSET = Accrual.objects.select_related("partner", "program", "deal")


def accrual_list(*, actor: User, params: Mapping | None, sort: str | None = None) -> ListResult:
    """The lines the actor may see (a partner: its own), filtered and sorted, with partner, program and deal."""
    return list_rows(
        actor=actor,
        queryset=ACCRUAL_QUERYSET,
        filterset_class=AccrualFilterSet,
        params=params,
        sorts=ACCRUAL_SORTS,
        sort=sort,
    )


def program_totals(program: IncentiveProgram) -> dict[str, dict[str, Decimal | int]]:
    """The program's lines by status: {status: {"amount", "count"}}, every status present (one query)."""
    rows = (
        Accrual.objects.filter(program=program)
        .values("status")
        .annotate(total=Coalesce(Sum("amount"), Decimal(0)), count=Count("id"))
    )
    totals = {value: {"label": label, "amount": Decimal(0), "count": 0} for value, label in AccrualStatus.choices}
    for row in rows:
        totals[row["status"]].update(amount=row["total"], count=row["count"])
    return totals


def capped_total(program: IncentiveProgram) -> Decimal:
    """What the budget cap refused, in all."""
    return Accrual.objects.filter(program=program).aggregate(
        total=Coalesce(Sum("capped_amount", filter=Q(capped_amount__gt=0)), Decimal(0))
    )["total"]
