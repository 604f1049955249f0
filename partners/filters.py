"""Filters shared by the API and the pages: `?status=active` means the same everywhere."""

import django_filters
from django.db.models import Q
from django_countries import countries

from prm.filters import FilterSet, staff_users

from .models import Agreement, AgreementKind, Partner, PartnerStatus, PartnerType, Tier


class PartnerFilterSet(FilterSet):
    search = django_filters.CharFilter(method="filter_search", label="Search")
    status = django_filters.MultipleChoiceFilter(choices=PartnerStatus.choices)
    partner_type = django_filters.MultipleChoiceFilter(choices=PartnerType.choices, label="Type")
    tier = django_filters.ModelMultipleChoiceFilter(queryset=Tier.objects.all())
    country = django_filters.MultipleChoiceFilter(choices=list(countries))
    manager = django_filters.ModelChoiceFilter(queryset=staff_users())

    class Meta:
        model = Partner
        fields = ["search", "status", "partner_type", "tier", "country", "manager"]

    def filter_search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(name__icontains=value) | Q(domain__icontains=value) | Q(city__icontains=value))


class AgreementFilterSet(FilterSet):
    partner = django_filters.ModelChoiceFilter(queryset=Partner.objects.all())
    kind = django_filters.MultipleChoiceFilter(choices=AgreementKind.choices)
    expires_before = django_filters.DateFilter(field_name="expires_on", lookup_expr="lte")
    expires_after = django_filters.DateFilter(field_name="expires_on", lookup_expr="gte")

    class Meta:
        model = Agreement
        fields = ["partner", "kind", "expires_before", "expires_after"]
