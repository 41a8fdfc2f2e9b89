/* Dashboards (monitoring/dashboard.html): the charts of a place's figures, drawn with ECharts from
   the page's JSON (<script type="application/json" id="dashboard-data">, written by json_script:
   the CSP allows no inline script). ECharts is installed by the project (package.json) and served
   as a static file, never from a CDN. Every chart's numbers are also in a table on the page, so
   without ECharts, or without JavaScript, the page is complete: the tables are the figures. */
(function () {
  "use strict";

  var STATUS = { met: "#067647", on_track: "#2f6fb3", lagging: "#b42318", no_target: "#98a2b3" };
  var PALETTE = ["#0f766e", "#2f6fb3", "#9a6700", "#7a5af8", "#c4320a", "#5f6b7a"];
  var CAP = 200; // completion bars stop at 200 % (their labels give the real figure)

  function ready(fn) {
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", fn);
    else fn();
  }

  function printButtons() {
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
  }

  function fmt(v) {
    if (v === null || v === undefined) return "—";
    return Math.round(v * 10) / 10;
  }

  function horizontalHeight(n) {
    return Math.max(220, 34 * n + 70);
  }

  var charts = [];

  // Category labels take at most a third of a narrow chart (a phone), 150 px otherwise.
  function labelWidth(name, wide) {
    var el = document.querySelector('[data-chart="' + name + '"]');
    var width = el ? el.clientWidth : 0;
    return width && width < 520 ? Math.max(60, Math.floor(width / 3)) : wide;
  }

  function scalable(el) {
    var svg = el.querySelector("svg");
    if (!svg) return;
    var w = svg.getAttribute("width"), h = svg.getAttribute("height");
    if (w && h) svg.setAttribute("viewBox", "0 0 " + w + " " + h);
  }

  function draw(name, option, height) {
    var el = document.querySelector('[data-chart="' + name + '"]');
    if (!el) return;
    if (height) el.style.height = height + "px"; // CSSOM, allowed by the CSP (no style attribute in the markup)
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    option.color = option.color || PALETTE;
    option.aria = { enabled: true };
    option.animation = false;
    option.textStyle = { fontFamily: getComputedStyle(document.body).fontFamily };
    // A viewBox lets the printed page scale the drawing to its width (shegong.css, @media print).
    chart.on("finished", function () { scalable(el); });
    chart.setOption(option);
    scalable(el);
    charts.push(chart);
  }

  function completion(d, labels) {
    var names = d.completion.names;
    if (!names.length) return;
    var elapsed = d.completion.elapsed;
    var narrow = labelWidth("completion", 0) > 0;
    draw("completion", {
      grid: { left: 8, right: 48, top: 30, bottom: 8, containLabel: true },
      tooltip: { trigger: "item", formatter: function (p) { return p.name + "<br>" + labels.completion + ": " + fmt(d.completion.values[p.dataIndex]) + "%"; } },
      xAxis: { type: "value", min: 0, max: function (v) { return Math.min(CAP, Math.max(100, Math.ceil(v.max / 20) * 20)); },
               splitNumber: narrow ? 2 : 5, axisLabel: { formatter: "{value}%" } },
      yAxis: { type: "category", data: names, inverse: true, axisLabel: { width: labelWidth("completion", 150), overflow: "truncate" } },
      series: [{
        type: "bar", barMaxWidth: 22, name: labels.completion,
        data: d.completion.values.map(function (v, i) {
          return { value: v === null ? 0 : Math.min(v, CAP), itemStyle: { color: STATUS[d.completion.statuses[i]] } };
        }),
        label: { show: true, position: "right", formatter: function (p) { return fmt(d.completion.values[p.dataIndex]) + "%"; } },
        markLine: {
          symbol: "none", silent: true, lineStyle: { type: "dashed", color: "#1f2933", width: 2 },
          label: { formatter: (narrow ? "" : labels.elapsed + " ") + fmt(elapsed) + "%", position: "start" },
          data: [{ xAxis: elapsed }]
        }
      }]
    }, horizontalHeight(names.length));
  }

  function monthly(d) {
    var m = d.monthly;
    if (!m.months.length) return;
    var series = m.series.map(function (s, i) {
      // Home visits run in the hundreds, the others in units: a line on its own axis.
      return i === 0
        ? { type: "line", name: s.name, data: s.values, yAxisIndex: 1, symbolSize: 6 }
        : { type: "bar", name: s.name, data: s.values, barMaxWidth: 18 };
    });
    draw("monthly", {
      legend: { top: 0, type: "scroll" },
      grid: { left: 8, right: 8, top: 40, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: m.months.map(function (s) { return s.slice(5); }) },
      yAxis: [{ type: "value", minInterval: 1 }, { type: "value", minInterval: 1, splitLine: { show: false } }],
      series: series
    });
  }

  function domains(d, labels) {
    if (!d.domains.names.length) return;
    draw("domains", {
      grid: { left: 8, right: 40, top: 8, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis" },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: d.domains.names, inverse: true, axisLabel: { width: labelWidth("domains", 120), overflow: "truncate" } },
      series: [{ type: "bar", name: labels.total, data: d.domains.values, barMaxWidth: 22, label: { show: true, position: "right" } }]
    }, horizontalHeight(d.domains.names.length));
  }

  function categories(d, labels) {
    var c = d.categories;
    if (!c.names.length) return;
    draw("categories", {
      legend: { top: 0 },
      grid: { left: 8, right: 40, top: 32, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", formatter: function (ps) {
        var i = ps[0].dataIndex;
        return c.names[i] + "<br>" + labels.people + ": " + c.people[i] + "<br>" + labels.visited + ": " + c.visited[i] +
          "<br>" + labels.rate + ": " + fmt(c.rate[i]) + "%";
      } },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: c.names, inverse: true, axisLabel: { width: labelWidth("categories", 120), overflow: "truncate" } },
      series: [
        { type: "bar", name: labels.people, data: c.people, barMaxWidth: 16, itemStyle: { color: "#b9c3cc" } },
        { type: "bar", name: labels.visited, data: c.visited, barMaxWidth: 16, itemStyle: { color: "#0f766e" },
          label: { show: true, position: "right", formatter: function (p) { return fmt(c.rate[p.dataIndex]) + "%"; } } }
      ]
    }, horizontalHeight(c.names.length * 1.4));
  }

  function staffing(d, labels) {
    var s = d.staffing;
    if (!s.names.length) return;
    draw("staffing", {
      legend: { top: 0 },
      grid: { left: 8, right: 40, top: 32, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis" },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: s.names, inverse: true, axisLabel: { width: labelWidth("staffing", 120), overflow: "truncate" } },
      series: [
        { type: "bar", name: labels.on_post, data: s.on_post, barMaxWidth: 16, itemStyle: { color: "#0f766e" },
          label: { show: true, position: "right" } },
        { type: "scatter", name: labels.minimum, data: s.minimum, symbol: "rect", symbolSize: [4, 20],
          itemStyle: { color: "#b42318" } }
      ]
    }, horizontalHeight(s.names.length));
  }

  function plans(d, labels) {
    var p = d.plans;
    // With child places, the place's own total (the first row) would dwarf them: the table has it.
    var from = p.names.length > 1 ? 1 : 0;
    var names = p.names.slice(from);
    if (!names.length) return;
    draw("plans", {
      legend: { top: 0 },
      grid: { left: 8, right: 24, top: 32, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis" },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: names, inverse: true, axisLabel: { width: labelWidth("plans", 120), overflow: "truncate" } },
      series: [
        { type: "bar", stack: "plans", name: labels.overdue, data: p.overdue.slice(from), itemStyle: { color: "#b42318" }, barMaxWidth: 18 },
        { type: "bar", stack: "plans", name: labels.this_month, data: p.this_month.slice(from), itemStyle: { color: "#9a6700" }, barMaxWidth: 18 },
        { type: "bar", stack: "plans", name: labels.later, data: p.later.slice(from), itemStyle: { color: "#b9c3cc" }, barMaxWidth: 18 }
      ]
    }, horizontalHeight(names.length));
  }

  // On print the drawings are not redrawn: their viewBox scales them to the page (shegong.css).
  var printing = window.matchMedia ? window.matchMedia("print") : { matches: false };

  function resizeAll() {
    if (printing.matches) return;
    charts.forEach(function (chart) { chart.resize(); scalable(chart.getDom()); });
  }

  ready(function () {
    printButtons();
    var source = document.getElementById("dashboard-data");
    if (!source || !window.echarts) return; // the tables carry the figures
    var data = JSON.parse(source.textContent);
    document.body.classList.add("charts-on");
    var labels = data.labels || {};
    [completion, monthly, domains, categories, staffing, plans].forEach(function (fn) {
      try { fn(data, labels); } catch (e) { if (window.console) console.error(e); }
    });
    var timer = null;
    window.addEventListener("resize", function () {
      clearTimeout(timer);
      timer = setTimeout(resizeAll, 150);
    });

  });
})();
