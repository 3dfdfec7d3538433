/* xxgk view: one report page. Plain JavaScript, no network, no dependencies.
 * The data are in #xxgk-data (JSON, schema xxgk-view/1); every text from the report
 * reaches the page through esc() or textContent, never as markup. */
(function () {
  "use strict";

  var D = JSON.parse(document.getElementById("xxgk-data").textContent);
  var SECTIONS = D.sections, TAGS = D.tags, TAG_KEYS = { a: 0, p: 1, l: 2, o: 3 };
  var low = D.low;
  var selected = null; // {kind: "s", i} or {kind: "c", t, key}

  function $(id) { return document.getElementById(id); }
  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function fmt(v) { return v === null || v === undefined ? "" : String(v); }
  function pct(c) { return c === null || c === undefined ? "–" : c.toFixed(2); }

  // --- state ------------------------------------------------------------------
  var S = D.sentences.map(function (s) {
    return { text: s[0], sec: s[1], tag: s[2], tc: s[3], sc: s[4], prov: s[5], para: s[6], sec0: s[1], tag0: s[2], drop: false };
  });
  var T = {};
  Object.keys(D.tables).forEach(function (name) {
    var t = D.tables[name], cells = {};
    Object.keys(t.cells).forEach(function (k) {
      var c = t.cells[k];
      cells[k] = { v: c[0], raw: c[1], st: c[2], prov: c[3], v0: c[0] };
    });
    T[name] = { info: t, cells: cells, bad: {}, finding: {}, checks: [] };
  });
  D.checks.forEach(function (c) {
    var t = T[c.table];
    if (!t) return;
    t.checks.push(c);
    if (c.status === "fail") (c.cells || []).forEach(function (k) { t.bad[k] = (t.bad[k] || []).concat([c]); });
  });
  D.findings.forEach(function (f) {
    var t = T[f.table];
    if (t) (f.cells || []).forEach(function (k) { t.finding[k] = true; });
  });

  function isLow(s) { return (s.tc !== null && s.tc < low) || (s.sc !== null && s.sc < low); }

  function changes() {
    var n = 0;
    S.forEach(function (s) { if (s.sec !== s.sec0 || s.tag !== s.tag0 || s.drop) n++; });
    Object.keys(T).forEach(function (name) {
      var cells = T[name].cells;
      Object.keys(cells).forEach(function (k) { if (cells[k].v !== cells[k].v0) n++; });
    });
    return n;
  }
  function showChanges() {
    var n = changes(), el = $("changes");
    el.textContent = n ? n + (n === 1 ? " change" : " changes") : "no changes";
    el.className = n ? "dirty" : "";
  }

  // --- header -------------------------------------------------------------------
  function renderMeta() {
    var m = D.meta, counts = [0, 0, 0, 0], nlow = 0;
    S.forEach(function (s) { counts[s.tag]++; if (isLow(s)) nlow++; });
    var fails = D.checks.filter(function (c) { return c.status === "fail"; }).length;
    var na = D.checks.length - fails;
    var facts = [
      ["body", m.body], ["year", m.year], ["template", D.template], ["format", m.format], ["pages", m.pages],
      ["script", m.script], ["system", D.system], ["sentences", S.length],
      ["rules", D.checks_passed + " pass, " + fails + " broken, " + na + " not assessable"],
      ["low confidence", nlow], ["file", m.source]
    ];
    var h = "<h1>" + esc(m.title || m.source || "report") + "</h1><div class=\"facts\">";
    facts.forEach(function (f) {
      if (f[1] !== null && f[1] !== undefined && f[1] !== "") h += "<span>" + esc(f[0]) + ": <b>" + esc(f[1]) + "</b></span>";
    });
    h += "</div>";
    (D.warnings || []).forEach(function (w) { h += "<div class=\"warn\">⚠ " + esc(w) + "</div>"; });
    $("meta").innerHTML = h;
    var lg = "";
    TAGS.forEach(function (t, i) { lg += "<span class=\"legend-tag lg-" + i + "\">" + esc(t) + " " + counts[i] + "</span>"; });
    lg += "<span class=\"legend-tag lg-low\">low confidence " + nlow + "</span>";
    $("legend").innerHTML = lg;
  }

  // --- text -----------------------------------------------------------------------
  function sentenceClass(s) {
    return "s t-" + s.tag + (isLow(s) ? " low" : "") + (s.sec !== s.sec0 || s.tag !== s.tag0 ? " edited" : "") +
      (s.drop ? " dropped" : "");
  }
  function renderText() {
    var h = [], i = 0, n = S.length;
    if (!n) { $("text").innerHTML = "<p class=\"muted\">No sentence was found in this report.</p>"; return; }
    while (i < n) {
      var sec = S[i].sec, j = i;
      while (j < n && S[j].sec === sec) j++;
      h.push("<div class=\"band sec-" + sec + "\" data-sec=\"" + sec + "\"><div class=\"band-label\">" + esc(SECTIONS[sec]) + " · " +
             esc(D.headings[SECTIONS[sec]] || "") + "<span class=\"n\">" + (j - i) + " sentences</span></div><p>");
      for (var k = i; k < j; k++) {
        if (k > i && S[k].para) h.push("</p><p>");
        h.push("<span class=\"" + sentenceClass(S[k]) + "\" data-i=\"" + k + "\">" + esc(S[k].text) + "</span>");
      }
      h.push("</p></div>");
      i = j;
    }
    parkTables();
    $("text").innerHTML = h.join("");
    placeTables();
    if (selected && selected.kind === "s") markSelected();
  }
  // each table sits at the end of the first band of its section (or under "Tables" when there is none)
  function parkTables() {
    var xs = document.querySelectorAll(".xtable");
    for (var i = 0; i < xs.length; i++) $("tables").appendChild(xs[i]);
  }
  function placeTables() {
    var xs = $("tables").querySelectorAll(".xtable");
    for (var i = 0; i < xs.length; i++) {
      var band = $("text").querySelector(".band[data-sec=\"" + SECTIONS.indexOf(xs[i].getAttribute("data-name")) + "\"]");
      if (band) band.appendChild(xs[i]);
    }
    $("tables-title").hidden = !$("tables").querySelector(".xtable");
  }
  function spanOf(i) { return $("text").querySelector("span[data-i=\"" + i + "\"]"); }
  function refreshSentence(i) {
    var el = spanOf(i);
    if (el) el.className = sentenceClass(S[i]) + (selected && selected.kind === "s" && selected.i === i ? " sel" : "");
  }

  // --- tables -----------------------------------------------------------------------
  function cellHtml(name, key) {
    var t = T[name], c = t.cells[key];
    if (!c) return "<td></td>";
    var cls = "st-" + c.st + (t.bad[key] ? " bad" : "") + (t.finding[key] ? " finding" : "") + (c.v !== c.v0 ? " edited" : "");
    var title = key + " · " + c.st + (c.prov ? " · " + c.prov : "");
    var raw = c.raw !== null && c.raw !== undefined && String(c.raw) !== fmt(c.v) ? "<span class=\"raw\">" + esc(c.raw) + "</span>" : "";
    return "<td class=\"" + cls + "\" data-t=\"" + esc(name) + "\" data-c=\"" + esc(key) + "\" title=\"" + esc(title) + "\">" +
      "<span class=\"v\">" + esc(fmt(c.v)) + "</span>" + raw + "</td>";
  }
  function renderTables() {
    var names = Object.keys(T), h = "<h2 id=\"tables-title\">Tables</h2>";
    if (!names.length) { $("tables").innerHTML = h + "<p class=\"muted\">No statistical table was found.</p>"; return; }
    names.forEach(function (name) {
      var t = T[name], info = t.info;
      h += "<div class=\"xtable\" id=\"table-" + esc(name) + "\" data-name=\"" + esc(name) + "\"><h2>" + esc(info.title) + " <span class=\"muted\">" + esc(name) + "</span></h2>";
      h += "<p class=\"muted\">template " + esc(info.template) + " · " + esc(info.source_form) + (info.prov ? " · " + esc(info.prov) : "") + "</p>";
      h += "<table class=\"grid\">";
      info.grid.forEach(function (row) {
        h += "<tr>";
        row.forEach(function (g) {
          if (g.c !== undefined) { h += cellHtml(name, g.c); return; }
          h += "<th" + (g.cs ? " colspan=\"" + g.cs + "\"" : "") + (g.rs ? " rowspan=\"" + g.rs + "\"" : "") +
               (g.k ? " class=\"" + esc(g.k) + "\"" : "") + ">" + esc(g.h) + "</th>";
        });
        h += "</tr>";
      });
      h += "</table>";
      var fails = t.checks.filter(function (c) { return c.status === "fail"; });
      var na = t.checks.filter(function (c) { return c.status !== "fail"; });
      if (fails.length) {
        h += "<h3>Rules broken</h3><ul class=\"checks\">";
        fails.forEach(function (c) { h += checkItem(c); });
        h += "</ul>";
      }
      if (na.length) {
        h += "<details><summary class=\"muted\">" + na.length + " checks not assessable</summary><ul class=\"checks\">";
        na.forEach(function (c) { h += checkItem(c); });
        h += "</ul></details>";
      }
      h += "</div>";
    });
    $("tables").innerHTML = h;
    placeTables();
  }
  function checkItem(c) {
    var idx = D.checks.indexOf(c);
    return "<li class=\"" + esc(c.status) + "\" data-check=\"" + idx + "\"><b>" + esc(c.rule) + "</b> " + esc(c.message) + "</li>";
  }
  function tdOf(name, key) {
    var tds = $("content").querySelectorAll("td[data-c]");
    for (var i = 0; i < tds.length; i++) if (tds[i].getAttribute("data-t") === name && tds[i].getAttribute("data-c") === key) return tds[i];
    return null;
  }
  function refreshCell(name, key) {
    var td = tdOf(name, key);
    if (!td) return;
    var tmp = document.createElement("tbody");
    tmp.innerHTML = "<tr>" + cellHtml(name, key) + "</tr>";
    var fresh = tmp.querySelector("td");
    if (selected && selected.kind === "c" && selected.t === name && selected.key === key) fresh.classList.add("sel");
    td.parentNode.replaceChild(fresh, td);
  }
  function highlightCheck(c) {
    var old = $("content").querySelectorAll("td.hl");
    for (var i = 0; i < old.length; i++) old[i].classList.remove("hl");
    (c.cells || []).forEach(function (k) { var td = tdOf(c.table, k); if (td) td.classList.add("hl"); });
    var first = (c.cells || []).length ? tdOf(c.table, c.cells[0]) : null;
    if (first) first.scrollIntoView({ block: "center" });
  }

  // --- findings ---------------------------------------------------------------------
  function renderFindings() {
    var h = "<h2>Findings</h2>";
    if (!D.findings.length) { $("findings").innerHTML = h + "<p class=\"muted\">The extractors noticed nothing.</p>"; return; }
    h += "<ul>";
    D.findings.forEach(function (f) {
      h += "<li><b>" + esc(f.kind) + "</b> " + esc(f.table) + ": " + esc(f.message);
      if (f.cells && f.cells.length) h += " <span class=\"muted\">cells " + esc(f.cells.join(", ")) + "</span>";
      if (f.candidates && f.candidates.length) h += " <span class=\"muted\">candidates " + esc(JSON.stringify(f.candidates)) + "</span>";
      h += "</li>";
    });
    $("findings").innerHTML = h + "</ul>";
  }

  // --- review -----------------------------------------------------------------------
  function clearSelection() {
    var old = document.querySelectorAll(".sel");
    for (var i = 0; i < old.length; i++) old[i].classList.remove("sel");
  }
  function markSelected() {
    clearSelection();
    if (!selected) return;
    var el = selected.kind === "s" ? spanOf(selected.i) : tdOf(selected.t, selected.key);
    if (el) el.classList.add("sel");
  }
  function selectSentence(i, scroll) {
    if (i < 0 || i >= S.length) return;
    selected = { kind: "s", i: i };
    var s = S[i];
    $("editor-empty").hidden = true; $("cell-editor").hidden = true; $("sentence-editor").hidden = false;
    $("se-index").textContent = (i + 1) + " of " + S.length;
    $("se-text").textContent = s.text;
    $("se-info").textContent = "tag confidence " + pct(s.tc) + (s.sc !== null ? " · section confidence " + pct(s.sc) : "") +
      (s.prov ? " · " + s.prov : "") + (s.sec !== s.sec0 || s.tag !== s.tag0 ?
        " · was " + SECTIONS[s.sec0] + " / " + TAGS[s.tag0] : "");
    $("se-section").value = String(s.sec);
    $("se-tag").value = String(s.tag);
    $("se-drop").checked = s.drop;
    markSelected();
    if (scroll) { var el = spanOf(i); if (el) el.scrollIntoView({ block: "center" }); }
  }
  function setSentence(i, section, tag) {
    var s = S[i], sec = typeof section === "string" ? SECTIONS.indexOf(section) : section;
    var tg = typeof tag === "string" ? TAGS.indexOf(tag) : tag;
    if (sec < 0 || sec >= SECTIONS.length || tg < 0 || tg >= TAGS.length) throw new Error("unknown section or tag");
    var moved = s.sec !== sec;
    s.sec = sec; s.tag = tg;
    if (moved) renderText(); else refreshSentence(i);
    renderMeta(); showChanges();
    if (selected && selected.kind === "s" && selected.i === i) selectSentence(i, false);
  }
  // a sentence that is no sentence (a table cell, a page header) is left out of the exported gold
  function dropSentence(i, drop) {
    S[i].drop = !!drop;
    refreshSentence(i);
    showChanges();
    if (selected && selected.kind === "s" && selected.i === i) selectSentence(i, false);
  }
  function selectCell(name, key) {
    var c = T[name].cells[key];
    selected = { kind: "c", t: name, key: key };
    $("editor-empty").hidden = true; $("sentence-editor").hidden = true; $("cell-editor").hidden = false;
    $("ce-key").textContent = name + "." + key;
    $("ce-info").textContent = "status " + c.st + " · raw " + (c.raw === null || c.raw === undefined ? "–" : JSON.stringify(c.raw)) +
      " · " + (c.prov || "no provenance") + (c.v !== c.v0 ? " · was " + (c.v0 === null ? "empty" : c.v0) : "");
    $("ce-value").value = fmt(c.v);
    $("ce-error").textContent = "";
    var ul = $("ce-checks"), h = "";
    (T[name].bad[key] || []).forEach(function (chk) { h += "<li class=\"error\">" + esc(chk.rule) + " " + esc(chk.message) + "</li>"; });
    ul.innerHTML = h;
    markSelected();
  }
  function parseValue(text) {
    var t = String(text).trim().replace(/[,，\s]/g, "");
    if (t === "") return null;
    if (!/^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(t)) throw new Error("Not a number: " + text);
    var v = Number(t);
    return v;
  }
  function setCell(name, key, value) {
    var c = T[name] && T[name].cells[key];
    if (!c) throw new Error("unknown cell " + name + "." + key);
    if (value !== null && (typeof value !== "number" || !isFinite(value))) throw new Error("a cell holds a number or null");
    c.v = value;
    refreshCell(name, key);
    showChanges();
    if (selected && selected.kind === "c" && selected.t === name && selected.key === key) selectCell(name, key);
  }
  function applyCellInput(empty) {
    if (!selected || selected.kind !== "c") return;
    try {
      setCell(selected.t, selected.key, empty ? null : parseValue($("ce-value").value));
    } catch (e) {
      $("ce-error").textContent = e.message;
    }
  }

  // --- export -------------------------------------------------------------------------
  function buildGold(id, source) {
    var sentences = [], sections = [];
    S.forEach(function (s) {
      var text = s.text.replace(/\s+/g, "");
      if (!text || s.drop) return;
      var sec = SECTIONS[s.sec];
      if (!sections.length || sections[sections.length - 1].label !== sec) sections.push({ label: sec, first_line: text });
      sentences.push({ text: text, tag: TAGS[s.tag], section: sec });
    });
    var m = D.meta, meta = { body: m.body, year: m.year, template: D.template, format: m.format, script: m.script };
    if (D.gold.cells_in_source !== null) meta.cells_in_source = D.gold.cells_in_source;
    meta.notes = "Reviewed in xxgk view (" + changes() + " changes to the " + D.system + " system's output, xxgk " + D.xxgk_version + ").";
    var tables = {};
    Object.keys(T).forEach(function (name) {
      var t = T[name], out = { template: t.info.template };
      t.info.rows.forEach(function (r) {
        var row = {};
        r[1].forEach(function (col) { var c = t.cells[r[0] + "." + col]; row[col] = c ? c.v : null; });
        out[r[0]] = row;
      });
      tables[name] = out;
    });
    return { id: id || D.gold.id, source: source || D.gold.source, meta: meta, sections: sections, sentences: sentences, tables: tables };
  }
  function exportGold(id, source) { return JSON.stringify(buildGold(id, source), null, 1); }
  function download(name, text) {
    var blob = new Blob([text + "\n"], { type: "application/json" });
    var a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = name;
    document.body.appendChild(a);
    a.click();
    setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 2000);
  }

  // --- wiring ---------------------------------------------------------------------------
  function fillSelect(el, names, labels) {
    el.innerHTML = names.map(function (n, i) {
      return "<option value=\"" + i + "\">" + esc(n) + (labels && labels[n] ? " · " + esc(labels[n]) : "") + "</option>";
    }).join("");
  }
  fillSelect($("se-section"), SECTIONS, D.headings);
  fillSelect($("se-tag"), TAGS);
  $("low").value = String(low);
  renderMeta(); renderTables(); renderText(); renderFindings(); showChanges();

  $("content").addEventListener("click", function (e) {
    var el = e.target.closest(".s");
    if (el) { selectSentence(Number(el.getAttribute("data-i")), false); return; }
    var td = e.target.closest("td[data-c]");
    if (td) { selectCell(td.getAttribute("data-t"), td.getAttribute("data-c")); $("ce-value").focus(); return; }
    var li = e.target.closest("li[data-check]");
    if (li) highlightCheck(D.checks[Number(li.getAttribute("data-check"))]);
  });
  $("se-section").addEventListener("change", function () {
    if (selected && selected.kind === "s") setSentence(selected.i, Number(this.value), S[selected.i].tag);
  });
  $("se-tag").addEventListener("change", function () {
    if (selected && selected.kind === "s") setSentence(selected.i, S[selected.i].sec, Number(this.value));
  });
  $("se-drop").addEventListener("change", function () {
    if (selected && selected.kind === "s") dropSentence(selected.i, this.checked);
  });
  $("ce-set").addEventListener("click", function () { applyCellInput(false); });
  $("ce-clear").addEventListener("click", function () { applyCellInput(true); });
  $("ce-value").addEventListener("keydown", function (e) { if (e.key === "Enter") { e.preventDefault(); applyCellInput(false); } });
  $("low").addEventListener("change", function () {
    var v = Number(this.value);
    if (!isFinite(v)) return;
    low = v;
    var spans = $("text").querySelectorAll(".s");
    for (var i = 0; i < spans.length; i++) spans[i].classList.toggle("low", isLow(S[Number(spans[i].getAttribute("data-i"))]));
    renderMeta();
  });
  $("only-low").addEventListener("change", function () { document.body.classList.toggle("only-low", this.checked); });
  document.addEventListener("keydown", function (e) {
    var tagName = (e.target && e.target.tagName) || "";
    if (/^(INPUT|SELECT|TEXTAREA|BUTTON)$/.test(tagName) || e.ctrlKey || e.metaKey || e.altKey) return;
    if (!selected || selected.kind !== "s") return;
    if (e.key in TAG_KEYS) { setSentence(selected.i, S[selected.i].sec, TAG_KEYS[e.key]); e.preventDefault(); }
    else if (e.key === "j") { selectSentence(selected.i + 1, true); e.preventDefault(); }
    else if (e.key === "k") { selectSentence(selected.i - 1, true); e.preventDefault(); }
  });
  $("export").addEventListener("click", function () {
    $("ex-id").value = D.gold.id; $("ex-source").value = D.gold.source;
    $("export-dialog").hidden = false; $("ex-id").focus();
  });
  $("ex-cancel").addEventListener("click", function () { $("export-dialog").hidden = true; });
  $("export-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var id = $("ex-id").value.trim(), source = $("ex-source").value.trim();
    if (!buildGold(id, source).sentences.length) { window.alert("No sentence is left; a gold file needs at least one."); return; }
    download((id || "gold").replace(/[^0-9A-Za-z_.-]+/g, "-") + ".json", exportGold(id, source));
    $("export-dialog").hidden = true;
  });

  // a small API for scripts and tests: the same functions the controls call
  window.xxgkView = {
    data: D, sentences: S, tables: T, changes: changes, buildGold: buildGold, exportGold: exportGold,
    setSentence: setSentence, dropSentence: dropSentence, setCell: setCell, selectSentence: selectSentence, selectCell: selectCell
  };
  document.body.setAttribute("data-ready", "1");
})();
