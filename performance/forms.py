"""Forms that render the manager's scorecard pages: the scoring settings (each KPI's weight and target beside its
definition) and a tier proposal's decision note. The services validate again (performance/services.py)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.conf import settings

from prm.forms import StyledForm

from .kpis import KPIS, Kpi

WEIGHT_PREFIX, TARGET_PREFIX = "weight_", "target_"
#: A KPI's unit as the target field's hint.
UNITS = {
    "count": "a count",
    "money": "{currency}",
    "fraction": "a fraction, 0 to 1",
    "days": "days",
    "percent": "percent, 0 to 100",
    "money_per_day": "{currency} per day",
    "nps": "a net promoter score, −100 to 100",
}


class ScoringSettingsForm(StyledForm):
    """One weight and one target per KPI, then the program's two settings. `initial` comes from
    engine.scoring_rules() and PerformanceSettings.load()."""

    auto_apply_tier_changes = forms.BooleanField(
        required=False,
        label="Apply tier changes automatically",
        help_text="Apply recommended tier changes at once instead of proposing them to a manager.",
    )
    inactivity_days = forms.IntegerField(
        min_value=1,
        max_value=365,
        label="Inactivity warning after (days)",
        help_text="Warn when no one at a partner has signed in for this many days.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for kpi in KPIS.values():
            self.fields[WEIGHT_PREFIX + kpi.key] = forms.DecimalField(
                min_value=Decimal("0"),
                max_value=Decimal("100"),
                max_digits=5,
                decimal_places=2,
                label=f"{kpi.name}: weight",
                widget=forms.NumberInput(attrs={"step": "0.01", "class": "form-control form-control-sm"}),
            )
            self.fields[TARGET_PREFIX + kpi.key] = forms.DecimalField(
                min_value=Decimal("0.0001"),
                max_digits=16,
                decimal_places=4,
                label=f"{kpi.name}: target",
                widget=forms.NumberInput(attrs={"step": "any", "class": "form-control form-control-sm"}),
            )

    def kpi_rows(self) -> list[tuple[Kpi, str, forms.BoundField, forms.BoundField]]:
        """(KPI, its target's unit in words, its weight field, its target field) in the order of kpis.py."""
        currency = settings.PRM_PROGRAM_CURRENCY
        return [
            (
                kpi,
                UNITS.get(kpi.unit, kpi.unit).format(currency=currency),
                self[WEIGHT_PREFIX + kpi.key],
                self[TARGET_PREFIX + kpi.key],
            )
            for kpi in KPIS.values()
        ]

    def rules(self) -> dict[str, dict[str, Decimal]]:
        """The cleaned weights and targets as services.scoring_rules_set takes them."""
        data = self.cleaned_data
        return {
            key: {"weight": data[WEIGHT_PREFIX + key], "target": data[TARGET_PREFIX + key]}
            for key in KPIS
            if WEIGHT_PREFIX + key in data and TARGET_PREFIX + key in data
        }

    def settings_data(self) -> dict:
        return {
            "auto_apply_tier_changes": self.cleaned_data["auto_apply_tier_changes"],
            "inactivity_days": self.cleaned_data["inactivity_days"],
        }


def scoring_initial(rules: dict[str, tuple[Decimal, Decimal]], settings) -> dict:
    """The form's initial values from engine.scoring_rules() and the PerformanceSettings row."""
    initial = {"auto_apply_tier_changes": settings.auto_apply_tier_changes, "inactivity_days": settings.inactivity_days}
    for key, (weight, target) in rules.items():
        initial[WEIGHT_PREFIX + key] = _plain(weight)
        initial[TARGET_PREFIX + key] = _plain(target)
    return initial


def _plain(value: Decimal) -> Decimal:
    """150000.0000 → 150000, 0.5000 → 0.5: what a person typed, not the column's scale."""
    value = value.normalize()
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value


class ProposalDecisionForm(forms.Form):
    note = forms.CharField(required=False, max_length=2000, strip=True)
