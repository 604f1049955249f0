"""Filters shared by the API and the pages: `?status=active` means the same everywhere."""

import django_filters
from django.db.models import Q
from django_countries import countries

from prm import tenancy
from prm.accounts.models import User
from prm.accounts.roles import STAFF_ROLES

from .models import Agreement, AgreementKind, Partner, PartnerStatus, PartnerType, Tier


class PartnerFilterSet(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search", label="Search")
    status = django_filters.MultipleChoiceFilter(choices=PartnerStatus.choices)
    partner_type = django_filters.MultipleChoiceFilter(choices=PartnerType.choices, label="Type")
    tier = django_filters.ModelMultipleChoiceFilter(queryset=Tier.objects.all())
    country = django_filters.MultipleChoiceFilter(choices=list(countries))
    manager = django_filters.ModelChoiceFilter(queryset=lambda request: _staff_visible_to(request))

    class Meta:
        model = Partner
        fields = ["search", "status", "partner_type", "tier", "country", "manager"]

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(domain__icontains=value) | Q(city__icontains=value))


def _staff_visible_to(request):
    return tenancy.scope(User.objects.filter(role__in=STAFF_ROLES), getattr(request, "user", None))


def _partners_visible_to(request):
    return tenancy.scope(Partner.objects.all(), getattr(request, "user", None))


class AgreementFilterSet(django_filters.FilterSet):
    partner = django_filters.ModelChoiceFilter(queryset=_partners_visible_to)
    kind = django_filters.MultipleChoiceFilter(choices=AgreementKind.choices)
    expires_before = django_filters.DateFilter(field_name="expires_on", lookup_expr="lte")
    expires_after = django_filters.DateFilter(field_name="expires_on", lookup_expr="gte")

    class Meta:
        model = Agreement
        fields = ["partner", "kind", "expires_before", "expires_after"]
