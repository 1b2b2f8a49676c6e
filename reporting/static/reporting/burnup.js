// Burn-up charts of the project dashboard: data from the "burnup-data" json_script element.
(function () {
  const source = document.getElementById("burnup-data");
  if (!source || typeof Chart === "undefined") return;
  const series = JSON.parse(source.textContent);
  document.querySelectorAll("canvas[data-series]").forEach((canvas) => {
    const s = series[canvas.dataset.series];
    if (!s) return;
    canvas.chart = new Chart(canvas, {
      type: "line",
      data: {
        labels: s.labels,
        datasets: [
          { label: "Achieved", data: s.achieved, borderColor: "#0d6efd", backgroundColor: "rgba(13,110,253,.15)",
            fill: true, stepped: true, pointRadius: 0, spanGaps: false },
          { label: "Straight line to the target", data: s.target_line, borderColor: "#6c757d", borderDash: [6, 4],
            pointRadius: 0, fill: false },
          { label: "Intermediate targets", data: s.targets, type: "scatter", borderColor: "#dc3545",
            backgroundColor: "#dc3545", pointRadius: 4, pointStyle: "rectRot" },
        ],
      },
      options: {
        animation: false, responsive: true, maintainAspectRatio: false,
        scales: { y: { beginAtZero: true, suggestedMax: s.target }, x: { ticks: { maxTicksLimit: 12 } } },
        plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } },
      },
    });
  });
})();
