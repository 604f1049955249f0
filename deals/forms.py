"""Forms that render the deal and lead pages. Validation is the serializers' (deals/serializers.py)."""

from django import forms
from django.conf import settings
from django.urls import reverse
from django.utils.text import Truncator
from django_countries import countries

from incentives.models import MdfActivityType, MdfRequest, MdfRequestStatus
from partners.models import PartnerType
from prm.forms import DateInput, StyledForm
from prm.money import currency_choices


class DealRegisterForm(StyledForm):
    customer_name = forms.CharField(max_length=200, label="Customer")
    customer_domain = forms.CharField(
        max_length=253, required=False, label="Customer's web domain", help_text="e.g. globex.com — the surest match."
    )
    country = forms.ChoiceField(choices=[("", "—")] + list(countries), required=False)
    contact_name = forms.CharField(max_length=200, required=False, label="Customer contact")
    contact_email = forms.EmailField(required=False, label="Contact email")
    products = forms.CharField(max_length=500, required=False, help_text="What the customer is buying.")
    amount = forms.DecimalField(max_digits=14, decimal_places=2, min_value=0.01, label="Amount")
    currency = forms.ChoiceField(choices=currency_choices())
    expected_close_date = forms.DateField(widget=DateInput(), label="Expected close")
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=5000)
    mdf_request = forms.ChoiceField(
        required=False,
        label="From an MDF activity",
        help_text="The approved marketing activity this deal came from, if any: it counts toward that activity's "
        "return on investment.",
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("currency", settings.PRM_PROGRAM_CURRENCY)
        super().__init__(*args, **kwargs)
        activities = mdf_activity_choices(self.request.user) if self.request else []
        if activities:  # (a partner with no approved activity is not asked)
            self.fields["mdf_request"].choices = [("", "—"), *activities]
        else:
            del self.fields["mdf_request"]
        # Live conflict preview: as the customer is typed, htmx asks who else registered it.
        preview = {
            "hx-get": reverse("portal:deal-conflicts"),
            "hx-trigger": "keyup changed delay:400ms, change",
            "hx-target": "#conflict-preview",
            "hx-include": "[name=customer_name],[name=customer_domain]",
            "autocomplete": "off",
        }
        for name in ("customer_name", "customer_domain"):
            self.fields[name].widget.attrs.update(preview)


def mdf_activity_choices(user) -> list[tuple[int, str]]:
    """The user's organization's approved MDF activities, newest first, as a person recognizes them."""
    if not getattr(user, "partner_id", None):
        return []
    activities = (
        MdfRequest.objects.filter(fund__partner_id=user.partner_id, status=MdfRequestStatus.APPROVED)
        .order_by("-starts_on", "-id")
        .values_list("pk", "activity_type", "starts_on", "description")
    )
    labels = dict(MdfActivityType.choices)
    return [
        (pk, f"{labels.get(kind, kind)}, {starts_on:%-d %b %Y} — {Truncator(text).chars(60)}")
        for pk, kind, starts_on, text in activities
    ]


class LeadForm(StyledForm):
    customer_name = forms.CharField(max_length=200, label="Customer")
    customer_domain = forms.CharField(max_length=253, required=False, label="Customer's web domain")
    country = forms.ChoiceField(choices=[("", "—")] + list(countries))
    partner_type = forms.ChoiceField(choices=[("", "Any")] + list(PartnerType.choices), required=False, label="Suits")
    contact_name = forms.CharField(max_length=200, required=False)
    contact_email = forms.EmailField(required=False)
    products = forms.CharField(max_length=500, required=False)
    estimated_amount = forms.DecimalField(max_digits=14, decimal_places=2, min_value=0.01, required=False)
    currency = forms.ChoiceField(choices=currency_choices())
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=5000)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("currency", settings.PRM_PROGRAM_CURRENCY)
        super().__init__(*args, **kwargs)


class LeadConvertForm(StyledForm):
    amount = forms.DecimalField(max_digits=14, decimal_places=2, min_value=0.01, required=False)
    currency = forms.ChoiceField(choices=currency_choices())
    expected_close_date = forms.DateField(widget=DateInput(), label="Expected close")
    products = forms.CharField(max_length=500, required=False)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=5000)
