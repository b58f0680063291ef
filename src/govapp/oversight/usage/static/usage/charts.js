/* Usage charts (Apache ECharts, served from the project's static files; no CDN). */
(function () {
  "use strict";
  function draw() {
    var node = document.getElementById("usage-chart-data");
    if (!node || !window.echarts) { return; }
    var d = JSON.parse(node.textContent);
    var L = d.labels;
    var charts = [];
    document.querySelectorAll(".usage-chart").forEach(function (el) {
      var chart = window.echarts.init(el, null, { renderer: "svg" });
      var months = el.getAttribute("data-chart") === "months";
      var x = months ? d.months : d.days;
      if (!x.length) { el.innerHTML = '<p class="muted">' + L.empty + '</p>'; el.style.height = "auto"; return; }
      chart.setOption({
        animation: false,
        tooltip: { trigger: "axis" },
        legend: { top: 0 },
        grid: { left: 48, right: 16, top: 32, bottom: 28 },
        xAxis: { type: "category", data: x },
        yAxis: { type: "value", minInterval: 1 },
        series: months
          ? [
              { name: L.active, type: "bar", data: d.active, itemStyle: { color: "#1f5fa8" } },
              { name: L.intended, type: "line", data: d.intended, itemStyle: { color: "#b8860b" } }
            ]
          : [
              { name: L.devices, type: "line", data: d.devices, showSymbol: false, itemStyle: { color: "#1f5fa8" } },
              { name: L.pings, type: "line", data: d.pings, showSymbol: false, itemStyle: { color: "#999" } }
            ]
      });
      charts.push(chart);
    });
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
