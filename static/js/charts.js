/* Draws every <canvas data-chart="ID"> from the spec beside it (<script type="application/json" id="chart-data-ID">,
   written by templates/includes/chart.html from a prm.charts spec). Loaded after Chart.js (vendor/chart.js) on the
   pages that have charts, and again after every htmx swap: a chart whose canvas left the page is destroyed, a
   canvas whose spec changed is drawn anew. Colours are Bootstrap's CSS variables, so charts follow the theme; with
   prefers-reduced-motion nothing is animated. */
(function () {
  "use strict";

  if (typeof window.Chart === "undefined") {
    return; // Chart.js did not load: the table of figures under each chart is still there.
  }
  var Chart = window.Chart;
  var PALETTE = ["primary", "success", "warning", "danger", "info", "indigo", "orange", "teal", "pink", "secondary"];
  var FALLBACK = {
    primary: "#0d6efd", secondary: "#6c757d", success: "#198754", info: "#0dcaf0", warning: "#ffc107",
    danger: "#dc3545", dark: "#212529", indigo: "#6610f2", purple: "#6f42c1", pink: "#d63384",
    orange: "#fd7e14", teal: "#20c997", cyan: "#0dcaf0"
  };
  var reducedMotion = window.matchMedia ? window.matchMedia("(prefers-reduced-motion: reduce)") : null;

  function cssVar(name, fallback) {
    var value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return value || fallback;
  }

  function colour(name, index) {
    var key = name || PALETTE[index % PALETTE.length];
    return cssVar("--bs-" + key, FALLBACK[key] || FALLBACK.primary);
  }

  // "#0d6efd" -> "rgba(13, 110, 253, 0.2)": the fill under a line. Colours that are not #rrggbb are used as they are.
  function translucent(hex, alpha) {
    var match = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
    if (!match) {
      return hex;
    }
    return "rgba(" + parseInt(match[1], 16) + ", " + parseInt(match[2], 16) + ", " + parseInt(match[3], 16) + ", " +
      alpha + ")";
  }

  function formatter(unit) {
    var numbers = new Intl.NumberFormat(document.documentElement.lang || undefined, { maximumFractionDigits: 2 });
    return function (value) {
      if (value === null || value === undefined) {
        return "–";
      }
      var text = numbers.format(value);
      if (!unit) {
        return text;
      }
      return unit === "%" ? text + "%" : text + " " + unit;
    };
  }

  function config(spec) {
    var format = formatter(spec.unit);
    var doughnut = spec.type === "doughnut";
    var datasets = spec.series.map(function (series, index) {
      var dataset = { label: series.name, data: series.values };
      if (doughnut) {
        dataset.backgroundColor = spec.labels.map(function (_, slice) {
          return colour((spec.slice_colors || [])[slice], slice);
        });
        dataset.borderColor = cssVar("--bs-body-bg", "#fff");
        return dataset;
      }
      var base = colour(series.color, index);
      dataset.borderColor = base;
      dataset.backgroundColor = spec.type === "line" ? translucent(base, 0.2) : base;
      if (spec.type === "line") {
        dataset.tension = 0.25;
        dataset.pointRadius = 3;
        dataset.spanGaps = false; // None in the spec is a month without a figure: a gap, not a zero.
      }
      return dataset;
    });
    var options = {
      responsive: true,
      maintainAspectRatio: true,
      aspectRatio: doughnut ? 1.6 : 2,
      animation: reducedMotion && reducedMotion.matches ? false : { duration: 400 },
      plugins: {
        title: { display: false }, // the <figcaption> is the title
        legend: { display: doughnut || spec.series.length > 1, position: doughnut ? "right" : "top" },
        tooltip: {
          callbacks: {
            label: function (context) {
              var value = typeof context.parsed === "object" ? context.parsed.y : context.parsed;
              var name = doughnut ? context.label : context.dataset.label;
              return name + ": " + format(value);
            }
          }
        }
      }
    };
    if (!doughnut) {
      // A chart of whole numbers (partners, deals) gets whole-number ticks, not 0.1, 0.2 …
      var whole = spec.series.every(function (series) {
        return series.values.every(function (value) { return value === null || Number.isInteger(value); });
      });
      options.interaction = { mode: "index", intersect: false };
      options.scales = {
        x: { stacked: spec.stacked, grid: { display: false } },
        // Bars start at zero (their length is the figure); a trend line may zoom in on its range.
        y: {
          stacked: spec.stacked,
          beginAtZero: spec.type === "bar",
          ticks: whole ? { callback: format, precision: 0 } : { callback: format }
        }
      };
    }
    return { type: spec.type, data: { labels: spec.labels, datasets: datasets }, options: options };
  }

  function applyTheme() {
    Chart.defaults.color = cssVar("--bs-secondary-color", "#6c757d");
    Chart.defaults.borderColor = cssVar("--bs-border-color", "#dee2e6");
    Chart.defaults.font.family = cssVar("--bs-body-font-family", Chart.defaults.font.family);
  }

  function renderAll() {
    // Charts whose canvas an htmx swap took off the page: free them (Chart.js keeps a registry and observers).
    Object.keys(Chart.instances).forEach(function (key) {
      var chart = Chart.instances[key];
      if (!chart.canvas || !chart.canvas.isConnected) {
        chart.destroy();
      }
    });
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var source = document.getElementById("chart-data-" + canvas.dataset.chart);
      if (!source) {
        return;
      }
      var text = source.textContent;
      var old = Chart.getChart(canvas);
      if (old && old.$prmSource === text) {
        return; // drawn already, from the same figures
      }
      if (old) {
        old.destroy();
      }
      var chart = new Chart(canvas, config(JSON.parse(text)));
      chart.$prmSource = text;
    });
  }

  applyTheme();
  renderAll();
  document.body.addEventListener("htmx:afterSettle", renderAll);
  if (reducedMotion && reducedMotion.addEventListener) {
    // The setting changed while the page is open: draw again with (or without) motion.
    reducedMotion.addEventListener("change", function () {
      Object.keys(Chart.instances).forEach(function (key) {
        Chart.instances[key].destroy();
      });
      renderAll();
    });
  }
})();
