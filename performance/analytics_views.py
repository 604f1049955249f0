"""The program analytics dashboard of the manager portal (`manage:performance`) and its CSV
(`manage:performance-export`): the figures of performance/analytics.py, as cards, charts and one row per figure."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.urls import NoReverseMatch, path, reverse
from django.views.generic import TemplateView, View

from deals.models import DealStatus
from prm.charts import bar_chart, doughnut_chart
from prm.exports import csv_response
from prm.pages import ManagerPageMixin

from .analytics import CACHE_SECONDS, program_analytics
from .models import HealthStatus

#: Pages of other parts of the app the dashboard links to, shown only once they exist.
RELATED_PAGES = [("Scorecards", "manage:scorecard-list"), ("Tier proposals", "manage:tier-proposal-list")]
HEALTH_COLORS = {HealthStatus.GREEN: "success", HealthStatus.AMBER: "warning", HealthStatus.RED: "danger"}


def _percent(fraction: Decimal | None) -> Decimal | None:
    return None if fraction is None else (fraction * 100).quantize(Decimal("0.1"))


def _keep(labels: list, *columns: list, colors: list | None = None) -> tuple[list, ...]:
    """The labels, their columns of figures (and colours), or none at all when every figure is zero: the chart
    include then says "No figures yet" instead of drawing an empty axis or a doughnut without slices."""
    if not any(value for column in columns for value in column):
        labels, columns, colors = [], [[] for _ in columns], (None if colors is None else [])
    return (labels, *columns) if colors is None else (labels, *columns, colors)


def charts(data: dict[str, Any]) -> dict[str, dict]:
    """The four chart specs of the dashboard (prm.charts), each with its figures as a table."""
    currency = data["currency"]
    quarter = data["periods"]["current_quarter"]["label"]
    definitions = data["definitions"]
    revenue = data["revenue_by_tier"]
    tiers = revenue["tiers"]
    months, *amounts = _keep(revenue["months"], *(tier["amounts"] for tier in tiers))
    statuses = list(DealStatus)
    pipeline = data["pipeline_by_status"]
    status_labels, status_amounts = _keep(
        [status.label for status in statuses], [pipeline[status.value]["amount"] for status in statuses]
    )
    buckets, scores = _keep(list(data["score_distribution"]), list(data["score_distribution"].values()))
    health = data["health_distribution"]
    health_labels, health_counts, health_colors = _keep(
        [HealthStatus(status).label for status in health],
        list(health.values()),
        colors=[HEALTH_COLORS[status] for status in health],
    )
    return {
        "revenue": bar_chart(
            months,
            {tier["name"]: values for tier, values in zip(tiers, amounts, strict=True)} or {"Revenue": []},
            title="Won revenue by tier and month",
            description=definitions["revenue_by_tier"],
            stacked=True,
            unit=currency,
            label_heading="Month",
        ),
        "pipeline": bar_chart(
            status_labels,
            {"Amount": status_amounts},
            title="Deals by status",
            description=definitions["pipeline_by_status"],
            unit=currency,
            label_heading="Status",
        ),
        "scores": bar_chart(
            buckets,
            {"Partners": scores},
            title=f"Scores, {quarter}",
            description=definitions["score_distribution"],
            label_heading="Score",
            colors=["primary"],
        ),
        "health": doughnut_chart(
            health_labels,
            health_counts,
            title=f"Partner health, {quarter}",
            description=definitions["health_distribution"],
            label_heading="Health",
            value_heading="Partners",
            colors=health_colors,
        ),
    }


class ProgramAnalyticsView(ManagerPageMixin, TemplateView):
    template_name = "performance/dashboard.html"
    permission_required = "analytics.view"

    def get_context_data(self, **kwargs):
        data = program_analytics(actor=self.request.user)
        links = []
        for label, name in RELATED_PAGES:
            try:
                links.append((label, reverse(name)))
            except NoReverseMatch:
                continue
        statuses = [
            {"value": status.value, "label": status.label, **data["pipeline_by_status"][status.value]}
            for status in DealStatus
        ]
        return super().get_context_data(
            data=data,
            charts=charts(data),
            attrition_percent=_percent(data["attrition_rate"]),
            closing_percent=_percent(data["consistently_closing_share"]),
            statuses=statuses,
            related_links=links,
            cache_minutes=CACHE_SECONDS // 60,
            **kwargs,
        )


def csv_rows(data: dict[str, Any]) -> Iterator[list[Any]]:
    """One row per figure and per breakdown: figure, breakdown, item, value, unit, and the figure's definition on
    its first row."""
    currency = data["currency"]
    definitions = data["definitions"]

    def figure(key: str, rows: list[list[Any]]) -> Iterator[list[Any]]:
        for index, row in enumerate(rows):
            yield [key, *row, definitions[key] if index == 0 else ""]

    active = data["active_partners"]
    yield from figure(
        "active_partners",
        [
            ["total", "", active["total"], "partners"],
            *(["tier", row["label"], row["count"], "partners"] for row in active["by_tier"]),
            *(["type", row["label"], row["count"], "partners"] for row in active["by_type"]),
            *(["region", row["label"], row["count"], "partners"] for row in active["by_region"]),
        ],
    )
    yield from figure("attrition_rate", [["", "", data["attrition_rate"], "fraction"]])
    yield from figure("consistently_closing_share", [["", "", data["consistently_closing_share"], "fraction"]])
    yield from figure("median_days_to_first_win", [["", "", data["median_days_to_first_win"], "days"]])
    yield from figure(
        "pipeline_by_status",
        [
            [status, measure, figures[measure], "deals" if measure == "count" else currency]
            for status, figures in data["pipeline_by_status"].items()
            for measure in ("count", "amount")
        ],
    )
    revenue = data["revenue_by_tier"]
    yield from figure(
        "revenue_by_tier",
        [
            [tier["name"], month, amount, currency]
            for tier in revenue["tiers"]
            for month, amount in zip(revenue["months"], tier["amounts"], strict=True)
        ],
    )
    yield from figure(
        "score_distribution", [["score", bucket, n, "scorecards"] for bucket, n in data["score_distribution"].items()]
    )
    health = data["health_distribution"]
    yield from figure("health_distribution", [["health", status, n, "scorecards"] for status, n in health.items()])
    forecast = data["forecast"]
    yield ["forecast", forecast["period"]["label"], "amount", forecast["amount"], currency, forecast["method"]]


class ProgramAnalyticsExportView(ManagerPageMixin, View):
    permission_required = "analytics.view"

    def get(self, request, *args, **kwargs):
        data = program_analytics(actor=request.user)
        header = ["figure", "breakdown", "item", "value", "unit", "definition"]
        return csv_response("program-analytics", header, csv_rows(data))


manager_urlpatterns = [
    path("performance/", ProgramAnalyticsView.as_view(), name="performance"),
    path("performance/export/", ProgramAnalyticsExportView.as_view(), name="performance-export"),
]
