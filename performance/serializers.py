"""What the performance API answers: KPI definitions, scorecards, recalculation jobs and tier proposals.

A scorecard's KPI values, contributions, trend and tier path are stored as JSON by the engine
(performance/engine.py): money and ratios as strings of Decimals in the program currency, counts as integers.
They are passed through as stored; the schemas below say their shape."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .kpis import KPIS
from .models import PeriodKind, RecalcJob, Scorecard, TierProposal

#: KPI units stored as integers; every other unit is a decimal string.
INTEGER_UNITS = frozenset({"count", "percent"})

_DECIMAL = {"type": "string", "format": "decimal"}
_CODE_TEXT = {
    "type": "object",
    "properties": {"code": {"type": "string"}, "text": {"type": "string"}},
}
_TIER_REF = {
    "type": "object",
    "nullable": True,
    "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
}


def _kpi_value_schema(unit: str) -> dict:
    return {"type": "integer"} if unit in INTEGER_UNITS else _DECIMAL


@extend_schema_field(
    {
        "type": "object",
        "description": "Each KPI's value for the period (GET /api/v1/kpis/ defines them): counts as integers, money "
        "in the program currency, ratios as fractions 0–1, all as decimal strings.",
        "properties": {key: {**_kpi_value_schema(kpi.unit), "description": kpi.name} for key, kpi in KPIS.items()},
        "additionalProperties": True,
    }
)
class KpiValuesField(serializers.JSONField):
    pass


@extend_schema_field(
    {
        "type": "object",
        "description": "Each positively weighted KPI's points in the score (they add up to the score).",
        "additionalProperties": _DECIMAL,
    }
)
class ContributionsField(serializers.JSONField):
    pass


@extend_schema_field(
    {
        "type": "object",
        "description": "Against the previous period's scorecard (nulls and no KPIs when there is none).",
        "properties": {
            "previous_score": {**_DECIMAL, "nullable": True},
            "score_change": {**_DECIMAL, "nullable": True},
            "kpis": {"type": "object", "additionalProperties": _DECIMAL},
        },
    }
)
class TrendField(serializers.JSONField):
    pass


@extend_schema_field(
    {
        "type": "object",
        "description": "What is missing for the next tier, over the trailing twelve months, in plain words.",
        "properties": {
            "next_tier": _TIER_REF,
            "missing": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"kpi": {"type": "string"}, "amount": _DECIMAL, "text": {"type": "string"}},
                },
            },
            "text": {"type": "string"},
        },
    }
)
class TierPathField(serializers.JSONField):
    pass


@extend_schema_field({"type": "array", "items": _CODE_TEXT})
class CodeTextListField(serializers.JSONField):
    pass


class TierRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


# --- KPIs ----------------------------------------------------------------------------------------------------


class KpiSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    definition = serializers.CharField(help_text="The formula in words.")
    unit = serializers.ChoiceField(
        choices=["count", "money", "fraction", "days", "percent", "money_per_day", "nps"],
        help_text="Money is in the program currency; a fraction is 0–1; nps is −100 to 100.",
    )
    flow = serializers.BooleanField(help_text="Adds up over time: its target is scaled to the period's length.")
    weight = serializers.DecimalField(max_digits=5, decimal_places=2, help_text="Its weight in the score (0–100).")
    target = serializers.DecimalField(
        max_digits=16,
        decimal_places=4,
        help_text="The value that earns the whole weight: per quarter for a flow KPI (a month a third, twelve "
        "months four times), for any period otherwise.",
    )


# --- scorecards ----------------------------------------------------------------------------------------------


class HealthSerializer(serializers.Serializer):
    status = serializers.CharField(source="health_status", help_text="green, amber or red")
    churn_risk = serializers.CharField(help_text="low, medium or high")
    reasons = CodeTextListField(source="health_reasons", help_text="The leading indicators behind the status.")


class ScorecardSerializer(serializers.ModelSerializer):
    partner_name = serializers.CharField(source="partner.name", read_only=True)
    currency = serializers.SerializerMethodField()
    kpis = KpiValuesField(read_only=True)
    contributions = ContributionsField(read_only=True)
    trend = TrendField(read_only=True)
    health = HealthSerializer(source="*", read_only=True)
    compliance_flags = CodeTextListField(read_only=True)
    recommended_tier = TierRefSerializer(read_only=True, allow_null=True)
    tier_path = TierPathField(read_only=True)

    class Meta:
        model = Scorecard
        fields = [
            "id",
            "partner",
            "partner_name",
            "period_kind",
            "period_start",
            "period_end",
            "computed_at",
            "score",
            "currency",
            "revenue_won",
            "open_pipeline",
            "deals_won",
            "kpis",
            "contributions",
            "trend",
            "health",
            "compliance_flags",
            "recommended_tier",
            "tier_path",
        ]
        read_only_fields = fields

    def get_currency(self, obj) -> str:
        return settings.PRM_PROGRAM_CURRENCY


class ScorecardPeriodSerializer(serializers.Serializer):
    """The query of `GET /api/v1/partners/{id}/scorecard/`."""

    period = serializers.ChoiceField(choices=PeriodKind.choices, required=False, allow_blank=True)


# --- jobs ----------------------------------------------------------------------------------------------------


class RecalcJobSerializer(serializers.ModelSerializer):
    class Meta:
        model = RecalcJob
        fields = ["id", "kind", "state", "progress", "message", "result", "created_at", "started_at", "finished_at"]
        read_only_fields = fields


class RecalcJobStartedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    state = serializers.CharField()
    progress = serializers.IntegerField()
    url = serializers.URLField(help_text="Poll it: GET /api/v1/jobs/{id}/.")


# --- tier proposals ------------------------------------------------------------------------------------------


class TierProposalSerializer(serializers.ModelSerializer):
    partner_name = serializers.CharField(source="partner.name", read_only=True)
    from_tier = TierRefSerializer(read_only=True, allow_null=True)
    to_tier = TierRefSerializer(read_only=True, allow_null=True, help_text="null: below the lowest tier.")
    reasons = serializers.ListField(child=serializers.CharField(), read_only=True)
    decided_by = serializers.EmailField(source="decided_by.email", read_only=True, default=None)

    class Meta:
        model = TierProposal
        fields = [
            "id",
            "partner",
            "partner_name",
            "from_tier",
            "to_tier",
            "direction",
            "reasons",
            "status",
            "created_at",
            "decided_by",
            "decided_at",
            "note",
        ]
        read_only_fields = fields


class TierProposalDecisionSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
