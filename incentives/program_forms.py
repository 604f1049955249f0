"""Forms that render the manager's program pages: a program of one kind (only that kind's fields are shown; the
fields carry the API's names, so the API's serializer and the services validate what the form posts) and finance's
adjustment line. Thresholds of a volume bonus are THRESHOLD_ROWS pairs of inputs; empty rows are ignored."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django_countries import countries

from partners.models import Partner, PartnerType, Tier
from partners.selectors import partner_choices
from prm import tenancy
from prm.forms import DateInput, LargeSelect, StyledForm
from prm.money import plain_decimal

from .models import IncentiveProgram, ProgramKind

THRESHOLD_ROWS = 5

#: The fields each kind shows, beside the common ones.
KIND_FIELDS = {
    ProgramKind.REBATE: ["rate_percent"],
    ProgramKind.SPIFF: ["amount", "currency", "products", "min_deal_amount"],
    ProgramKind.VOLUME_BONUS: [],
}
COMMON_HEAD = ["name", "description", "is_active"]
COMMON_TAIL = ["starts_on", "ends_on", "budget_cap", "tiers", "partner_types", "countries"]


def _plain(value: Decimal | None) -> str:
    return "" if value is None else plain_decimal(value)


class ProgramForm(StyledForm):
    name = forms.CharField(max_length=200)
    description = forms.CharField(
        required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2}), help_text="Shown to partners."
    )
    rate_percent = forms.CharField(
        required=False,
        label="Rate (%)",
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0", "max": "100"}),
        help_text="Percent of won revenue. Empty: each partner's tier's rebate percent.",
    )
    amount = forms.CharField(
        required=False,
        label="Amount per won deal",
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0.01"}),
    )
    currency = forms.CharField(required=False, max_length=3, help_text="ISO code of the amount, e.g. USD.")
    products = forms.CharField(
        required=False,
        max_length=300,
        label="Products",
        help_text="A won deal qualifies when its products name one of these words (comma-separated); empty: all.",
    )
    min_deal_amount = forms.CharField(
        required=False,
        label="Smallest qualifying deal",
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0"}),
    )
    starts_on = forms.DateField(widget=DateInput(), label="Starts on")
    ends_on = forms.DateField(widget=DateInput(), label="Ends on", required=False, help_text="Empty: open-ended.")
    budget_cap = forms.CharField(
        required=False,
        label="Budget cap",
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0"}),
        help_text="The most the program pays in all; empty: no cap.",
    )
    is_active = forms.BooleanField(required=False, label="Active", initial=True)
    tiers = forms.ModelMultipleChoiceField(
        queryset=Tier.objects.none(),
        required=False,
        help_text="Empty: every tier.",
        widget=forms.CheckboxSelectMultiple,
    )
    partner_types = forms.MultipleChoiceField(
        choices=PartnerType.choices, required=False, help_text="Empty: every type.", widget=forms.CheckboxSelectMultiple
    )
    countries = forms.MultipleChoiceField(
        choices=list(countries), required=False, help_text="Empty: every country.", widget=forms.SelectMultiple
    )

    def __init__(self, *args, kind: str = ProgramKind.REBATE, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        user = self.request.user if self.request else None
        self.fields["tiers"].queryset = tenancy.scope(Tier.objects.order_by("rank", "name"), user)
        for name in [n for fields in KIND_FIELDS.values() for n in fields]:
            if name not in KIND_FIELDS[kind]:
                del self.fields[name]
        self.fields["countries"].widget.attrs["size"] = 6
        for name in ("tiers", "partner_types"):
            self.fields[name].widget.attrs["class"] = ""
        if kind == ProgramKind.SPIFF:
            self.fields["amount"].required = True
            self.fields["currency"].required = True
            self.fields["min_deal_amount"].help_text = f"In {settings.PRM_PROGRAM_CURRENCY}; empty: any size."
        self.threshold_names = []
        if kind == ProgramKind.VOLUME_BONUS:
            for row in range(THRESHOLD_ROWS):
                self.fields[f"min_revenue_{row}"] = forms.CharField(
                    required=False,
                    label=f"Threshold {row + 1}: quarterly revenue from",
                    widget=forms.NumberInput(attrs={"step": "0.01", "min": "0", "class": "form-control"}),
                )
                self.fields[f"percent_{row}"] = forms.CharField(
                    required=False,
                    label=f"Threshold {row + 1}: percent",
                    widget=forms.NumberInput(attrs={"step": "0.01", "min": "0", "max": "100", "class": "form-control"}),
                )
                self.threshold_names.append((f"min_revenue_{row}", f"percent_{row}"))

    def head_fields(self):
        return [self[n] for n in COMMON_HEAD]

    def kind_fields(self):
        return [self[n] for n in KIND_FIELDS[self.kind]]

    def tail_fields(self):
        return [self[n] for n in COMMON_TAIL]

    def threshold_rows(self):
        return [(self[a], self[b]) for a, b in self.threshold_names]

    def api_data(self, post) -> dict[str, Any]:
        """What the form posted under the API's names, for IncentiveProgramSerializer."""
        data: dict[str, Any] = {"kind": self.kind}
        for name in ["name", "description", *KIND_FIELDS[self.kind], "starts_on", "ends_on", "budget_cap"]:
            value = (post.get(name) or "").strip()
            nullable = name in ("rate_percent", "amount", "min_deal_amount", "budget_cap", "ends_on")
            data[name] = None if nullable and value == "" else value
        data["is_active"] = bool(post.get("is_active"))
        data["tiers"] = post.getlist("tiers")
        data["partner_types"] = post.getlist("partner_types")
        data["countries"] = post.getlist("countries")
        if self.kind == ProgramKind.VOLUME_BONUS:
            rows = []
            for a, b in self.threshold_names:
                minimum, percent = (post.get(a) or "").strip(), (post.get(b) or "").strip()
                if minimum or percent:
                    rows.append({"min_revenue": minimum, "percent": percent})
            data["thresholds"] = rows
        return data


def program_initial(program: IncentiveProgram) -> dict[str, Any]:
    initial: dict[str, Any] = {
        "name": program.name,
        "description": program.description,
        "rate_percent": _plain(program.rate_percent),
        "amount": _plain(program.amount),
        "currency": program.currency,
        "products": program.products,
        "min_deal_amount": _plain(program.min_deal_amount),
        "starts_on": program.starts_on,
        "ends_on": program.ends_on,
        "budget_cap": _plain(program.budget_cap),
        "is_active": program.is_active,
        "tiers": list(program.audience_tiers.all()),
        "partner_types": program.partner_type_list,
        "countries": program.country_list,
    }
    for row, threshold in enumerate(program.thresholds or []):
        if row < THRESHOLD_ROWS:
            initial[f"min_revenue_{row}"] = threshold.get("min_revenue", "")
            initial[f"percent_{row}"] = threshold.get("percent", "")
    return initial


class AdjustmentForm(StyledForm):
    partner = forms.ModelChoiceField(queryset=Partner.objects.none(), widget=LargeSelect)
    amount = forms.CharField(
        label="Amount",
        widget=forms.NumberInput(attrs={"step": "0.01"}),
        help_text=f"In {settings.PRM_PROGRAM_CURRENCY}; negative takes money back.",
    )
    explanation = forms.CharField(
        max_length=450,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Why: the partner reads it on its next statement.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.request.user if self.request else None
        self.fields["partner"].queryset = partner_choices(actor=user)
