/* aiposture report: draws findings and inventory from the embedded data (a page at a time),
   filters, copy buttons, print and link helpers. No network. Tenant text is only ever set with
   textContent or setAttribute, never parsed as HTML. */
(function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };
  var PAGE = 500, TABLE_PAGE = 100;
  var text = $("filter-text"), pillar = $("filter-pillar"), severity = $("filter-severity");
  var rule = $("filter-rule"), status = $("filter-status"), baseline = $("filter-baseline");
  var shown = $("shown-count"), none = $("no-match"), list = $("finding-list");
  var more = $("show-more");
  var D, S, F, DD = null, waiting = [], N = 0, matches = [], drawn = 0, lower = null, ruleText = [];
  var ATTENTION = { FAIL: 1, UNKNOWN: 1 };

  function mark(name) { try { performance.mark(name); } catch (e) { /* old browser */ } }
  mark("aip-start");

  function el(tag, cls, txt) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (txt !== undefined && txt !== null) { e.textContent = txt; }
    return e;
  }
  function s(i) { return i < 0 ? "" : S[i]; }

  /* Fingerprints: sha256("RULE|resource id lower-cased"), first 32 hex digits, as
     rules.types.fingerprint computes them; derived here instead of stored (16 random bytes
     a finding would be a fifth of the file). The input is ASCII (data.py checks). */
  var K256 = [0x428a2f98,0x71374491,0xb5c0fbcf,0xe9b5dba5,0x3956c25b,0x59f111f1,0x923f82a4,0xab1c5ed5,0xd807aa98,0x12835b01,0x243185be,0x550c7dc3,0x72be5d74,0x80deb1fe,0x9bdc06a7,0xc19bf174,0xe49b69c1,0xefbe4786,0x0fc19dc6,0x240ca1cc,0x2de92c6f,0x4a7484aa,0x5cb0a9dc,0x76f988da,0x983e5152,0xa831c66d,0xb00327c8,0xbf597fc7,0xc6e00bf3,0xd5a79147,0x06ca6351,0x14292967,0x27b70a85,0x2e1b2138,0x4d2c6dfc,0x53380d13,0x650a7354,0x766a0abb,0x81c2c92e,0x92722c85,0xa2bfe8a1,0xa81a664b,0xc24b8b70,0xc76c51a3,0xd192e819,0xd6990624,0xf40e3585,0x106aa070,0x19a4c116,0x1e376c08,0x2748774c,0x34b0bcb5,0x391c0cb3,0x4ed8aa4a,0x5b9cca4f,0x682e6ff3,0x748f82ee,0x78a5636f,0x84c87814,0x8cc70208,0x90befffa,0xa4506ceb,0xbef9a3f7,0xc67178f2];
  var H256 = [0x6a09e667,0xbb67ae85,0x3c6ef372,0xa54ff53a,0x510e527f,0x9b05688c,0x1f83d9ab,0x5be0cd19];
  function ror(x, n) { return (x >>> n) | (x << (32 - n)); }
  function sha256hex32(str) {
    var n = str.length, words = ((n + 8) >> 6 << 4) + 16, w = new Int32Array(words), i, t;
    for (i = 0; i < n; i += 1) { w[i >> 2] |= (str.charCodeAt(i) & 0xff) << (24 - (i & 3) * 8); }
    w[n >> 2] |= 0x80 << (24 - (n & 3) * 8);
    w[words - 1] = n * 8;
    var H = H256.slice(), W = new Int32Array(64);
    for (var j = 0; j < words; j += 16) {
      for (t = 0; t < 16; t += 1) { W[t] = w[j + t]; }
      for (t = 16; t < 64; t += 1) {
        var x = W[t - 15], y = W[t - 2];
        W[t] = (W[t - 16] + (ror(x, 7) ^ ror(x, 18) ^ (x >>> 3)) + W[t - 7] +
          (ror(y, 17) ^ ror(y, 19) ^ (y >>> 10))) | 0;
      }
      var a = H[0], b = H[1], c = H[2], d = H[3], e = H[4], f = H[5], g = H[6], h = H[7];
      for (t = 0; t < 64; t += 1) {
        var t1 = (h + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + ((e & f) ^ (~e & g)) + K256[t] + W[t]) | 0;
        var t2 = ((ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
        h = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
      }
      H[0] = (H[0] + a) | 0; H[1] = (H[1] + b) | 0; H[2] = (H[2] + c) | 0; H[3] = (H[3] + d) | 0;
      H[4] = (H[4] + e) | 0; H[5] = (H[5] + f) | 0; H[6] = (H[6] + g) | 0; H[7] = (H[7] + h) | 0;
    }
    var out = "";
    for (i = 0; i < 4; i += 1) { out += ("0000000" + (H[i] >>> 0).toString(16)).slice(-8); }
    return out;
  }
  var fpCache = {};
  function fp(i) {
    var known = i < F.fpl.length ? F.fpl[i] : F.fp[i] || fpCache[i];
    if (known) { return known; }
    return (fpCache[i] = sha256hex32(D.rules[F.r[i]].id + "|" + s(F.id[i]).toLowerCase()));
  }
  // A finding's texts hold its own resource id, name and group as tokens (data.py).
  function own(i, x) {
    if (x.indexOf("\u0001") < 0 && x.indexOf("\u0002") < 0 && x.indexOf("\u0003") < 0) { return x; }
    return x.split("\u0001").join(s(F.id[i])).split("\u0002").join(s(F.n[i]))
      .split("\u0003").join(s(F.g[i]));
  }
  function statusOf(i) { return D.statuses[F.st[i]]; }

  // A data element: parsed at once when plain JSON, else a promise (gzip, base64).
  function load(id) {
    var node = $(id);
    var raw = node.textContent;
    if (node.getAttribute("data-encoding") !== "gzip-base64") { return JSON.parse(raw); }
    var bytes;
    if (Uint8Array.fromBase64) {
      bytes = Uint8Array.fromBase64(raw);
    } else {
      var bin = atob(raw);
      bytes = new Uint8Array(bin.length);
      for (var i = 0; i < bin.length; i += 1) { bytes[i] = bin.charCodeAt(i); }
    }
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Response(stream).text().then(JSON.parse);
  }

  /* ---- filters ---------------------------------------------------------------------------- */
  function wordHits(w) {
    // Which strings contain the word (once per word over the string table, not per row).
    // Only the strings a finding is searched by (name, id, group, message), lower-cased once.
    searchIndex();
    var hit = new Uint8Array(S.length), lt = lower.text, li = lower.ids;
    for (var i = 0; i < lt.length; i += 1) { if (lt[i].indexOf(w) !== -1) { hit[li[i]] = 1; } }
    var rhit = ruleText.map(function (t) { return t.indexOf(w) !== -1; });
    return { s: hit, r: rhit };
  }

  function searchIndex() {
    if (lower) { return; }
    var seen = new Uint8Array(S.length), ids = [];
    [F.n, F.id, F.g, F.m].forEach(function (col) {
      for (var k = 0; k < N; k += 1) { var x = col[k]; if (!seen[x]) { seen[x] = 1; ids.push(x); } }
    });
    lower = { ids: ids, text: ids.map(function (x) { return S[x].toLowerCase(); }) };
  }

  function compute() {
    var words = (text.value || "").toLowerCase().split(/\s+/).filter(Boolean).map(wordHits);
    var p = pillar.value, sv = severity.value, st = status.value, ru = rule.value;
    var bl = baseline ? baseline.value : "";
    var pIx = -1, svIx = -1, stIx = -1, blIx = -1, i, k;
    var rulePillar = D.rules.map(function (r) { return r.pillar; });
    if (sv) { svIx = D.severities.indexOf(sv); }
    if (st && st !== "attention") { stIx = D.statuses.indexOf(st); }
    if (bl) { blIx = D.baseline.indexOf(bl); }
    var out = [];
    for (i = 0; i < N; i += 1) {
      var r = F.r[i];
      if (p && rulePillar[r] !== p) { continue; }
      if (ru && D.rules[r].id !== ru) { continue; }
      if (svIx >= 0 && F.sv[i] !== svIx) { continue; }
      if (stIx >= 0 && F.st[i] !== stIx) { continue; }
      if (st === "attention" && !ATTENTION[D.statuses[F.st[i]]]) { continue; }
      if (blIx >= 0 && F.b[i] !== blIx) { continue; }
      var ok = true;
      for (k = 0; k < words.length && ok; k += 1) {
        var w = words[k];
        ok = w.r[r] || w.s[F.n[i]] === 1 || w.s[F.id[i]] === 1 || w.s[F.g[i]] === 1 ||
          w.s[F.m[i]] === 1;
      }
      if (ok) { out.push(i); }
    }
    return out;
  }

  var lastKey = null;
  function apply(ev) {
    if (!D) { return; }
    var key = [text.value, pillar.value, severity.value, rule.value, status.value,
      baseline ? baseline.value : ""].join("\u0000");
    // "change" follows "input" when a field loses focus: the list is already right.
    if (ev && ev.type === "change" && key === lastKey) { return; }
    lastKey = key;
    mark("aip-filter-start");
    matches = compute();
    list.textContent = "";
    drawn = 0;
    drawMore();
    // Findings the reader opened keep their state (hidden while the filters leave them out).
    Object.keys(opened).forEach(function (k) {
      var d = opened[k];
      if (!d.parentNode) { d.hidden = true; list.appendChild(d); }
    });
    shown.textContent = matches.length + " of " + N + " shown";
    none.hidden = matches.length !== 0;
    mark("aip-filter-end");
    document.documentElement.setAttribute("data-filtered", String(Date.now()));
  }

  /* ---- findings --------------------------------------------------------------------------- */
  var opened = {};
  function row(i) {
    var kept = opened[i];
    if (kept) { kept.hidden = false; return kept; }
    var st = statusOf(i), sev = D.severities[F.sv[i]], r = D.rules[F.r[i]];
    var d = el("details", "finding st-" + st);
    d.id = "f-" + fp(i);
    d.setAttribute("data-status", st);
    d.setAttribute("data-severity", sev);
    d.setAttribute("data-pillar", r.pillar);
    d._row = i;
    var sum = el("summary");
    sum.appendChild(el("span", "status status-" + st, st));
    sum.appendChild(el("span", "sev sev-" + sev, sev));
    sum.appendChild(el("span", "rid", r.id));
    sum.appendChild(el("span", "ftitle", r.title));
    sum.appendChild(el("span", "res", s(F.n[i])));
    if (F.b && F.b[i]) {
      var b = D.baseline[F.b[i]];
      sum.appendChild(el("span", "bl bl-" + b, b));
    }
    d.appendChild(sum);
    return d;
  }

  function kv(dl, k, v, cls) { dl.appendChild(el("dt", null, k)); dl.appendChild(el("dd", cls, v)); }

  function body(d) {
    // The detail of one finding, built when it is first opened.
    if (d._body) { return; }
    if (!DD) { if (waiting.indexOf(d) < 0) { waiting.push(d); } return; }
    d._body = true;
    var i = d._row, r = D.rules[F.r[i]], det = DD.d[i], st = statusOf(i), id = d.id;
    var sd = function (k) { return k < 0 ? "" : DD.s[k]; };
    var b = el("div", "body");
    b.appendChild(el("p", "msg", own(i, s(F.m[i]))));
    var dl = el("dl", "kv");
    kv(dl, "Resource", s(F.id[i]), "mono");
    kv(dl, "Type", s(F.t[i]));
    kv(dl, "Pillar", pillarLabel[r.pillar]);
    if (det[2]) {
      var sup = det[2], note = sd(sup[0]);
      if (sd(sup[1])) { note += " (expires " + sd(sup[1]) + (sup[2] ? ", expired" : "") + ")"; }
      kv(dl, "Suppressed", note);
    }
    if (det[1] >= 0) { kv(dl, "Missing data", sd(det[1])); }
    b.appendChild(dl);
    if (det[0].length) {
      b.appendChild(el("h4", null, "Evidence"));
      var t = el("table", "data ev"), head = el("tr");
      head.appendChild(el("th", null, "Property"));
      head.appendChild(el("th", null, "Value seen"));
      t.appendChild(el("thead")).appendChild(head);
      var tb = t.appendChild(el("tbody"));
      det[0].forEach(function (e) {
        var tr = tb.appendChild(el("tr"));
        tr.appendChild(el("td", "mono", sd(e[0])));
        var v = tr.appendChild(el("td", "mono"));
        if (e[1] < 0) { v.appendChild(el("em", null, "absent")); } else { v.textContent = own(i, sd(e[1])); }
      });
      b.appendChild(t);
    }
    b.appendChild(el("h4", null, "Why it matters"));
    b.appendChild(el("p", "why", r.rationale));
    if (det[3] >= 0) {
      var rem = DD.rem[det[3]];
      b.appendChild(el("h4", null, st === "UNKNOWN" ?
        "How to fix, if it fails once its data can be read" : "How to fix"));
      b.appendChild(el("p", null, own(i, sd(rem[0]))));
      var forms = b.appendChild(el("div", "forms"));
      [["az CLI", "sh"], ["Bicep", "bicep"], ["Terraform", "hcl"], ["Portal", "text"]].forEach(
        function (f, k) {
          var box = forms.appendChild(el("div", "form"));
          var h = box.appendChild(el("div", "form-head"));
          h.appendChild(el("span", null, f[0]));
          var btn = h.appendChild(el("button", "copy", "Copy"));
          btn.type = "button";
          btn.setAttribute("data-target", id + "-" + (k + 1));
          var pre = box.appendChild(el("pre", "code lang-" + f[1], own(i, sd(rem[k + 1]))));
          pre.id = id + "-" + (k + 1);
        });
      if (sd(rem[5])) {
        b.appendChild(el("p", "small", "Keep it fixed with Azure Policy: " + sd(rem[5])));
      }
    }
    if (r.refs.length) {
      b.appendChild(el("p", "small refs", "References: " + r.refs.map(function (x) {
        return x[0] + ": " + x[1];
      }).join(" · ")));
    }
    b.appendChild(el("p", "small mono", "fingerprint " + fp(i)));
    d.appendChild(b);
  }

  function drawMore() {
    var frag = document.createDocumentFragment();
    var end = Math.min(matches.length, drawn + PAGE);
    for (var k = drawn; k < end; k += 1) { frag.appendChild(row(matches[k])); }
    list.appendChild(frag);
    drawn = end;
    var left = matches.length - drawn;
    more.hidden = left <= 0;
    more.textContent = "Show " + Math.min(PAGE, left) + " more (" + left + " not shown yet)";
  }

  /* ---- inventory tables ------------------------------------------------------------------- */
  function cell(td, c) {
    if (typeof c === "number") { td.textContent = s(c); return; }
    if (c[0] === "T") { td.setAttribute("title", s(c[1])); td.textContent = s(c[2]); return; }
    if (c[0] === "C") { td.appendChild(el("span", c[1], s(c[2]))); return; }
    if (c[0] === "F") {
      td.className = "facts";
      for (var k = 1; k < c.length; k += 1) {
        var f = c[k];
        td.appendChild(el("span", f[2] ? "fact tag" : "fact",
          s(f[0]) + (f[2] ? "=" : ": ") + s(f[1])));
      }
    }
  }

  function table(host, t) {
    if (!t || !t.rows.length) { return; }
    var h = host.appendChild(el("h3", null, t.title + " "));
    h.appendChild(el("span", "count", String(t.rows.length)));
    var wrap = host.appendChild(el("div", "scroll"));
    var tab = wrap.appendChild(el("table", "data"));
    var hr = tab.appendChild(el("thead")).appendChild(el("tr"));
    t.cols.forEach(function (c) { hr.appendChild(el("th", null, c)); });
    var tb = tab.appendChild(el("tbody"));
    var mono = t.mono || [], n = 0;
    var btn = el("button", "more", "");
    btn.type = "button";
    function page() {
      var end = Math.min(t.rows.length, n + TABLE_PAGE), frag = document.createDocumentFragment();
      for (; n < end; n += 1) {
        var tr = frag.appendChild(el("tr"));
        t.rows[n].forEach(function (c, k) {
          cell(tr.appendChild(el("td", mono.indexOf(k) >= 0 ? "mono" : null)), c);
        });
      }
      tb.appendChild(frag);
      btn.hidden = n >= t.rows.length;
      btn.textContent = "Show more (" + (t.rows.length - n) + " not shown yet)";
    }
    btn.addEventListener("click", page);
    page();
    host.appendChild(btn);
  }

  function tables() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-table]"), function (host) {
      var t = D.tables[host.getAttribute("data-table")];
      if (Array.isArray(t)) { t.forEach(function (x) { table(host, x); }); } else { table(host, t); }
    });
  }

  /* ---- wiring ----------------------------------------------------------------------------- */
  var pillarLabel = {};

  function start(doc) {
    D = doc; S = doc.s; F = doc.f; N = doc.count;
    doc.pillars.forEach(function (p) { pillarLabel[p[0]] = p[1]; });
    ruleText = D.rules.map(function (r) {
      return (r.id + " " + r.title + " " + pillarLabel[r.pillar]).toLowerCase();
    });
    tables();
    apply();
    openHash();
    mark("aip-ready");
    document.documentElement.setAttribute("data-ready", "1");
    requestAnimationFrame(function () { setTimeout(function () { mark("aip-painted"); }, 0); });
  }

  [text, pillar, severity, rule, status, baseline].forEach(function (c) {
    if (c) { c.addEventListener("input", apply); c.addEventListener("change", apply); }
  });
  $("filters").addEventListener("submit", function (ev) { ev.preventDefault(); });
  $("filter-reset").addEventListener("click", function () {
    [text, pillar, severity, rule, status, baseline].forEach(function (c) {
      if (c) { c.value = c.getAttribute("data-default") || ""; }
    });
    apply();
  });
  more.addEventListener("click", drawMore);
  list.addEventListener("toggle", function (ev) {
    var d = ev.target;
    if (d._row === undefined) { return; }
    if (d.open) { body(d); opened[d._row] = d; } else { delete opened[d._row]; }
  }, true);
  list.addEventListener("click", function (ev) {
    // Build the detail before the browser opens it, so it is there at once.
    var sm = ev.target.closest ? ev.target.closest("summary") : null;
    if (sm && sm.parentNode && sm.parentNode._row !== undefined) { body(sm.parentNode); }
  });
  var expanded = false;
  $("expand-all").addEventListener("click", function (ev) {
    expanded = !expanded;
    Array.prototype.forEach.call(list.children, function (d) {
      if (expanded) { body(d); }
      d.open = expanded;
    });
    ev.target.textContent = expanded ? "Collapse all" : "Expand all";
  });

  // Top risks and the compliance view: a rule id shows that rule's findings.
  document.addEventListener("click", function (ev) {
    var a = ev.target.closest ? ev.target.closest("a.rule-link") : null;
    if (!a) { return; }
    ev.preventDefault();
    var id = a.getAttribute("data-rule");
    text.value = id;
    rule.value = "";
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
    if (!D || id.indexOf("f-") !== 0) { return; }
    var el2 = $(id);
    if (!el2) {
      // Not drawn yet: show that one finding whatever the filters say.
      var want = id.slice(2), at = -1;
      for (var i = 0; i < N && at < 0; i += 1) { if (fp(i) === want) { at = i; } }
      if (at < 0) { return; }
      list.insertBefore(row(at), list.firstChild);
      el2 = $(id);
    }
    body(el2);
    el2.open = true;
    el2.scrollIntoView();
  }
  window.addEventListener("hashchange", openHash);

  // Printing shows every drawn finding and every path, expanded.
  var wasOpen = [];
  window.addEventListener("beforeprint", function () {
    var all = Array.prototype.slice.call(document.querySelectorAll("details"));
    wasOpen = all.map(function (d) { return [d, d.open]; });
    all.forEach(function (d) { if (d._row !== undefined) { body(d); } d.open = true; });
  });
  window.addEventListener("afterprint", function () {
    wasOpen.forEach(function (x) { x[0].open = x[1]; });
  });

  function detail(doc) {
    // Findings opened before the detail was decoded get theirs now.
    DD = doc;
    waiting.splice(0).forEach(function (d) { body(d); });
    document.documentElement.setAttribute("data-detail", "1");
    later(function () {
      searchIndex();
      mark("aip-idle");
      document.documentElement.setAttribute("data-idle", "1");
    });
  }
  // After the next paint: the first screen shows before the rest is decoded.
  function later(fn) { requestAnimationFrame(function () { setTimeout(fn, 0); }); }
  function failed(err) {
    shown.textContent = "the report data could not be read: " + err;
    document.documentElement.setAttribute("data-ready", "error");
  }
  try {
    var first = load("report-data");
    if (first instanceof Promise) {
      first.then(function (doc) {
        start(doc);
        // The detail after the first screen has been painted.
        later(function () { Promise.resolve(load("report-detail")).then(detail, failed); });
      }, failed);
    } else {
      var second = load("report-detail");
      if (second instanceof Promise) { second.then(detail, failed); } else { DD = second; }
      start(first);
      if (DD) { detail(DD); }
    }
  } catch (err) { failed(err); }
})();
