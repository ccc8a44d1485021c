/*
 * Insights — the page's only script of our own. No dependencies.
 *
 * Loaded in <head> without defer, right after echarts.min.js: it must set
 * the colour theme before the first paint. Everything that touches the DOM
 * waits for DOMContentLoaded. The pages carry no inline scripts or on*
 * handlers (the Content-Security-Policy forbids them); this file does it all.
 *
 * - theme: light/dark from localStorage ("insights-theme") or the system;
 *   the toggle button ([data-theme-toggle]) flips and remembers it, and
 *   charts are re-coloured in place;
 * - charts: each <script type="application/json" data-chart-for="ID"> holds
 *   an ECharts option (written by internal/charts), drawn into element ID
 *   with the registered "insights" theme; resized with the window, made
 *   static and light for print, and data tables in <details> opened while
 *   printing;
 * - filters: a form with [data-autosubmit] submits when a control changes;
 *   preset buttons with data-from/data-to fill the date fields first;
 * - print: buttons with [data-print] open the browser's print dialog.
 */
(function () {
  "use strict";

  var STORAGE_KEY = "insights-theme";
  var THEME_NAME = "insights";
  var root = document.documentElement;
  var darkQuery = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;
  var printQuery = window.matchMedia ? window.matchMedia("print") : null;

  root.classList.add("js");

  // ---------- Theme ----------

  function storedTheme() {
    try {
      var t = window.localStorage.getItem(STORAGE_KEY);
      return t === "light" || t === "dark" ? t : null;
    } catch (e) {
      return null; // storage disabled: follow the system
    }
  }

  function systemTheme() {
    return darkQuery && darkQuery.matches ? "dark" : "light";
  }

  function effectiveTheme() {
    return storedTheme() || systemTheme();
  }

  // Colours of chart chrome (text, axes, grid lines, tooltip) per mode; the
  // series colours come from the server and work on both backgrounds.
  var palettes = {
    light: { text: "#3f4555", faint: "#868ca0", axis: "#cdd2df", split: "#e9ecf2", tipBg: "#ffffff", tipBorder: "#e2e5ee", tipText: "#171a26" },
    dark: { text: "#c3c8d8", faint: "#8a91a6", axis: "#3a4258", split: "#262c3c", tipBg: "#1e2331", tipBorder: "#3a4258", tipText: "#e7e9f1" }
  };

  function axisStyle(p) {
    return {
      axisLine: { lineStyle: { color: p.axis } },
      axisTick: { lineStyle: { color: p.axis } },
      axisLabel: { color: p.text },
      nameTextStyle: { color: p.faint },
      splitLine: { lineStyle: { color: p.split } }
    };
  }

  // An ECharts theme object for mode: used when charts are created.
  function echartsTheme(mode, print) {
    var p = palettes[mode];
    var axis = axisStyle(p);
    var theme = {
      backgroundColor: "transparent",
      textStyle: { color: p.text, fontFamily: "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif" },
      title: { textStyle: { color: p.text } },
      legend: { textStyle: { color: p.text }, pageTextStyle: { color: p.faint }, pageIconColor: p.text, pageIconInactiveColor: p.axis },
      tooltip: { backgroundColor: p.tipBg, borderColor: p.tipBorder, textStyle: { color: p.tipText } },
      categoryAxis: axis,
      valueAxis: axis,
      timeAxis: axis,
      logAxis: axis
    };
    if (print) {
      theme.animation = false;
    }
    return theme;
  }

  // The same colours as a setOption patch, for charts that already exist.
  function themePatch(mode, option) {
    var p = palettes[mode];
    var axis = axisStyle(p);
    function perAxis(list) {
      var out = [];
      for (var i = 0; i < (list ? list.length : 0); i++) {
        out.push(axis);
      }
      return out;
    }
    return {
      textStyle: { color: p.text },
      legend: { textStyle: { color: p.text }, pageTextStyle: { color: p.faint }, pageIconColor: p.text, pageIconInactiveColor: p.axis },
      tooltip: { backgroundColor: p.tipBg, borderColor: p.tipBorder, textStyle: { color: p.tipText } },
      xAxis: perAxis(option.xAxis),
      yAxis: perAxis(option.yAxis)
    };
  }

  function hasECharts() {
    return typeof window.echarts !== "undefined" && typeof window.echarts.getInstanceByDom === "function";
  }

  function registerTheme(mode) {
    if (hasECharts()) {
      window.echarts.registerTheme(THEME_NAME, echartsTheme(mode, printQuery && printQuery.matches));
    }
  }

  // Every ECharts instance on the page (go-echarts marks nothing, but
  // ECharts sets _echarts_instance_ on the elements it owns).
  function chartInstances() {
    var out = [];
    if (!hasECharts()) {
      return out;
    }
    var els = document.querySelectorAll("[_echarts_instance_]");
    for (var i = 0; i < els.length; i++) {
      var inst = window.echarts.getInstanceByDom(els[i]);
      if (inst && !inst.isDisposed()) {
        out.push(inst);
      }
    }
    return out;
  }

  function recolorCharts(mode) {
    chartInstances().forEach(function (inst) {
      inst.setOption(themePatch(mode, inst.getOption()));
    });
  }

  function applyTheme(mode) {
    root.setAttribute("data-theme", mode);
    registerTheme(mode);
    var buttons = document.querySelectorAll("[data-theme-toggle]");
    for (var i = 0; i < buttons.length; i++) {
      var next = mode === "dark" ? "light" : "dark";
      buttons[i].setAttribute("aria-label", "Switch to " + next + " theme");
      buttons[i].setAttribute("title", "Switch to " + next + " theme");
      buttons[i].setAttribute("aria-pressed", mode === "dark" ? "true" : "false");
    }
    recolorCharts(mode);
  }

  function toggleTheme() {
    var next = effectiveTheme() === "dark" ? "light" : "dark";
    try {
      window.localStorage.setItem(STORAGE_KEY, next);
    } catch (e) {
      // not remembered, but still applied
    }
    applyTheme(next);
  }

  // Before first paint and before any chart exists.
  root.setAttribute("data-theme", effectiveTheme());
  registerTheme(effectiveTheme());

  if (darkQuery && darkQuery.addEventListener) {
    darkQuery.addEventListener("change", function () {
      if (!storedTheme()) {
        applyTheme(systemTheme());
      }
    });
  }

  // ---------- Charts: draw, resize and print ----------

  // drawCharts creates a chart for every option block whose element has
  // none yet. A block that does not parse leaves its chart empty (the data
  // table beside it still shows the numbers) and the rest are drawn.
  function drawCharts() {
    if (!hasECharts()) {
      return;
    }
    var blocks = document.querySelectorAll("script[type='application/json'][data-chart-for]");
    Array.prototype.forEach.call(blocks, function (block) {
      var el = document.getElementById(block.getAttribute("data-chart-for"));
      if (!el || window.echarts.getInstanceByDom(el)) {
        return;
      }
      var option;
      try {
        option = JSON.parse(block.textContent);
      } catch (e) {
        if (window.console) {
          window.console.error("insights: chart " + el.id + ": bad option", e);
        }
        return;
      }
      var chart = window.echarts.init(el, block.getAttribute("data-chart-theme") || THEME_NAME, {
        renderer: block.getAttribute("data-chart-renderer") || "svg"
      });
      chart.setOption(option);
    });
  }

  var resizeFrame = 0;
  function resizeCharts() {
    if (resizeFrame) {
      return;
    }
    resizeFrame = window.requestAnimationFrame(function () {
      resizeFrame = 0;
      chartInstances().forEach(function (inst) {
        inst.resize();
      });
    });
  }

  var closedForPrint = [];
  function beforePrint() {
    var details = document.querySelectorAll("details.data-table:not([open])");
    closedForPrint = [];
    for (var i = 0; i < details.length; i++) {
      details[i].open = true;
      closedForPrint.push(details[i]);
    }
    chartInstances().forEach(function (inst) {
      inst.setOption(themePatch("light", inst.getOption()));
      inst.setOption({ animation: false });
      inst.resize({ animation: { duration: 0 } });
    });
  }

  function afterPrint() {
    closedForPrint.forEach(function (d) {
      d.open = false;
    });
    closedForPrint = [];
    recolorCharts(effectiveTheme());
    resizeCharts();
  }

  window.addEventListener("resize", resizeCharts);
  window.addEventListener("beforeprint", beforePrint);
  window.addEventListener("afterprint", afterPrint);

  // ---------- Filters ----------

  function submitForm(form) {
    if (typeof form.requestSubmit === "function") {
      form.requestSubmit();
    } else {
      form.submit();
    }
  }

  function dateRangeComplete(form) {
    var from = form.querySelector("input[name='from']");
    var to = form.querySelector("input[name='to']");
    if (!from || !to) {
      return true;
    }
    // ISO dates compare correctly as strings.
    return from.value !== "" && to.value !== "" && from.value <= to.value;
  }

  function setupFilters() {
    var forms = document.querySelectorAll("form[data-autosubmit]");
    Array.prototype.forEach.call(forms, function (form) {
      var timer = 0;
      form.addEventListener("change", function (ev) {
        var el = ev.target;
        if (!el || !el.name) {
          return;
        }
        window.clearTimeout(timer);
        if (el.type === "date") {
          // Give the user a moment to set the other end of the range.
          timer = window.setTimeout(function () {
            if (dateRangeComplete(form)) {
              clearPreset(form);
              submitForm(form);
            }
          }, 700);
          return;
        }
        submitForm(form);
      });
      form.addEventListener("focusin", function (ev) {
        if (ev.target && ev.target.type === "date") {
          window.clearTimeout(timer);
        }
      });
    });

    // Preset buttons are ordinary submit buttons (name="preset") so they
    // work without JavaScript; here they also fill the date fields at once.
    var presets = document.querySelectorAll("[data-preset]");
    Array.prototype.forEach.call(presets, function (btn) {
      btn.addEventListener("click", function () {
        var form = btn.form || btn.closest("form");
        if (!form) {
          return;
        }
        var from = form.querySelector("input[name='from']");
        var to = form.querySelector("input[name='to']");
        if (from && btn.dataset.from) {
          from.value = btn.dataset.from;
        }
        if (to && btn.dataset.to) {
          to.value = btn.dataset.to;
        }
        var group = btn.closest(".filters__presets");
        if (group) {
          Array.prototype.forEach.call(group.querySelectorAll("[data-preset]"), function (b) {
            b.setAttribute("aria-pressed", b === btn ? "true" : "false");
          });
        }
      });
    });
  }

  function clearPreset(form) {
    var hidden = form.querySelector("input[type='hidden'][name='preset']");
    if (hidden) {
      hidden.value = "";
    }
  }

  // ---------- Print buttons ----------

  function setupPrint() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-print]"), function (btn) {
      btn.addEventListener("click", function () {
        window.print();
      });
    });
  }

  // ---------- Start ----------

  function init() {
    var buttons = document.querySelectorAll("[data-theme-toggle]");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].addEventListener("click", toggleTheme);
    }
    drawCharts();
    applyTheme(effectiveTheme());
    setupFilters();
    setupPrint();
    if (printQuery && printQuery.matches) {
      beforePrint();
    }
    if (printQuery && printQuery.addEventListener) {
      printQuery.addEventListener("change", function (q) {
        if (q.matches) {
          beforePrint();
        }
      });
    }
    if (window.ResizeObserver) {
      var ro = new ResizeObserver(resizeCharts);
      Array.prototype.forEach.call(document.querySelectorAll(".chart-card__chart"), function (el) {
        ro.observe(el);
      });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
