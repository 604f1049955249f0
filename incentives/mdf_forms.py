"""The MDF pages' forms. They only render and pre-fill: the API's serializers validate and the services write."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils import timezone

from partners.models import Partner, Tier
from partners.selectors import partner_choices
from prm import tenancy
from prm.forms import DateInput, LargeSelect, StyledForm

from .models import MdfActivityType, MdfFund

PROOF_TYPES = ".pdf,.png,.jpg,.jpeg,.gif,.docx,.xlsx,.pptx,.zip,.csv,.txt"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data]
        return super().clean(data, initial)


class FundForm(StyledForm):
    partner = forms.ModelChoiceField(queryset=Partner.objects.none(), widget=LargeSelect)
    period_start = forms.DateField(widget=DateInput(), label="Period starts on")
    period_end = forms.DateField(widget=DateInput(), label="Period ends on", help_text="The fund expires after it.")
    amount = forms.DecimalField(max_digits=14, decimal_places=2, min_value=0)
    currency = forms.CharField(max_length=3, required=False, help_text="Empty: the program currency.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.request.user if self.request else None
        self.fields["partner"].queryset = partner_choices(actor=user)
        self.fields["currency"].widget.attrs["placeholder"] = settings.PRM_PROGRAM_CURRENCY


class RuleForm(StyledForm):
    """The period, then a percent per tier (`tier_<id>`); a tier left empty gets no funds."""

    period_start = forms.DateField(widget=DateInput(), label="Period starts on")
    period_end = forms.DateField(widget=DateInput(), label="Period ends on")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.tiers = list(Tier.objects.order_by("-rank", "name"))
        for tier in self.tiers:
            self.fields[f"tier_{tier.pk}"] = forms.DecimalField(
                label=f"{tier.name}: percent of prior won revenue",
                required=False,
                min_value=0,
                max_value=100,
                decimal_places=2,
                widget=forms.NumberInput(attrs={"class": "form-control", "step": "0.01", "min": "0", "max": "100"}),
            )

    def percent_by_tier(self, post) -> dict[str, str]:
        return {
            str(tier.pk): post.get(f"tier_{tier.pk}", "").strip()
            for tier in self.tiers
            if post.get(f"tier_{tier.pk}", "").strip()
        }


class RequestForm(StyledForm):
    fund = forms.ModelChoiceField(queryset=MdfFund.objects.none(), empty_label=None)
    activity_type = forms.ChoiceField(choices=MdfActivityType.choices, label="Activity")
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)
    starts_on = forms.DateField(widget=DateInput())
    ends_on = forms.DateField(widget=DateInput())
    planned_cost = forms.DecimalField(max_digits=14, decimal_places=2, min_value=0)
    expected_leads = forms.IntegerField(min_value=0, required=False, initial=0)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.request.user if self.request else None
        funds = tenancy.scope(MdfFund.objects.filter(period_end__gte=timezone.localdate()), user)
        self.fields["fund"].queryset = funds.order_by("period_start")
        self.fields["fund"].label_from_instance = lambda f: (
            f"{f.period_start:%d %b %Y} – {f.period_end:%d %b %Y}: {f.remaining:,.2f} {f.currency} left"
        )


class ClaimForm(StyledForm):
    amount = forms.DecimalField(max_digits=14, decimal_places=2, min_value=0, label="Amount spent")
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), max_length=4000, required=False, label="What was done"
    )
    leads_generated = forms.IntegerField(min_value=0, required=False, initial=0)
    proof = MultipleFileField(
        label="Proof of performance",
        help_text="Invoices, photos, attendee lists: PDF, images or office documents.",
        widget=MultipleFileInput(attrs={"accept": PROOF_TYPES, "multiple": True}),
    )
