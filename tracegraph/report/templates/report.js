(function () {
  "use strict";
  var dataEl = document.getElementById("tg-data");
  var data = dataEl ? JSON.parse(dataEl.textContent) : { nodes: {}, edges: [] };

  // Sortable tables: click (or Enter on) a header; numbers sort as numbers.
  function cellKey(cell) {
    var raw = cell.getAttribute("data-sort");
    if (raw === null) raw = cell.textContent.trim();
    var num = Number(raw);
    return raw !== "" && !isNaN(num) ? { n: num } : { s: raw.toLowerCase() };
  }
  function compare(a, b) {
    if ("n" in a && "n" in b) return a.n - b.n;
    var x = "n" in a ? String(a.n) : a.s, y = "n" in b ? String(b.n) : b.s;
    return x < y ? -1 : x > y ? 1 : 0;
  }
  function sortBy(table, index, th) {
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows).map(function (row, i) {
      return { row: row, key: cellKey(row.cells[index]), i: i };
    });
    rows.sort(function (a, b) { return (ascending ? 1 : -1) * compare(a.key, b.key) || a.i - b.i; });
    rows.forEach(function (r) { body.appendChild(r.row); });
  }
  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
    if (!table.tHead || !table.tBodies.length) return;
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, index) {
      th.tabIndex = 0;
      th.title = "Sort by " + th.textContent.trim();
      th.addEventListener("click", function () { sortBy(table, index, th); });
      th.addEventListener("keydown", function (e) {
        if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sortBy(table, index, th); }
      });
    });
  });

  // The filter box over the findings: every word must appear in the row.
  var filter = document.getElementById("finding-filter");
  var table = document.getElementById("findings-table");
  if (filter && table) {
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    var count = document.getElementById("finding-count");
    var none = document.getElementById("no-match");
    var apply = function () {
      var words = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0;
      rows.forEach(function (row) {
        var text = row.textContent.toLowerCase();
        var hit = words.every(function (w) { return text.indexOf(w) !== -1; });
        row.hidden = !hit;
        if (hit) shown += 1;
      });
      count.textContent = shown + " of " + rows.length;
      if (none) none.hidden = shown !== 0;
    };
    filter.addEventListener("input", apply);
    if (filter.value) apply();
  }

  // The map: a click on a document highlights its upstream and downstream chain.
  var canvas = document.getElementById("map-canvas");
  var svg = canvas ? canvas.querySelector("svg") : null;
  var card = document.getElementById("map-card");
  if (!svg || !card) return;
  var nodes = data.nodes || {};
  var bySlug = {};
  Object.keys(nodes).forEach(function (path) { if (nodes[path].slug) bySlug[nodes[path].slug] = path; });
  var groups = {};
  Array.prototype.forEach.call(svg.querySelectorAll("g.node"), function (g) {
    var path = bySlug[g.id];
    if (!path) return;
    groups[path] = g;
    g.setAttribute("data-path", path);
    g.setAttribute("tabindex", "0");
    g.addEventListener("click", function (e) { e.preventDefault(); select(path); });
    g.addEventListener("keydown", function (e) { if (e.key === "Enter") { e.preventDefault(); select(path); } });
  });
  var edges = (data.edges || []).map(function (e) {
    return { el: document.getElementById(e[0]), source: e[1], target: e[2] };
  }).filter(function (e) { return e.el; });

  function reach(start, key) {
    var seen = {}, queue = [start];
    while (queue.length) {
      var here = queue.shift();
      ((nodes[here] || {})[key] || []).forEach(function (next) {
        if (!seen[next] && next !== start) { seen[next] = true; queue.push(next); }
      });
    }
    return seen;
  }
  function safeHref(href) { return /^(https?:|[^:]*$)/i.test(href) ? href : "#"; }
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }
  function list(title, paths) {
    var frag = document.createDocumentFragment();
    frag.appendChild(el("h4", title + " (" + paths.length + ")"));
    if (!paths.length) return frag;
    var ul = el("ul");
    paths.sort().forEach(function (p) {
      var li = el("li"), a = el("a", (nodes[p] || {}).name || p);
      a.href = "#map";
      a.addEventListener("click", function (e) { e.preventDefault(); select(p); });
      li.appendChild(a);
      ul.appendChild(li);
    });
    frag.appendChild(ul);
    return frag;
  }
  function clear() {
    svg.classList.remove("has-selection");
    Array.prototype.forEach.call(svg.querySelectorAll(".sel-focus, .sel-up, .sel-down"), function (g) {
      g.classList.remove("sel-focus", "sel-up", "sel-down");
    });
    card.textContent = "";
    card.appendChild(el("p", "Select a document on the map.", "muted"));
  }
  function select(path) {
    var node = nodes[path];
    if (!node) return;
    var up = reach(path, "up"), down = reach(path, "down");
    svg.classList.add("has-selection");
    Object.keys(groups).forEach(function (p) {
      var g = groups[p];
      g.classList.toggle("sel-focus", p === path);
      g.classList.toggle("sel-up", !!up[p]);
      g.classList.toggle("sel-down", !!down[p]);
    });
    edges.forEach(function (e) {
      var upEdge = !!((e.source === path || up[e.source]) && up[e.target]);
      var downEdge = !!((e.target === path || down[e.target]) && down[e.source]);
      e.el.classList.toggle("sel-up", upEdge);
      e.el.classList.toggle("sel-down", downEdge && !upEdge);
    });
    card.textContent = "";
    card.appendChild(el("span", node.type, "tbadge t-" + node.type.toLowerCase()));
    card.appendChild(el("h3", node.name));
    card.appendChild(el("p", node.title));
    var dl = el("dl");
    [["Status", node.status], ["Path", path],
     ["Findings", node.errors + " errors, " + node.warnings + " warnings, " + node.infos + " info"]
    ].forEach(function (pair) { dl.appendChild(el("dt", pair[0])); dl.appendChild(el("dd", pair[1])); });
    card.appendChild(dl);
    var open = el("a", "Open the document");
    open.href = safeHref(node.href);
    card.appendChild(open);
    card.appendChild(list("Rests on (upstream)", Object.keys(up)));
    card.appendChild(list("Rests on it (downstream)", Object.keys(down)));
    var reset = el("button", "Clear selection");
    reset.type = "button";
    reset.addEventListener("click", clear);
    card.appendChild(reset);
    card.setAttribute("data-selected", path);
  }
  document.addEventListener("keydown", function (e) { if (e.key === "Escape") clear(); });

  // Zoom and pan: the SVG's viewBox is the camera. Wheel and buttons zoom, drag pans, and the
  // canvas takes + - 0 and the arrow keys when it has the focus. A drag never counts as a click.
  var parts = (svg.getAttribute("viewBox") || "").split(/[\s,]+/).map(Number);
  if (parts.length !== 4 || parts.some(isNaN) || !parts[2] || !parts[3]) return;
  var home = { x: parts[0], y: parts[1], w: parts[2], h: parts[3] };
  var view = { x: home.x, y: home.y, w: home.w, h: home.h };
  var level = document.getElementById("map-zoom-level");
  var MIN_W = home.w / 40, MAX_W = home.w * 2;
  function show() {
    svg.setAttribute("viewBox", [view.x, view.y, view.w, view.h].map(function (v) { return v.toFixed(2); }).join(" "));
    var zoom = home.w / view.w;
    canvas.setAttribute("data-zoom", zoom.toFixed(3));
    if (level) level.textContent = Math.round(zoom * 100) + "%";
  }
  function scale() {  // screen pixels per viewBox unit (the SVG keeps its aspect: "meet")
    var rect = canvas.getBoundingClientRect();
    return Math.min(rect.width / view.w, rect.height / view.h) || 1;
  }
  function toMap(clientX, clientY) {
    var rect = canvas.getBoundingClientRect(), s = scale();
    var offsetX = (rect.width - view.w * s) / 2, offsetY = (rect.height - view.h * s) / 2;
    return { x: view.x + (clientX - rect.left - offsetX) / s, y: view.y + (clientY - rect.top - offsetY) / s };
  }
  function zoomBy(factor, at) {
    var w = Math.min(MAX_W, Math.max(MIN_W, view.w / factor));
    var real = view.w / w;
    var p = at || { x: view.x + view.w / 2, y: view.y + view.h / 2 };
    view.x = p.x - (p.x - view.x) / real;
    view.y = p.y - (p.y - view.y) / real;
    view.w = w;
    view.h = view.h / real;
    show();
  }
  function panBy(dx, dy) { view.x += dx; view.y += dy; show(); }
  function fit() { view = { x: home.x, y: home.y, w: home.w, h: home.h }; show(); }
  canvas.addEventListener("wheel", function (e) {
    e.preventDefault();
    zoomBy(Math.pow(1.0015, -e.deltaY), toMap(e.clientX, e.clientY));
  }, { passive: false });
  var drag = null, dragged = false;
  canvas.addEventListener("pointerdown", function (e) {
    if (e.button !== 0) return;
    drag = { x: e.clientX, y: e.clientY, id: e.pointerId };
    dragged = false;
  });
  canvas.addEventListener("pointermove", function (e) {
    if (!drag || e.pointerId !== drag.id) return;
    var dx = e.clientX - drag.x, dy = e.clientY - drag.y;
    if (!dragged && Math.abs(dx) + Math.abs(dy) < 4) return;
    if (!dragged) { dragged = true; canvas.classList.add("panning"); canvas.setPointerCapture(e.pointerId); }
    var s = scale();
    panBy(-dx / s, -dy / s);
    drag.x = e.clientX; drag.y = e.clientY;
  });
  function endDrag() { drag = null; canvas.classList.remove("panning"); }
  canvas.addEventListener("pointerup", endDrag);
  canvas.addEventListener("pointercancel", endDrag);
  canvas.addEventListener("click", function (e) {
    if (dragged) { e.stopPropagation(); e.preventDefault(); dragged = false; }
  }, true);
  canvas.addEventListener("keydown", function (e) {
    if (e.target !== canvas) return;
    var step = view.w / 10;
    var keys = {
      "+": function () { zoomBy(1.25); }, "=": function () { zoomBy(1.25); },
      "-": function () { zoomBy(0.8); }, "_": function () { zoomBy(0.8); }, "0": fit,
      ArrowLeft: function () { panBy(-step, 0); }, ArrowRight: function () { panBy(step, 0); },
      ArrowUp: function () { panBy(0, -step); }, ArrowDown: function () { panBy(0, step); }
    };
    if (keys[e.key]) { e.preventDefault(); keys[e.key](); }
  });
  [["map-zoom-in", function () { zoomBy(1.25); }], ["map-zoom-out", function () { zoomBy(0.8); }],
   ["map-fit", fit]].forEach(function (pair) {
    var button = document.getElementById(pair[0]);
    if (button) button.addEventListener("click", pair[1]);
  });
  show();
})();
