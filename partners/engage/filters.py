import django_filters

from prm import tenancy

from ..models import Partner, Survey, SurveyResponse


def _visible(model):
    return lambda request: tenancy.scope(model.objects.all(), getattr(request, "user", None))


class SurveyResponseFilterSet(django_filters.FilterSet):
    survey = django_filters.ModelChoiceFilter(queryset=_visible(Survey))
    partner = django_filters.ModelChoiceFilter(queryset=_visible(Partner))
    score_min = django_filters.NumberFilter(field_name="score", lookup_expr="gte")
    score_max = django_filters.NumberFilter(field_name="score", lookup_expr="lte")

    class Meta:
        model = SurveyResponse
        fields = ["survey", "partner", "score_min", "score_max"]
