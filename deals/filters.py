"""Filters shared by the API and the pages: `?status=approved` means the same everywhere. Every filter has an
index behind it (see Deal.Meta.indexes), so a filtered page over a million deals stays an index scan."""

import django_filters
from django.db.models import Q
from django_countries import countries

from partners.models import Partner, PartnerType, Tier
from partners.services import normalize_domain
from prm.dates import end_of_day, start_of_day
from prm.filters import FilterSet, FrozenChoices

from .conflicts import normalize_name
from .models import Deal, DealStatus, Lead, LeadStatus

# Plain (code, name) pairs, built once and shared by every request's filterset and form (copying ~250 of
# django-countries' named tuples took longer than the database takes to answer a page of deals).
_COUNTRY_CHOICES = FrozenChoices((code, str(name)) for code, name in countries)


class DealFilterSet(FilterSet):
    search = django_filters.CharFilter(method="filter_search", label="Customer")
    # distinct=False: each of these is a column of the deal or a forward foreign key, so no row can repeat, and
    # django-filter's default DISTINCT would make PostgreSQL sort the whole filtered set for a page of 25
    status = django_filters.MultipleChoiceFilter(choices=DealStatus.choices, distinct=False)
    partner = django_filters.ModelMultipleChoiceFilter(queryset=Partner.objects.all(), distinct=False)
    tier = django_filters.ModelMultipleChoiceFilter(
        field_name="partner__tier", queryset=Tier.objects.all(), distinct=False
    )
    country = django_filters.MultipleChoiceFilter(choices=_COUNTRY_CHOICES, distinct=False)
    amount_min = django_filters.NumberFilter(field_name="amount", lookup_expr="gte", label="Amount from")
    amount_max = django_filters.NumberFilter(field_name="amount", lookup_expr="lte", label="Amount to")
    registered_after = django_filters.DateFilter(method="filter_registered_after")
    registered_before = django_filters.DateFilter(method="filter_registered_before")
    close_after = django_filters.DateFilter(field_name="expected_close_date", lookup_expr="gte")
    close_before = django_filters.DateFilter(field_name="expected_close_date", lookup_expr="lte")

    class Meta:
        model = Deal
        fields = [
            "search",
            "status",
            "partner",
            "tier",
            "country",
            "amount_min",
            "amount_max",
            "registered_after",
            "registered_before",
            "close_after",
            "close_before",
        ]

    def filter_search(self, queryset, name, value):
        """By customer, through the Customer table: its domain (btree) or a part of its normalized name
        (the trigram GIN index answers `LIKE '%…%'` on PostgreSQL)."""
        norm = normalize_name(value)
        if not norm:
            return queryset
        q = Q(customer__name_normalized__contains=norm)
        domain = normalize_domain(value)
        if "." in domain:
            q |= Q(customer__domain=domain)
        return queryset.filter(q)

    # Bounds on the column itself (not `created_at::date`), so the (created_at, id) index serves them.
    def filter_registered_after(self, queryset, name, value):
        return queryset.filter(created_at__gte=start_of_day(value))

    def filter_registered_before(self, queryset, name, value):
        return queryset.filter(created_at__lt=end_of_day(value))


class LeadFilterSet(FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=LeadStatus.choices)
    partner = django_filters.ModelChoiceFilter(queryset=Partner.objects.all())
    country = django_filters.MultipleChoiceFilter(choices=list(countries))
    partner_type = django_filters.MultipleChoiceFilter(choices=PartnerType.choices)

    class Meta:
        model = Lead
        fields = ["status", "partner", "country", "partner_type"]
