"""Reads for the partner pages and the API beyond a plain get. Every function takes the caller."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Count
from django.utils import timezone

from prm import tenancy

from .filters import PartnerFilterSet
from .models import Agreement, Partner, PartnerStatus, Tier

if TYPE_CHECKING:
    from django.http import QueryDict

    from prm.accounts.models import User

PARTNER_SORTS = {
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
}


def partner_list(*, user: User, params: QueryDict, request=None) -> tuple[PartnerFilterSet, Any]:
    """The filtered, sorted partners the user may see, and the filterset (for the form and its errors)."""
    base = tenancy.scope(Partner.objects.select_related("tier", "manager"), user)
    # The page's filter form submits every select, "Any" as an empty value: that means "no filter", not an
    # invalid choice (which would empty the directory and the CSV export).
    params = params.copy()
    for key in list(params):
        values = [v for v in params.getlist(key) if v.strip()]
        if values:
            params.setlist(key, values)
        else:
            del params[key]
    filterset = PartnerFilterSet(params, queryset=base, request=request)
    queryset = filterset.qs if filterset.is_valid() else base.none()
    sort = params.get("sort", "name")
    return filterset, queryset.order_by(*PARTNER_SORTS.get(sort, PARTNER_SORTS["name"]))


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
