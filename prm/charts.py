"""Chart specs for the pages: plain, JSON-safe dicts that `templates/includes/chart.html` renders as a Chart.js
canvas (drawn by `static/js/charts.js`) with a table of the same figures beside it.

A selector returns Decimals, dates and counts; these builders are the one boundary where a Decimal becomes a float
(Chart.js draws numbers, not strings) and a date becomes an ISO string. Every spec also carries `table`, so the
include can print the figures for screen readers and for anyone who wants the exact numbers: a chart is never the
only way to read them.

    spec = line_chart(months, {"Score": scores}, title="Score by month", label_heading="Month")
    {% include "includes/chart.html" with chart=spec id="score-trend" %}

The spec's shape (what `charts.js` and the include read):

    {"type": "line" | "bar" | "doughnut", "title": str, "description": str, "unit": str, "stacked": bool,
     "labels": [str, ...], "series": [{"name": str, "values": [number | None, ...], "color": str | None}, ...],
     "table": {"columns": [str, ...], "rows": [{"label": str, "cells": [number | None, ...]}, ...]}}

and a doughnut's spec also has "slice_colors": [str | None, ...], one per label.

A value of None is a gap in a line (a month with no score), not a zero. Colours are Bootstrap's theme names
(`success`, `danger`, ...): the script reads them from Bootstrap's CSS variables, so charts follow the theme.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any, Literal

__all__ = ["COLORS", "bar_chart", "doughnut_chart", "line_chart"]

Number = int | float | Decimal
Label = str | date | int | Decimal

#: The colours a series (or a doughnut's slice) may ask for: Bootstrap's theme and palette names.
COLORS = frozenset(
    {"primary", "secondary", "success", "info", "warning", "danger", "dark", "indigo", "purple", "pink", "orange",
     "teal", "cyan"}
)  # fmt: skip


def line_chart(
    labels: Sequence[Label],
    series: Mapping[str, Sequence[Number | None]],
    *,
    title: str,
    unit: str = "",
    label_heading: str = "",
    description: str = "",
    colors: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Trends over time (score, revenue, pipeline by month): one line per series, None a gap."""
    return _spec(
        "line", labels, series, title=title, unit=unit, label_heading=label_heading, description=description,
        colors=colors,
    )  # fmt: skip


def bar_chart(
    labels: Sequence[Label],
    series: Mapping[str, Sequence[Number | None]],
    *,
    title: str,
    stacked: bool = False,
    unit: str = "",
    label_heading: str = "",
    description: str = "",
    colors: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Amounts by category (pipeline by status, a distribution); `stacked` puts the series on one another
    (revenue by tier and month)."""
    return _spec(
        "bar", labels, series, title=title, unit=unit, label_heading=label_heading, description=description,
        colors=colors, stacked=stacked,
    )  # fmt: skip


def doughnut_chart(
    labels: Sequence[Label],
    values: Sequence[Number],
    *,
    title: str,
    unit: str = "",
    label_heading: str = "",
    value_heading: str = "Value",
    description: str = "",
    colors: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Shares of a whole (partners by health): one slice per label. A slice cannot be negative or missing.
    `colors` here names one colour per slice (e.g. success, warning, danger for healthy, at risk, critical)."""
    spec = _spec(
        "doughnut", labels, {value_heading: values}, title=title, unit=unit, label_heading=label_heading,
        description=description,
    )  # fmt: skip
    if any(value is None or value < 0 for value in spec["series"][0]["values"]):
        raise ValueError(f"{title}: a doughnut's slices must be zero or more, not {list(values)!r}.")
    spec["slice_colors"] = _check_colors(title, colors, len(spec["labels"]))
    return spec


def _spec(
    kind: Literal["line", "bar", "doughnut"],
    labels: Sequence[Label],
    series: Mapping[str, Sequence[Number | None]],
    *,
    title: str,
    unit: str,
    label_heading: str,
    description: str,
    colors: Sequence[str] | None = None,
    stacked: bool = False,
) -> dict[str, Any]:
    if not series:
        raise ValueError(f"{title}: a chart needs at least one series.")
    label_texts = [_label(label) for label in labels]
    names = [str(name) for name in series]
    if len(set(names)) != len(names):
        raise ValueError(f"{title}: two series are both named {names!r}.")
    columns: list[list[int | float | None]] = []
    for name, values in series.items():
        if len(values) != len(label_texts):
            raise ValueError(
                f"{title}: series {name!r} has {len(values)} values for {len(label_texts)} labels; "
                "give one value per label (None for a gap)."
            )
        columns.append([_number(title, name, value) for value in values])
    series_colors = _check_colors(title, colors, len(names)) if kind != "doughnut" else [None] * len(names)
    return {
        "type": kind,
        "title": title,
        "description": description,
        "unit": unit,
        "stacked": stacked,
        "labels": label_texts,
        "series": [
            {"name": name, "values": values, "color": color}
            for name, values, color in zip(names, columns, series_colors, strict=True)
        ],
        "table": {
            "columns": [label_heading, *names],
            "rows": [
                {"label": label, "cells": [values[index] for values in columns]}
                for index, label in enumerate(label_texts)
            ],
        },
    }


def _label(label: Label) -> str:
    # A datetime is a date too: both become ISO 8601 (2026-01-31, 2026-01-31T09:00:00+00:00).
    return label.isoformat() if isinstance(label, date) else str(label)


def _number(title: str, name: str, value: Number | None) -> int | float | None:
    """The one place a Decimal becomes a float. NaN or infinity would make the page's JSON unreadable
    (JSON.parse refuses them), and a bool is almost certainly a mistake, so both are errors."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise TypeError(f"{title}: series {name!r} holds {value!r}; give numbers (int, Decimal, float) or None.")
    if isinstance(value, int):
        return value
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{title}: series {name!r} holds {value!r}, which a chart cannot draw.")
    return number


def _check_colors(title: str, colors: Sequence[str] | None, count: int) -> list[str | None]:
    if colors is None:
        return [None] * count
    if len(colors) != count:
        raise ValueError(f"{title}: {len(colors)} colours for {count} series or slices.")
    unknown = sorted(set(colors) - COLORS)
    if unknown:
        raise ValueError(f"{title}: unknown colours {unknown}; use Bootstrap's names: {sorted(COLORS)}.")
    return list(colors)
