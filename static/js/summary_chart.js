// Stacked bar chart of the summary table (same numbers; the table stays the source of truth).
(function () {
  "use strict";
  var source = document.getElementById("summary-chart-data");
  var canvas = document.getElementById("summary-chart");
  if (!source || !canvas || typeof Chart === "undefined") { return; }
  var chart = JSON.parse(source.textContent);
  var format = new Intl.NumberFormat("ja-JP", { maximumFractionDigits: 0 });
  var datasets = chart.datasets.map(function (d) {
    return {
      label: d.label,
      backgroundColor: d.backgroundColor,
      data: d.data  // already in the unit, rounded as the table's cells are
    };
  });
  new Chart(canvas, {
    type: "bar",
    data: { labels: chart.labels, datasets: datasets },
    options: {
      animation: false,
      responsive: true,
      plugins: {
        legend: { position: "bottom" },
        tooltip: { callbacks: { label: function (c) { return c.dataset.label + ": " + format.format(c.parsed.y) + " " + chart.unit; } } }
      },
      scales: {
        x: { stacked: true },
        y: { stacked: true, title: { display: true, text: chart.unit }, ticks: { callback: function (v) { return format.format(v); } } }
      }
    }
  });
  canvas.setAttribute("data-rendered", "true");
}());
