"""`?status=open&overdue=true` means the same in the API and on the pages."""

import django_filters
from django.db.models import Q
from django.utils import timezone

from prm import tenancy
from prm.accounts.models import User
from prm.accounts.roles import STAFF_ROLES

from ..models import ACTIVE_CASE_STATUSES, Case, CaseKind, CaseStatus, Partner


def _partners(request):
    return tenancy.scope(Partner.objects.all(), getattr(request, "user", None))


def case_staff(request=None):
    """The vendor's people a case can be assigned to (what the caller may see of them)."""
    users = User.objects.filter(Q(role__in=STAFF_ROLES) | Q(is_superuser=True), is_active=True)
    return tenancy.scope(users, getattr(request, "user", None)).order_by("first_name", "last_name", "email")


class CaseFilterSet(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search", label="Search")
    status = django_filters.MultipleChoiceFilter(choices=CaseStatus.choices)
    kind = django_filters.MultipleChoiceFilter(choices=CaseKind.choices)
    partner = django_filters.ModelChoiceFilter(queryset=_partners)
    owner = django_filters.ModelChoiceFilter(queryset=case_staff)
    deal = django_filters.NumberFilter(field_name="deal_id")
    overdue = django_filters.BooleanFilter(method="filter_overdue", label="Overdue")

    class Meta:
        model = Case
        fields = ["search", "status", "kind", "partner", "owner", "deal", "overdue"]

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        q = Q(subject__icontains=value) | Q(partner__name__icontains=value)
        if value.lstrip("#").isdigit():
            q |= Q(pk=int(value.lstrip("#")))
        return queryset.filter(q)

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        overdue = Q(status__in=ACTIVE_CASE_STATUSES, due_at__lt=timezone.now())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)
