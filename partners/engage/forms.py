"""Forms that render the engage pages. Validation is the serializers' (engage/serializers.py)."""

from django import forms
from django_countries import countries

from prm import tenancy
from prm.forms import DateInput, StyledForm

from ..models import AnnouncementKind, PartnerType, Tier


class AnnouncementForm(StyledForm):
    title = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=AnnouncementKind.choices)
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="Basic HTML is kept (paragraphs, bold, lists, links, tables); scripts and styles are removed.",
    )
    publish_at = forms.DateTimeField(
        label="Publish at",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="Partners see it from then on. A future time schedules it.",
    )
    audience_tiers = forms.ModelMultipleChoiceField(
        queryset=Tier.objects.none(), required=False, widget=forms.CheckboxSelectMultiple, label="Tiers"
    )
    audience_partner_types = forms.MultipleChoiceField(
        choices=PartnerType.choices, required=False, widget=forms.CheckboxSelectMultiple, label="Partner types"
    )
    audience_countries = forms.MultipleChoiceField(
        choices=list(countries),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        label="Countries",
        help_text="Ctrl/Cmd-click to choose several.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["audience_tiers"].queryset = tenancy.scope(
            Tier.objects.order_by("-rank"), self.request.user if self.request else None
        )


class SurveyForm(StyledForm):
    title = forms.CharField(max_length=200)
    question = forms.CharField(max_length=300)
    opens_on = forms.DateField(widget=DateInput())
    closes_on = forms.DateField(widget=DateInput())


class SurveyResponseForm(StyledForm):
    score = forms.IntegerField(min_value=0, max_value=10)
    comment = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
