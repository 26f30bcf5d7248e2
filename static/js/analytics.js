/* Analytics charts (Chart.js, vendored). Data comes from the #analytics-data JSON the server
 * renders with the figures; charts are rebuilt whenever HTMX swaps the analytics body in.
 * Every chart has a table of its figures beside it, and series differ by line style and
 * point shape as well as colour, so nothing depends on colour alone. */
(function () {
  "use strict";
  // Okabe-Ito: distinguishable with the common colour-vision deficiencies.
  var PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"];
  // Statuses keep one colour everywhere (and the legend names each with its count).
  var STATUS_COLOURS = {
    completed: "#009E73", failed: "#D55E00", cancelled: "#8C8C8C", in_progress: "#0072B2",
    pending: "#E69F00", scheduled: "#F0E442", draft: "#CC79A7"
  };
  var charts = [];

  // Chart.js sizes a canvas through its style. HTMX would carry that into markup, which the
  // Content-Security-Policy refuses as a style attribute: its settle step copies an old element's
  // attributes onto the new one of the same id, and its Back snapshot is HTML. So the charts are
  // released before a swap or a snapshot, and drawn again once the new content has settled.
  function destroyCharts() {
    charts.forEach(function (chart) {
      var canvas = chart.canvas;
      chart.destroy();
      canvas.removeAttribute("style");
    });
    charts = [];
  }

  function make(id, config) {
    var canvas = document.getElementById(id);
    if (canvas) { charts.push(new Chart(canvas, config)); }
  }

  function render() {
    var node = document.getElementById("analytics-data");
    if (!node || typeof Chart === "undefined") { return; }
    destroyCharts();
    var data = JSON.parse(node.textContent);
    Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    Chart.defaults.color = "#334155";
    Chart.defaults.animation = false;

    make("chart-by-type", {
      type: "bar",
      data: { labels: data.byType.labels, datasets: [{ label: "Operations", data: data.byType.operations, backgroundColor: PALETTE[0] }] },
      options: { maintainAspectRatio: false, plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
    });

    var total = data.byStatus.operations.reduce(function (a, b) { return a + b; }, 0);
    make("chart-by-status", {
      type: "doughnut",
      data: { labels: data.byStatus.labels, datasets: [{
        data: data.byStatus.operations,
        backgroundColor: data.byStatus.statuses.map(function (s, i) { return STATUS_COLOURS[s] || PALETTE[i % PALETTE.length]; }),
        borderColor: "#fff", borderWidth: 2
      }] },
      options: {
        maintainAspectRatio: false,
        plugins: {
          legend: {
            position: "right",
            labels: {
              // The legend names each slice with its count and share: readable without colour.
              generateLabels: function (chart) {
                return Chart.overrides.doughnut.plugins.legend.labels.generateLabels(chart).map(function (item) {
                  var value = data.byStatus.operations[item.index];
                  item.text = data.byStatus.labels[item.index] + ": " + value + " (" + Math.round(100 * value / total) + "%)";
                  return item;
                });
              }
            }
          }
        }
      }
    });

    make("chart-trend", {
      type: "line",
      data: {
        labels: data.trend.labels,
        datasets: [
          { label: "Operations", data: data.trend.operations, borderColor: PALETTE[0], backgroundColor: PALETTE[0], pointStyle: "circle", yAxisID: "y", tension: 0.2 },
          { label: "Records processed", data: data.trend.records, borderColor: PALETTE[3], backgroundColor: PALETTE[3], borderDash: [6, 4], pointStyle: "triangle", pointRadius: 4, yAxisID: "y1", tension: 0.2 }
        ]
      },
      options: {
        maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        plugins: { legend: { labels: { usePointStyle: true } } },
        scales: {
          y: { beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: "Operations" } },
          y1: { beginAtZero: true, position: "right", grid: { drawOnChartArea: false }, ticks: { precision: 0 }, title: { display: true, text: "Records" } }
        }
      }
    });

    make("chart-calls", {
      type: "bar",
      data: {
        labels: data.calls.labels,
        datasets: data.calls.series.map(function (series, i) {
          return { label: series.label, data: series.data, backgroundColor: PALETTE[i % PALETTE.length], borderColor: "#fff", borderWidth: 1 };
        })
      },
      options: { maintainAspectRatio: false, scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } }
    });

    // Keep the picker's date fields in step with the period shown.
    var start = document.getElementById("period-start");
    var end = document.getElementById("period-end");
    if (start && end && data.period) { start.value = data.period.start; end.value = data.period.end; }
  }

  // Typing a date selects "Dates" before HTMX reads the form (capture runs first).
  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("[data-period-range]")) {
      var range = document.querySelector('input[name="period"][value="range"]');
      if (range) { range.checked = true; }
    }
  }, true);

  document.addEventListener("DOMContentLoaded", render);
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.shouldSwap) { destroyCharts(); }
  });
  document.addEventListener("htmx:beforeHistorySave", destroyCharts);
  // The page's only HTMX swap is the analytics body (or Back's snapshot): redraw after it settles.
  document.addEventListener("htmx:afterSettle", render);
  // Back after a history-cache miss fetches the page again and swaps it in without a settle event.
  document.addEventListener("htmx:historyRestore", render);
})();
