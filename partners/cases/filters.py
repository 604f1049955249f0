"""`?status=open&overdue=true` means the same in the API and on the pages."""

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone

from prm import tenancy
from prm.filters import FilterSet, staff_users

from ..models import ACTIVE_CASE_STATUSES, Case, CaseKind, CaseStatus, Partner


def case_staff(actor=None) -> QuerySet:
    """The vendor's people a case can be assigned to (what `actor` may see of them)."""
    users = staff_users().filter(is_active=True)
    return tenancy.scope(users, actor).order_by("first_name", "last_name", "email")


class CaseFilterSet(FilterSet):
    search = django_filters.CharFilter(method="filter_search", label="Search")
    status = django_filters.MultipleChoiceFilter(choices=CaseStatus.choices)
    kind = django_filters.MultipleChoiceFilter(choices=CaseKind.choices)
    partner = django_filters.ModelChoiceFilter(queryset=Partner.objects.all())
    owner = django_filters.ModelChoiceFilter(queryset=case_staff)
    deal = django_filters.NumberFilter(field_name="deal_id")
    overdue = django_filters.BooleanFilter(method="filter_overdue", label="Overdue")

    class Meta:
        model = Case
        fields = ["search", "status", "kind", "partner", "owner", "deal", "overdue"]

    def filter_search(self, queryset, name, value):
        value = value.strip()
        q = Q(subject__icontains=value) | Q(partner__name__icontains=value)
        if value.lstrip("#").isdigit() and int(value.lstrip("#")) <= 2**63 - 1:
            q |= Q(pk=int(value.lstrip("#")))
        return queryset.filter(q)

    def filter_overdue(self, queryset, name, value):
        overdue = Q(status__in=ACTIVE_CASE_STATUSES, due_at__lt=timezone.now())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)
