"""Forms that render the recruit pages. Validation is the serializers' (recruit/serializers.py)."""

from django import forms
from django_countries import countries

from prm.forms import StyledForm

from ..models import CustomerSegment, PartnerType, Region


class ApplicationForm(StyledForm):
    company_name = forms.CharField(max_length=200, label="Company name")
    domain = forms.CharField(max_length=253, label="Company web domain", help_text="For example: example.com")
    country = forms.ChoiceField(choices=[("", "—")] + list(countries), label="Headquarters country")
    partner_type = forms.ChoiceField(choices=[("", "—")] + PartnerType.choices, label="Partnership type")
    contact_name = forms.CharField(max_length=200, label="Your name")
    contact_email = forms.EmailField(max_length=254, label="Work email")
    contact_phone = forms.CharField(max_length=40, required=False, label="Phone")
    expected_annual_revenue = forms.DecimalField(
        required=False, min_value=0, max_digits=14, decimal_places=2, label="Expected annual revenue with us"
    )
    customer_segments = forms.MultipleChoiceField(
        choices=CustomerSegment.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    regions_covered = forms.MultipleChoiceField(
        choices=Region.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    certified_staff = forms.IntegerField(
        required=False,
        min_value=0,
        label="Certified technical staff",
        help_text="People holding vendor certifications.",
    )
    existing_vendors = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Existing vendor relationships",
        help_text="Which vendors do you already partner with?",
    )
    message = forms.CharField(
        required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3}), label="Anything else we should know?"
    )
    # The honeypot: hidden from people (off-screen, not focusable); bots that fill every field give themselves away.
    website = forms.CharField(
        required=False,
        label="Leave this empty",
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )


class CriterionForm(StyledForm):
    name = forms.CharField(max_length=60)
    description = forms.CharField(max_length=300, required=False)
    weight = forms.IntegerField(min_value=1, max_value=10, help_text="1–10: how much this criterion counts.")
    position = forms.IntegerField(min_value=0, help_text="Order on the screening page.")
    active = forms.BooleanField(required=False, help_text="Inactive criteria are not scored and do not count.")


class RejectForm(StyledForm):
    reason = forms.CharField(
        max_length=2000, widget=forms.Textarea(attrs={"rows": 3}), help_text="Sent to the applicant by email."
    )
