"""Who among the partners sees a piece of program content (announcements, courses, resources): one rule.

A row restricts its audience by tiers (a many-to-many `audience_tiers`), partner types and countries (code
lists stored as ",a,b," so a portable `contains=",a,"` matches whole codes on every database). An empty
restriction means everyone; restrictions combine with AND."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, Q, QuerySet

if TYPE_CHECKING:
    from .models import Partner


def pack_codes(values) -> str:
    values = sorted({str(v).strip() for v in values or [] if str(v).strip()})
    return f",{','.join(values)}," if values else ""


def unpack_codes(value: str) -> list[str]:
    return [v for v in (value or "").split(",") if v]


def filter_by_audience(queryset: QuerySet, partner: Partner) -> QuerySet:
    """The rows of `queryset` whose audience includes `partner`."""
    field = queryset.model._meta.get_field("audience_tiers")
    through = field.remote_field.through
    own, tier = field.m2m_field_name(), field.m2m_reverse_field_name()
    restricted = Exists(through.objects.filter(**{own: OuterRef("pk")}))
    allowed = Exists(through.objects.filter(**{own: OuterRef("pk"), tier: partner.tier_id}))
    return queryset.filter(
        Q(audience_partner_types="") | Q(audience_partner_types__contains=f",{partner.partner_type},"),
        Q(audience_countries="") | Q(audience_countries__contains=f",{partner.country.code},"),
    ).filter(~restricted | allowed)
