"""Who among the partners sees a piece of program content (announcements, courses, resources): one rule, read
and written here.

A row restricts its audience by tiers (a many-to-many `audience_tiers`), partner types and countries (code lists
stored as ",a,b," in `audience_partner_types` and `audience_countries`, so a portable `contains=",a,"` matches
whole codes on every database). An empty restriction means everyone; restrictions combine with AND (a Gold-only,
GB-only resource is for Gold partners in GB).

Reading: tenancy calls a model's `audience_filter`, which calls `filter_by_audience`. Writing: a service splits
the audience out of its `data` (`split_audience`), saves the row, then applies it (`apply_audience`), because
tiers are a many-to-many that needs a saved row.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Exists, OuterRef, Q, QuerySet

from prm.tenancy import AUDIENCE

if TYPE_CHECKING:
    from django.db.models import Model

    from partners.models import Partner

#: The audience fields every audience model has, by these names.
AUDIENCE_FIELDS = ("audience_tiers", "audience_partner_types", "audience_countries")
_CODE_FIELDS = ("audience_partner_types", "audience_countries")


def pack_codes(values: Iterable[Any] | None) -> str:
    """ ",a,b," from codes (sorted, without blanks or repeats); "" for none, which means everyone."""
    codes = sorted({str(v).strip() for v in values or [] if str(v).strip()})
    return f",{','.join(codes)}," if codes else ""


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


def split_audience(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(plain fields, audience fields) of a service's `data`; partner types and countries come back packed."""
    plain = {k: v for k, v in data.items() if k not in AUDIENCE_FIELDS}
    audience = {k: v for k, v in data.items() if k in AUDIENCE_FIELDS}
    for key in _CODE_FIELDS:
        if key in audience:
            audience[key] = pack_codes(audience[key])
    return plain, audience


def apply_audience(instance: Model, audience: dict[str, Any]) -> list[str]:
    """Set the audience from `split_audience` on a saved instance; returns the names of the fields that changed
    (empty when nothing did, so an update that changes nothing emits no event)."""
    changed = []
    for key in _CODE_FIELDS:
        if key in audience and getattr(instance, key) != audience[key]:
            setattr(instance, key, audience[key])
            changed.append(key)
    if changed:
        instance.save(update_fields=[*changed, "updated_at"])
    if "audience_tiers" in audience:
        new = {t.pk for t in audience["audience_tiers"] or []}
        if new != set(instance.audience_tiers.values_list("pk", flat=True)):
            instance.audience_tiers.set(new)
            changed.append("audience_tiers")
    return changed


class AudienceMixin(models.Model):
    """Who among the partners may see a row: an empty restriction means everyone. Restrictions combine with
    AND (a Gold-only, GB-only resource is for Gold partners in GB)."""

    tenant_field = AUDIENCE

    audience_tiers = models.ManyToManyField("partners.Tier", blank=True, related_name="+")
    audience_partner_types = models.CharField(max_length=200, blank=True, default="")
    audience_countries = models.CharField(max_length=1000, blank=True, default="")

    class Meta:
        abstract = True

    @classmethod
    def audience_filter(cls, queryset: models.QuerySet, partner: Partner) -> models.QuerySet:
        return filter_by_audience(queryset, partner)

    @property
    def partner_type_list(self) -> list[str]:
        return unpack_codes(self.audience_partner_types)

    @property
    def country_list(self) -> list[str]:
        return unpack_codes(self.audience_countries)
