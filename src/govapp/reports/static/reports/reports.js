/* Dashboard charts and the map (Apache ECharts, shipped in reports/vendor/echarts). */
(function () {
  "use strict";
  var RED = "#b4232a";
  var PALETTE = ["#5b8fd6", "#1f8a4c", "#d9a441", "#8e6fd1", "#86909c", "#b4232a", "#63b386", "#d25f65", "#1d5fbf"];
  var FONT = '"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif';

  function readJSON(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function go(url) { if (url) { window.location.href = url; } }

  function figureChart(el) {
    var fig = readJSON(el.getAttribute("data-src"));
    if (!fig || !fig.items || !fig.items.length) { return; }
    var items = fig.items.filter(function (i) { return i.value > 0; });
    if (!items.length) { el.classList.add("fig-chart-empty"); return; }
    var chart = echarts.init(el, null, { renderer: "svg" });
    var option;
    if (fig.chart === "pie") {
      var lis = el.parentNode.querySelectorAll(".fig-items li a");
      fig.items.forEach(function (item, i) {
        item.color = PALETTE[i % PALETTE.length];
        if (lis[i] && !lis[i].querySelector(".dot")) {
          var dot = document.createElement("i");
          dot.className = "dot"; dot.style.background = item.color; dot.setAttribute("aria-hidden", "true");
          lis[i].insertBefore(dot, lis[i].firstChild);
        }
      });
      option = {
        color: PALETTE, textStyle: { fontFamily: FONT },
        tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" },
        series: [{ type: "pie", radius: ["45%", "72%"], center: ["50%", "52%"], avoidLabelOverlap: true,
          label: { show: false }, labelLine: { show: false },
          data: items.map(function (i) { return { name: i.label, value: i.value, url: i.url, itemStyle: { color: i.color } }; }) }]
      };
    } else {
      var shown = items.slice(0, 8).reverse();
      option = {
        textStyle: { fontFamily: FONT },
        grid: { left: 8, right: 36, top: 4, bottom: 4, containLabel: true },
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        xAxis: { type: "value", show: false },
        yAxis: { type: "category", data: shown.map(function (i) { return i.label; }),
          axisTick: { show: false }, axisLine: { show: false },
          axisLabel: { width: 120, overflow: "truncate", color: "#4e5969" } },
        series: [{ type: "bar", barMaxWidth: 14, label: { show: true, position: "right", color: "#4e5969" },
          itemStyle: { color: function (p) { return shown[p.dataIndex].urgent ? RED : "#5b8fd6"; }, borderRadius: 2 },
          data: shown.map(function (i) { return { value: i.value, url: i.url }; }) }]
      };
    }
    chart.setOption(option);
    chart.on("click", function (p) { go(p.data && p.data.url); });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function trendChart(el) {
    var fig = readJSON(el.getAttribute("data-src"));
    if (!fig || !fig.trend) { return; }
    var chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption({
      textStyle: { fontFamily: FONT },
      grid: { left: 4, right: 4, top: 6, bottom: 2, containLabel: false },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: fig.trend.months, show: false, boundaryGap: false },
      yAxis: { type: "value", show: false },
      series: [{ type: "line", name: fig.trend.label, data: fig.trend.values, smooth: true, symbol: "none",
        lineStyle: { color: RED, width: 2 }, areaStyle: { color: "rgba(180,35,42,.08)" } }]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function trendBig(el) {
    var fig = readJSON(el.getAttribute("data-src"));
    if (!fig || !fig.trend) { return; }
    var chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption({
      textStyle: { fontFamily: FONT },
      grid: { left: 36, right: 12, top: 16, bottom: 24 },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: fig.trend.months, axisLabel: { color: "#86909c" } },
      yAxis: { type: "value", minInterval: 1, axisLabel: { color: "#86909c" } },
      series: [{ type: "bar", name: fig.trend.label, data: fig.trend.values, barMaxWidth: 22,
        itemStyle: { color: "#5b8fd6", borderRadius: [2, 2, 0, 0] } }]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function childLength(prefix) {
    if (!prefix) { return 2; }
    if (prefix.length === 2) { return ["11", "12", "31", "50"].indexOf(prefix) >= 0 ? 6 : 4; }
    return 6;
  }

  function rollup(counts, prefix) {
    var out = {}; var n = childLength(prefix);
    Object.keys(counts || {}).forEach(function (scope) {
      var key = null;
      if (scope === "central") { key = prefix ? null : "central"; }
      else if (!prefix || scope.indexOf(prefix) === 0) { key = scope.slice(0, n); }
      if (key !== null) { out[key] = (out[key] || 0) + counts[scope]; }
    });
    return out;
  }

  function mapChart(el) {
    var counts = readJSON(el.getAttribute("data-counts")) || {};
    var prefix = el.getAttribute("data-prefix") || "";
    var select = document.getElementById(el.getAttribute("data-select"));
    var base = el.getAttribute("data-maps");
    var drill = el.getAttribute("data-drill");
    var zoom = el.getAttribute("data-zoom");
    var centralEl = document.getElementById(el.getAttribute("data-central") || "");
    var name = prefix || "china";
    var chart = echarts.init(el, null, { renderer: "canvas" });
    chart.showLoading({ text: "", color: RED });
    fetch(base + (prefix || "china") + ".json", { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (geo) {
        echarts.registerMap(name, geo);
        var byCode = {};
        geo.features.forEach(function (f) { byCode[f.id] = f.properties.name; });
        function draw() {
          var measure = select ? select.value : "filed";
          var label = select ? select.options[select.selectedIndex].text : "";
          var values = rollup(counts[measure], prefix);
          var data = Object.keys(byCode).map(function (code) {
            return { name: byCode[code], code: code, value: values[code] || 0 };
          });
          var max = 1;
          data.forEach(function (d) { if (d.value > max) { max = d.value; } });
          if (centralEl) {
            centralEl.textContent = values.central ? String(values.central) : "0";
            centralEl.setAttribute("href", drill + "?measure=" + measure + "&region=central");
          }
          chart.hideLoading();
          chart.setOption({
            textStyle: { fontFamily: FONT },
            tooltip: { trigger: "item", formatter: function (p) { return p.name + "<br>" + label + "：" + (p.value || 0); } },
            visualMap: { min: 0, max: max, left: 8, bottom: 8, calculable: false, itemWidth: 10, itemHeight: 90,
              text: [String(max), "0"], inRange: { color: ["#f7f1f1", "#f0b8bb", "#d25f65", "#8f1b21"] } },
            series: [{ type: "map", map: name, roam: false, selectedMode: false, data: data,
              label: { show: !!prefix, fontSize: 9, color: "#4e5969" },
              itemStyle: { borderColor: "#fff", borderWidth: 0.8, areaColor: "#f2f3f5" },
              emphasis: { label: { show: true }, itemStyle: { areaColor: "#f3c6c8" } } }]
          }, true);
          chart.off("click");
          chart.on("click", function (p) {
            if (!p.data) { return; }
            var code = p.data.code;
            if (zoom && !prefix && code.length === 2) {
              go(zoom + "?region=" + code + "&measure=" + measure);
            } else {
              go(drill + "?measure=" + measure + "&region=" + code);
            }
          });
        }
        draw();
        if (select) { select.addEventListener("change", draw); }
        window.addEventListener("resize", function () { chart.resize(); });
      })
      .catch(function () { chart.hideLoading(); el.classList.add("map-failed"); });
  }

  function sortableTables() {
    document.querySelectorAll("table.sortable").forEach(function (table) {
      var heads = table.querySelectorAll("thead th");
      heads.forEach(function (th, index) {
        var btn = th.querySelector("button.sort");
        if (!btn) { return; }
        btn.addEventListener("click", function () {
          var body = table.tBodies[0];
          var rows = Array.prototype.slice.call(body.rows);
          var asc = th.getAttribute("aria-sort") !== "ascending";
          heads.forEach(function (h) { h.removeAttribute("aria-sort"); });
          th.setAttribute("aria-sort", asc ? "ascending" : "descending");
          rows.sort(function (a, b) {
            var x = a.cells[index].getAttribute("data-v"); var y = b.cells[index].getAttribute("data-v");
            var nx = parseFloat(x); var ny = parseFloat(y);
            var ex = x === "" || isNaN(nx); var ey = y === "" || isNaN(ny);
            if (ex && ey) { return (x || "").localeCompare(y || "", "zh"); }
            if (ex) { return 1; } if (ey) { return -1; }
            return asc ? nx - ny : ny - nx;
          });
          rows.forEach(function (r) { body.appendChild(r); });
        });
      });
    });
  }

  function start() {
    if (window.echarts) {
      document.querySelectorAll(".fig-chart").forEach(figureChart);
      document.querySelectorAll(".fig-trend").forEach(trendChart);
      document.querySelectorAll(".trend-big").forEach(trendBig);
      document.querySelectorAll(".geo-map").forEach(mapChart);
    }
    sortableTables();
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
