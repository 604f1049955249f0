"""Forms that render the partner pages. Validation is the serializers' (partners/serializers.py)."""

from django import forms
from django_countries import countries

from prm import tenancy
from prm.accounts.models import User
from prm.accounts.roles import STAFF_ROLES
from prm.forms import DateInput, StyledForm

from .models import AgreementKind, PartnerStatus, PartnerType, Tier


class PartnerForm(StyledForm):
    name = forms.CharField(max_length=200)
    domain = forms.CharField(max_length=253, help_text="The organization's web domain, e.g. example.com.")
    website = forms.URLField(required=False, max_length=300, assume_scheme="https")
    partner_type = forms.ChoiceField(choices=PartnerType.choices, label="Type")
    status = forms.ChoiceField(choices=PartnerStatus.choices)
    country = forms.ChoiceField(choices=[("", "—")] + list(countries))
    city = forms.CharField(max_length=100, required=False)
    phone = forms.CharField(max_length=40, required=False)
    tier = forms.ModelChoiceField(queryset=Tier.objects.none(), required=False, empty_label="No tier")
    manager = forms.ModelChoiceField(
        queryset=User.objects.none(), required=False, empty_label="Unassigned", label="Channel manager"
    )
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False, max_length=5000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.request.user if self.request else None
        self.fields["tier"].queryset = tenancy.scope(Tier.objects.all(), user)
        self.fields["manager"].queryset = tenancy.scope(User.objects.filter(role__in=STAFF_ROLES, is_active=True), user)


class TierForm(StyledForm):
    name = forms.CharField(max_length=60)
    rank = forms.IntegerField(min_value=0, help_text="Higher is better.")
    min_revenue = forms.DecimalField(max_digits=14, decimal_places=2, min_value=0, label="Minimum revenue")
    min_won_deals = forms.IntegerField(min_value=0, label="Minimum won deals")
    min_certified_users = forms.IntegerField(min_value=0, label="Minimum certified users")
    deal_protection_days = forms.IntegerField(min_value=1, max_value=730, label="Deal protection (days)")
    rebate_percent = forms.DecimalField(max_digits=5, decimal_places=2, min_value=0, max_value=100, label="Rebate %")
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000)


class AgreementForm(StyledForm):
    title = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=AgreementKind.choices)
    reference = forms.CharField(max_length=60, required=False, label="Contract number")
    signed_on = forms.DateField(required=False, widget=DateInput())
    starts_on = forms.DateField(widget=DateInput())
    expires_on = forms.DateField(required=False, widget=DateInput(), help_text="Leave empty for no end date.")
    auto_renew = forms.BooleanField(required=False)
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=5000)
