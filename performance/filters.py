"""Filters of the performance lists, shared by the API and the pages: `?health_status=red` means the same
everywhere. Related choices (the partner) are scoped by the actor through prm.filters.FilterSet."""

import django_filters

from partners.models import Partner
from prm.filters import FilterSet

from .models import ChurnRisk, HealthStatus, PeriodKind, ProposalStatus, Scorecard, TierProposal

DIRECTION_CHOICES = [("promotion", "Promotion"), ("demotion", "Demotion")]


class ScorecardFilterSet(FilterSet):
    # distinct=False: columns of the scorecard or a forward key, so no row can repeat
    partner = django_filters.ModelMultipleChoiceFilter(queryset=Partner.objects.all(), distinct=False)
    period_kind = django_filters.MultipleChoiceFilter(choices=PeriodKind.choices, distinct=False)
    period_start = django_filters.DateFilter(help_text="The period's first day (a ttm period: its first month).")
    health_status = django_filters.MultipleChoiceFilter(choices=HealthStatus.choices, distinct=False)
    churn_risk = django_filters.MultipleChoiceFilter(choices=ChurnRisk.choices, distinct=False)

    class Meta:
        model = Scorecard
        fields = ["partner", "period_kind", "period_start", "health_status", "churn_risk"]


class TierProposalFilterSet(FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=ProposalStatus.choices, distinct=False)
    direction = django_filters.ChoiceFilter(choices=DIRECTION_CHOICES)
    partner = django_filters.ModelMultipleChoiceFilter(queryset=Partner.objects.all(), distinct=False)

    class Meta:
        model = TierProposal
        fields = ["status", "direction", "partner"]
