"""Survey answers' filters, shared by the API and the pages."""

import django_filters

from prm.filters import FilterSet

from ..models import Partner, Survey, SurveyResponse


class SurveyResponseFilterSet(FilterSet):
    survey = django_filters.ModelChoiceFilter(queryset=Survey.objects.all())
    partner = django_filters.ModelChoiceFilter(queryset=Partner.objects.all())
    score_min = django_filters.NumberFilter(field_name="score", lookup_expr="gte")
    score_max = django_filters.NumberFilter(field_name="score", lookup_expr="lte")

    class Meta:
        model = SurveyResponse
        fields = ["survey", "partner", "score_min", "score_max"]
