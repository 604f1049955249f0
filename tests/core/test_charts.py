"""Chart specs (prm/charts.py) and their include (templates/includes/chart.html): Decimals and dates in, JSON-safe
numbers and strings out, and every chart printed with a table of the same figures."""

import json
import re
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from pytest_django.asserts import assertInHTML

from prm.charts import bar_chart, doughnut_chart, line_chart

from .test_security_headers import INLINE_HANDLER, INLINE_SCRIPT, INLINE_STYLE


def _json_data(html: str, element_id: str) -> dict:
    match = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', html, re.S)
    assert match, f"no json_script #{element_id} in the include's output"
    return json.loads(match.group(1))


class TestSpecs:
    def test_decimals_become_floats_and_dates_iso_strings(self):
        spec = line_chart(
            [date(2026, 1, 31), date(2026, 2, 28)],
            {"Revenue": [Decimal("1234.50"), Decimal("99.99")], "Deals": [3, None]},
            title="Revenue by month",
            unit="USD",
        )

        assert spec["labels"] == ["2026-01-31", "2026-02-28"]
        assert spec["series"][0]["values"] == [1234.5, 99.99]
        assert spec["series"][1]["values"] == [3, None]
        assert all(type(value) is float for value in spec["series"][0]["values"])
        # What json_script will do with it: no DjangoJSONEncoder needed, the plain encoder takes it as it is.
        assert json.loads(json.dumps(spec, allow_nan=False)) == spec

    def test_a_datetime_label_keeps_its_time(self):
        spec = bar_chart([datetime(2026, 3, 1, 9, 30)], {"Deals": [1]}, title="Deals")

        assert spec["labels"] == ["2026-03-01T09:30:00"]

    def test_the_table_has_one_row_per_label_and_one_column_per_series(self):
        spec = bar_chart(
            ["Gold", "Silver"],
            {"Jan": [Decimal("10"), Decimal("20.25")], "Feb": [Decimal("30"), Decimal("40")]},
            title="Revenue by tier",
            stacked=True,
            label_heading="Tier",
        )

        assert spec["stacked"] is True
        assert spec["table"]["columns"] == ["Tier", "Jan", "Feb"]
        assert spec["table"]["rows"] == [
            {"label": "Gold", "cells": [10.0, 30.0]},
            {"label": "Silver", "cells": [20.25, 40.0]},
        ]

    def test_a_series_of_another_length_than_the_labels_is_refused(self):
        with pytest.raises(ValueError, match=r"series 'Score' has 2 values for 3 labels"):
            line_chart(["Jan", "Feb", "Mar"], {"Score": [Decimal("70"), Decimal("72")]}, title="Score")

    def test_a_chart_without_series_is_refused(self):
        with pytest.raises(ValueError, match="at least one series"):
            bar_chart(["Jan"], {}, title="Nothing")

    @pytest.mark.parametrize("value", [Decimal("NaN"), float("inf"), Decimal("-Infinity")])
    def test_a_number_that_json_cannot_carry_is_refused(self, value):
        with pytest.raises(ValueError, match="cannot draw"):
            line_chart(["Jan"], {"Score": [value]}, title="Score")

    @pytest.mark.parametrize("value", ["72", True])
    def test_a_value_that_is_not_a_number_is_refused(self, value):
        with pytest.raises(TypeError, match="give numbers"):
            bar_chart(["Jan"], {"Score": [value]}, title="Score")

    def test_colours_are_bootstrap_names_one_per_series(self):
        spec = bar_chart(["Jan"], {"Won": [1], "Lost": [2]}, title="Deals", colors=["success", "danger"])

        assert [series["color"] for series in spec["series"]] == ["success", "danger"]
        with pytest.raises(ValueError, match="unknown colours"):
            bar_chart(["Jan"], {"Won": [1]}, title="Deals", colors=["#ff0000"])
        with pytest.raises(ValueError, match="1 colours for 2 series"):
            bar_chart(["Jan"], {"Won": [1], "Lost": [2]}, title="Deals", colors=["success"])

    def test_a_doughnut_is_one_series_with_a_colour_per_slice(self):
        spec = doughnut_chart(
            ["Healthy", "At risk", "Critical"],
            [12, Decimal("5"), 0],
            title="Partner health",
            value_heading="Partners",
            colors=["success", "warning", "danger"],
        )

        assert spec["type"] == "doughnut"
        assert spec["series"] == [{"name": "Partners", "values": [12, 5.0, 0], "color": None}]
        assert spec["slice_colors"] == ["success", "warning", "danger"]
        assert spec["table"]["columns"] == ["", "Partners"]

    @pytest.mark.parametrize("values", [[3, -1], [3, None]])
    def test_a_doughnut_slice_cannot_be_negative_or_missing(self, values):
        with pytest.raises(ValueError, match="zero or more"):
            doughnut_chart(["Healthy", "Critical"], values, title="Partner health")

    def test_a_doughnut_with_a_slice_too_many_is_refused(self):
        with pytest.raises(ValueError, match="has 3 values for 2 labels"):
            doughnut_chart(["Healthy", "Critical"], [1, 2, 3], title="Partner health")


class TestInclude:
    def test_renders_the_canvas_its_spec_and_a_table_of_the_same_figures(self):
        spec = bar_chart(
            ["Gold", "Silver"],
            {"Jan": [Decimal("12500.50"), None], "Feb": [Decimal("300"), Decimal("7")]},
            title="Revenue by tier",
            unit="USD",
            label_heading="Tier",
            stacked=True,
        )

        html = render_to_string("includes/chart.html", {"chart": spec, "id": "revenue-by-tier"})

        assertInHTML(
            '<canvas data-chart="revenue-by-tier" role="img"'
            ' aria-label="Revenue by tier: chart; the figures are in the table below it"></canvas>',
            html,
        )
        assert _json_data(html, "chart-data-revenue-by-tier") == spec
        assertInHTML("<summary class='small'>Show the numbers</summary>", html)
        assertInHTML(
            '<tr><th scope="col">Tier</th><th scope="col" class="text-end">Jan (USD)</th>'
            '<th scope="col" class="text-end">Feb (USD)</th></tr>',
            html,
        )
        assertInHTML(
            '<tr><th scope="row" class="fw-normal">Gold</th><td class="text-end text-nowrap">12,500.50</td>'
            '<td class="text-end text-nowrap">300</td></tr>',
            html,
        )
        # A missing figure is shown as missing, not as a zero.
        assertInHTML(
            '<tr><th scope="row" class="fw-normal">Silver</th><td class="text-end text-nowrap">'
            '<span class="text-muted" title="no figure">–</span></td><td class="text-end text-nowrap">7</td></tr>',
            html,
        )
        assertInHTML("<figcaption class='fw-semibold mb-2'>Revenue by tier</figcaption>", html)

    def test_text_in_a_spec_is_escaped_in_the_table_and_inside_the_json(self):
        spec = line_chart(["<b>Q1</b>"], {"</script><script>alert(1)</script>": [1]}, title="Score & trend")

        html = render_to_string("includes/chart.html", {"chart": spec, "id": "score"})

        assert "<script>alert(1)" not in html
        assert "<b>Q1</b>" not in html
        assert _json_data(html, "chart-data-score")["series"][0]["name"] == "</script><script>alert(1)</script>"

    def test_a_chart_without_figures_says_so_instead_of_drawing_an_empty_canvas(self):
        spec = line_chart([], {"Score": []}, title="Score by month")

        html = render_to_string("includes/chart.html", {"chart": spec, "id": "score"})

        assert "<canvas" not in html
        assert "chart-data-score" not in html
        assertInHTML('<p class="text-muted small mb-0" data-testid="chart-empty">No figures yet.</p>', html)

    def test_the_include_has_no_inline_code_only_a_data_block(self):
        spec = line_chart(["Jan"], {"Score": [Decimal("70")]}, title="Score by month")

        html = render_to_string("includes/chart.html", {"chart": spec, "id": "score"})

        assert '<script id="chart-data-score" type="application/json">' in html
        assert not INLINE_SCRIPT.findall(html) and not INLINE_STYLE.findall(html) and not INLINE_HANDLER.findall(html)
        # The data block is the only exception: a script without src is still inline code.
        assert INLINE_SCRIPT.findall('<script>alert(1)</script><script type="module">alert(2)</script>') == [
            "<script>",
            '<script type="module">',
        ]
