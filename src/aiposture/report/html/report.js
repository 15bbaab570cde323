/* aiposture report: finding filters, copy buttons, print and link helpers. No network. */
(function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };
  var items = Array.prototype.slice.call(document.querySelectorAll("details.finding"));
  var text = $("filter-text"), pillar = $("filter-pillar"), severity = $("filter-severity");
  var status = $("filter-status"), baseline = $("filter-baseline");
  var shown = $("shown-count"), none = $("no-match");

  // Read the data attributes once; a filter pass then touches only rows whose state changes.
  var rows = items.map(function (el) {
    var d = el.dataset;
    return { el: el, pillar: d.pillar, severity: d.severity, status: d.status,
      baseline: d.baseline, text: d.text, hidden: el.hidden };
  });

  function apply() {
    var words = (text.value || "").toLowerCase().split(/\s+/).filter(Boolean);
    var p = pillar.value, sv = severity.value, st = status.value;
    var bl = baseline ? baseline.value : "";
    var n = 0;
    rows.forEach(function (r) {
      var ok = (!p || r.pillar === p) && (!sv || r.severity === sv) &&
        (!st || r.status === st ||
          (st === "attention" && (r.status === "FAIL" || r.status === "UNKNOWN"))) &&
        (!bl || r.baseline === bl) &&
        words.every(function (w) { return r.text.indexOf(w) !== -1; });
      if (r.hidden === ok) { r.hidden = !ok; r.el.hidden = !ok; }
      if (ok) { n += 1; }
    });
    shown.textContent = n + " of " + items.length + " shown";
    none.hidden = n !== 0;
  }

  [text, pillar, severity, status, baseline].forEach(function (c) {
    if (c) { c.addEventListener("input", apply); c.addEventListener("change", apply); }
  });
  $("filters").addEventListener("submit", function (ev) { ev.preventDefault(); });
  $("filter-reset").addEventListener("click", function () {
    [text, pillar, severity, status, baseline].forEach(function (c) {
      if (c) { c.value = c.getAttribute("data-default") || ""; }
    });
    apply();
  });
  var expanded = false;
  $("expand-all").addEventListener("click", function (ev) {
    expanded = !expanded;
    items.forEach(function (el) { if (!el.hidden) { el.open = expanded; } });
    ev.target.textContent = expanded ? "Collapse all" : "Expand all";
  });

  // Compliance view: a rule id shows that rule's findings.
  document.addEventListener("click", function (ev) {
    var a = ev.target.closest ? ev.target.closest("a.rule-link") : null;
    if (!a) { return; }
    ev.preventDefault();
    text.value = a.getAttribute("data-rule");
    status.value = "";
    apply();
    $("findings").scrollIntoView();
  });

  function copyText(value, button) {
    function done() {
      button.textContent = "Copied";
      button.classList.add("done");
      setTimeout(function () { button.textContent = "Copy"; button.classList.remove("done"); }, 1500);
    }
    function fallback() {
      var area = document.createElement("textarea");
      area.value = value;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.opacity = "0";
      document.body.appendChild(area);
      area.select();
      try { document.execCommand("copy"); done(); } catch (e) { button.textContent = "Select and copy"; }
      document.body.removeChild(area);
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(value).then(done, fallback);
    } else {
      fallback();
    }
  }
  document.addEventListener("click", function (ev) {
    var b = ev.target.closest ? ev.target.closest("button.copy") : null;
    if (!b) { return; }
    var pre = $(b.getAttribute("data-target"));
    if (pre) { copyText(pre.textContent, b); }
  });

  function openHash() {
    var id = decodeURIComponent((location.hash || "").slice(1));
    var el = id ? $(id) : null;
    if (el && el.tagName === "DETAILS") {
      rows.forEach(function (r) { if (r.el === el) { r.hidden = false; } });
      el.hidden = false; el.open = true; el.scrollIntoView();
    }
  }
  window.addEventListener("hashchange", openHash);
  openHash();

  // Printing shows every finding that passes the filters, expanded.
  var all = Array.prototype.slice.call(document.querySelectorAll("details"));
  var wasOpen = [];
  window.addEventListener("beforeprint", function () {
    wasOpen = all.map(function (el) { return el.open; });
    all.forEach(function (el) { el.open = true; });
  });
  window.addEventListener("afterprint", function () {
    all.forEach(function (el, i) { el.open = wasOpen[i]; });
  });
  apply();
})();
