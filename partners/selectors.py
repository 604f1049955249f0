"""Reads for the partner pages and the API beyond a plain get. Every function takes the caller."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Count
from django.utils import timezone

from prm import tenancy
from prm.filters import ListResult, Sorts, list_rows

from .filters import PartnerFilterSet
from .models import Agreement, Partner, PartnerStatus, Tier

if TYPE_CHECKING:
    from collections.abc import Mapping

    from django.db.models import QuerySet

    from prm.accounts.models import User

PARTNER_SORTS = Sorts(
    {
        "name": ("name", "id"),
        "-name": ("-name", "-id"),
        "country": ("country", "name"),
        "-country": ("-country", "name"),
        "status": ("status", "name"),
        "-status": ("-status", "name"),
        "tier": ("tier__rank", "name"),
        "-tier": ("-tier__rank", "name"),
        "joined": ("joined_on", "id"),
        "-joined": ("-joined_on", "-id"),
        "created": ("created_at", "id"),
    },
    default="name",
    aliases={"joined_on": "joined", "tier__rank": "tier", "created_at": "created"},
)


def partner_choices(*, actor: User) -> QuerySet[Partner]:
    """The partners `actor` may pick in a form, by name: only the id and name are read, because a manager's
    select lists all of them (10,000 model rows with every column took half a second to build)."""
    return tenancy.scope(Partner.objects.only("id", "name").order_by("name", "id"), actor)


def partner_list(*, actor: User, params: Mapping, sort: str | None = None) -> ListResult:
    """The filtered, sorted partners the actor may see, and the filterset (for the form and its errors)."""
    return list_rows(
        actor=actor,
        queryset=Partner.objects.select_related("tier", "manager"),
        filterset_class=PartnerFilterSet,
        params=params,
        sorts=PARTNER_SORTS,
        sort=sort,
    )


def program_overview(*, user: User) -> dict[str, Any]:
    """The manager dashboard's figures (staff only, who see the whole program): a handful of aggregate
    queries, whatever the number of partners."""
    partners = tenancy.scope(Partner.objects.all(), user)
    by_status = dict(partners.values_list("status").annotate(n=Count("id")).order_by())
    today = timezone.localdate()
    tiers = list(tenancy.scope(Tier.objects.all(), user).annotate(partner_count=Count("partners")).order_by("-rank"))
    untiered = partners.filter(tier__isnull=True).count()
    expiring = (
        tenancy.scope(Agreement.objects.all(), user)
        .expiring_within(today, settings.PRM_AGREEMENT_REMINDER_DAYS)
        .select_related("partner")
        .order_by("expires_on")[:8]
    )
    return {
        "total": sum(by_status.values()),
        "by_status": [(s.value, s.label, by_status.get(s.value, 0)) for s in PartnerStatus],
        "tiers": tiers,
        "untiered": untiered,
        "expiring_agreements": list(expiring),
        "recent_partners": list(partners.select_related("tier").order_by("-created_at", "-id")[:6]),
        "new_this_month": partners.filter(joined_on__gte=today - timedelta(days=30)).count(),
    }


def partner_detail(*, user: User, partner: Partner) -> dict[str, Any]:
    from prm import audit
    from prm.accounts.models import User as UserModel

    users = tenancy.scope(UserModel.objects.filter(partner=partner), user).order_by("-is_active", "email")
    agreements = tenancy.scope(Agreement.objects.filter(partner=partner), user).order_by("expires_on", "id")
    return {
        "users": list(users),
        "agreements": list(agreements),
        "history": audit.history_for(partner, related=agreements, limit=50),
    }
