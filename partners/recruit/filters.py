"""The screening queue's filters, shared by the API and the page: `?status=screening` means the same everywhere."""

import django_filters
from django.db.models import Q
from django_countries import countries

from prm.filters import FilterSet

from ..models import Application, ApplicationStatus, PartnerType


class ApplicationFilterSet(FilterSet):
    search = django_filters.CharFilter(method="filter_search", label="Search")
    status = django_filters.MultipleChoiceFilter(choices=ApplicationStatus.choices)
    partner_type = django_filters.MultipleChoiceFilter(choices=PartnerType.choices, label="Type")
    country = django_filters.MultipleChoiceFilter(choices=list(countries))
    fit_min = django_filters.NumberFilter(field_name="fit_score", lookup_expr="gte", label="Fit from")
    fit_max = django_filters.NumberFilter(field_name="fit_score", lookup_expr="lte", label="Fit to")
    flagged = django_filters.BooleanFilter(method="filter_flagged", label="Possible duplicates")

    class Meta:
        model = Application
        fields = ["search", "status", "partner_type", "country", "fit_min", "fit_max", "flagged"]

    def filter_search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(
            Q(company_name__icontains=value) | Q(domain__icontains=value) | Q(contact_email__icontains=value)
        )

    def filter_flagged(self, queryset, name, value):
        flagged = Q(duplicate_of_partner__isnull=False) | Q(duplicate_of_application__isnull=False)
        return queryset.filter(flagged) if value else queryset.exclude(flagged)
