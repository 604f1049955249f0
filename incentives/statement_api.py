"""`/api/v1/payouts/`: payout statements with their lines (partners see only their own). Finance closes a period
(`POST …/generate/`), approves (`…/{id}/approve/`) and marks paid (`…/{id}/mark-paid/`); `…/{id}/csv/` is one
statement's lines and `…/export/?status=approved` the payment system's file of approved payouts."""

from __future__ import annotations

from django.db.models import Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from prm.api.viewsets import HistoryMixin, ScopedReadOnlyViewSet
from prm.exports import csv_response

from . import statements
from .models import Accrual, PayoutStatement


class StatementLineSerializer(serializers.ModelSerializer):
    """One line: what it is for and the arithmetic; `amount` in the statement's currency, `base_amount` in the
    deal's, converted at `exchange_rate`."""

    class Meta:
        model = Accrual
        fields = [
            "id",
            "kind",
            "program",
            "deal",
            "amount",
            "currency",
            "base_amount",
            "base_currency",
            "exchange_rate",
            "explanation",
            "reverses",
            "created_at",
        ]
        read_only_fields = fields


class PayoutStatementSerializer(serializers.ModelSerializer):
    partner_name = serializers.CharField(source="partner.name", read_only=True)
    lines = StatementLineSerializer(many=True, read_only=True)

    class Meta:
        model = PayoutStatement
        fields = [
            "id",
            "partner",
            "partner_name",
            "period_start",
            "period_end",
            "total",
            "currency",
            "status",
            "approved_by",
            "approved_at",
            "paid_by",
            "paid_at",
            "payment_reference",
            "created_at",
            "lines",
        ]
        read_only_fields = fields


class PeriodSerializer(serializers.Serializer):
    period_start = serializers.DateField()
    period_end = serializers.DateField()

    def validate(self, attrs):
        if attrs["period_end"] < attrs["period_start"]:
            raise serializers.ValidationError({"period_end": "The period must end on or after its start."})
        if (attrs["period_end"] - attrs["period_start"]).days > 366:
            raise serializers.ValidationError({"period_end": "A payout period is at most a year."})
        return attrs


class GenerateResultSerializer(serializers.Serializer):
    created = serializers.IntegerField(help_text="Draft statements made.")
    statements = serializers.IntegerField(help_text="Draft statements that took lines.")
    lines = serializers.IntegerField(help_text="Lines put on statements.")


class MarkPaidSerializer(serializers.Serializer):
    payment_reference = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


_CSV = OpenApiResponse(OpenApiTypes.STR, description="CSV (text/csv)")


class PayoutStatementViewSet(HistoryMixin, ScopedReadOnlyViewSet):
    queryset = PayoutStatement.objects.select_related("partner").prefetch_related(
        Prefetch("lines", queryset=Accrual.objects.order_by("created_at", "id"))
    )
    serializer_class = PayoutStatementSerializer
    filterset_class = statements.PayoutStatementFilterSet
    sorts = statements.STATEMENT_SORTS
    ordering = ["-period_end", "partner_id"]
    action_permissions = {
        "list": "payout.view",
        "retrieve": "payout.view",
        "history": "audit.view",
        "generate": "payout.generate",
        "approve": "payout.approve",
        "mark_paid": "payout.mark_paid",
        "csv": "payout.view",
        "export": "payout.export",
    }

    def _fresh(self, statement):
        return self.get_queryset().get(pk=statement.pk)

    @extend_schema(request=PeriodSerializer, responses=GenerateResultSerializer)
    @action(detail=False, methods=["post"])
    def generate(self, request, *args, **kwargs):
        """Close a period: one draft statement per partner with open lines (an existing draft of the period takes
        the new ones). Running it again adds nothing."""
        serializer = PeriodSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = statements.statements_generate(actor=request.user, **serializer.validated_data)
        return Response(GenerateResultSerializer(result).data)

    @extend_schema(request=None, responses=PayoutStatementSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, *args, **kwargs):
        """Finance approves a draft statement (409 unless it is a draft)."""
        statement = statements.statement_approve(actor=request.user, statement=self.get_object())
        return Response(self.get_serializer(self._fresh(statement)).data)

    @extend_schema(request=MarkPaidSerializer, responses=PayoutStatementSerializer)
    @action(detail=True, methods=["post"], url_path="mark-paid")
    def mark_paid(self, request, *args, **kwargs):
        """Finance records the payment of an approved statement (409 unless it is approved)."""
        serializer = MarkPaidSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        statement = statements.statement_mark_paid(
            actor=request.user, statement=self.get_object(), **serializer.validated_data
        )
        return Response(self.get_serializer(self._fresh(statement)).data)

    @extend_schema(responses={(200, "text/csv"): _CSV})
    @action(detail=True, methods=["get"])
    def csv(self, request, *args, **kwargs):
        """The statement's lines as CSV, with its total last."""
        statement = self.get_object()
        return csv_response(f"statement-{statement.pk}", statements.LINE_COLUMNS, statements.line_rows(statement))

    @extend_schema(
        parameters=[OpenApiParameter("status", str, enum=["approved", "paid"], description="Default: approved.")],
        responses={(200, "text/csv"): _CSV},
    )
    @action(detail=False, methods=["get"])
    def export(self, request, *args, **kwargs):
        """Approved payouts as one CSV for the payment system: partner id and name, amount, currency, statement id,
        period. The list's filters apply."""
        rows = statements.approved_export_rows(actor=request.user, params=request.query_params)
        return csv_response("payouts", statements.EXPORT_COLUMNS, rows)


def register(router) -> None:
    router.register("payouts", PayoutStatementViewSet)
