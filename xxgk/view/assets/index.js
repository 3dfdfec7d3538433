/* xxgk view: the index of a batch. One row per report, sortable (click a header) and filterable. */
(function () {
  "use strict";

  var D = JSON.parse(document.getElementById("xxgk-data").textContent);
  var TAGS = D.tags, SECTIONS = D.sections;
  function $(id) { return document.getElementById(id); }
  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function v(x) { return x === null || x === undefined ? "" : x; }
  function base(p) { return String(p || "").split(/[\\/]/).pop(); }
  function safeHref(h) {
    // relative links to the pages only: nothing with a scheme (javascript:, http:)
    h = String(h || "");
    return /^[a-z][a-z0-9+.-]*:/i.test(h) || h.indexOf("//") === 0 ? "#" : h;
  }

  var COLS = [
    { key: "file", label: "report", get: function (r) { return base(r.file); } },
    { key: "body", label: "body", get: function (r) { return v(r.body); } },
    { key: "year", label: "year", num: true, get: function (r) { return r.year; } },
    { key: "template", label: "template", get: function (r) { return v(r.template); } },
    { key: "format", label: "format", get: function (r) { return v(r.format); } },
    { key: "sections", label: "sections found", num: true, get: function (r) { return (r.sections || []).length; } },
    { key: "sentences", label: "sentences", num: true, get: function (r) { return r.sentences; } }
  ].concat(TAGS.map(function (t) {
    return { key: "tag:" + t, label: t, num: true, get: function (r) { return (r.tags || {})[t] || 0; } };
  })).concat([
    { key: "broken", label: "rules broken", num: true, get: function (r) { return r.broken; } },
    { key: "low", label: "low confidence", num: true, get: function (r) { return r.low; } },
    { key: "findings", label: "findings", num: true, get: function (r) { return r.findings; } },
    { key: "system", label: "system", get: function (r) { return v(r.system); } }
  ]);
  var sortKey = "file", sortDir = 1;

  function cell(c, r) {
    var x = c.get(r);
    if (c.key === "file") {
      return "<td><a href=\"" + esc(safeHref(r.href)) + "\">" + esc(x) + "</a><div class=\"muted\">" + esc(v(r.title)) + "</div></td>";
    }
    if (c.key === "sections") {
      var found = {}, chips = "";
      (r.sections || []).forEach(function (s) { found[s] = true; });
      SECTIONS.forEach(function (s, i) {
        chips += "<span class=\"chip " + (found[s] ? "on sec-" + i : "off") + "\" title=\"" + esc(s) + "\"></span>";
      });
      return "<td class=\"num\" title=\"" + esc((r.sections || []).join(", ")) + "\">" + chips + " " + x + "</td>";
    }
    var cls = c.num ? "num" : "";
    if (c.key === "broken" && x > 0) cls += " broken";
    if (c.key === "low" && x > 0) cls += " lowc";
    if (c.key.indexOf("tag:") === 0) cls += " tagbar";
    return "<td class=\"" + cls + "\" data-col=\"" + esc(c.key) + "\">" + esc(v(x)) + "</td>";
  }

  function matches(r, q) {
    if (!q) return true;
    var hay = [r.file, r.title, r.body, r.year, r.template, r.format, r.system].concat(r.sections || []).join(" ").toLowerCase();
    return q.split(/\s+/).every(function (w) { return hay.indexOf(w) >= 0; });
  }

  function render() {
    var q = $("filter").value.trim().toLowerCase(), onlyBroken = $("only-broken").checked, onlyLow = $("only-low").checked;
    var col = COLS.filter(function (c) { return c.key === sortKey; })[0];
    var rows = D.rows.filter(function (r) {
      return matches(r, q) && (!onlyBroken || r.broken > 0) && (!onlyLow || r.low > 0);
    });
    rows.sort(function (a, b) {
      var x = col.get(a), y = col.get(b);
      if (x === y) return 0;
      if (x === null || x === undefined || x === "") return 1;
      if (y === null || y === undefined || y === "") return -1;
      return (col.num ? x - y : String(x).localeCompare(String(y), "zh")) * sortDir;
    });
    var head = "<tr>" + COLS.map(function (c) {
      var cls = c.key === sortKey ? (sortDir > 0 ? "asc" : "desc") : "";
      return "<th data-key=\"" + esc(c.key) + "\" class=\"" + cls + "\">" + esc(c.label) + "</th>";
    }).join("") + "</tr>";
    document.querySelector("#reports thead").innerHTML = head;
    document.querySelector("#reports tbody").innerHTML = rows.map(function (r) {
      return "<tr>" + COLS.map(function (c) { return cell(c, r); }).join("") + "</tr>";
    }).join("");
    $("count").textContent = rows.length + " of " + D.rows.length + " reports";
  }

  $("title").textContent = D.title;
  var meta = document.createElement("div");
  meta.className = "muted";
  meta.textContent = D.rows.length + " reports, " + D.errors.length + " failed · written " + D.generated;
  $("title").after(meta);
  if (D.errors.length) {
    $("errors").innerHTML = "<h2>Inputs that failed</h2><ul>" + D.errors.map(function (e) {
      return "<li><b>" + esc(e.path) + "</b>: " + esc(e.error) + " " + esc(e.message) + "</li>";
    }).join("") + "</ul>";
  }
  document.querySelector("#reports thead").addEventListener("click", function (e) {
    var th = e.target.closest("th[data-key]");
    if (!th) return;
    var k = th.getAttribute("data-key");
    if (k === sortKey) sortDir = -sortDir; else { sortKey = k; sortDir = 1; }
    render();
  });
  $("filter").addEventListener("input", render);
  $("only-broken").addEventListener("change", render);
  $("only-low").addEventListener("change", render);
  render();
  window.xxgkIndex = { data: D, render: render };
  document.body.setAttribute("data-ready", "1");
})();
