"use strict";
const STATES = ["done", "running", "failed", "stopped", "pending", "cancelled", "interrupted"];
const COLORS = ["#3b5bdb", "#e8590c", "#2f9e44", "#c2255c", "#7048e8", "#0c8599", "#f08c00", "#5c940d", "#862e9c", "#1098ad"];
const SVGNS = "http://www.w3.org/2000/svg";
const ui = { jobs: { offset: 0, limit: 50, sort: "job", order: "asc", state: "", q: "" }, curves: { metric: "", show: null, zoom: null, filter: "" },
             job: { metric: "", zoom: null }, search: { brushes: {}, ranges: {} }, compare: [], compareMetric: "", best: null, version: null, route: "" };

// Elements: strings become text nodes, so nothing from the store is parsed as markup.
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    // Styles through the CSSOM: the CSP forbids style attributes.
    if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (k === "style") Object.assign(node.style, v);
    else if (v !== null && v !== undefined) node.setAttribute(k, v);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
  }
  return node;
}
function svg(tag, attrs, ...children) {
  const node = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
  }
  return node;
}
function link(href, text) { return el("a", { href }, text); }
function sweepHref(name) { return "#/sweep/" + encodeURIComponent(name); }
function jobHref(sweep, id) { return sweepHref(sweep) + "/job/" + encodeURIComponent(id); }

async function api(path) {
  const response = await fetch(path, { headers: { "Accept": "application/json" }, credentials: "same-origin" });
  const body = await response.json().catch(() => ({ error: response.statusText }));
  if (!response.ok) throw new Error(body.error || response.statusText);
  return body;
}

function clock(seconds) {
  if (seconds === null || seconds === undefined || !isFinite(seconds)) return "—";
  seconds = Math.max(0, Math.round(seconds));
  const h = Math.floor(seconds / 3600), m = Math.floor(seconds / 60) % 60, s = seconds % 60;
  return (h ? h + ":" + String(m).padStart(2, "0") : String(m)) + ":" + String(s).padStart(2, "0");
}
function when(iso) { return iso ? new Date(iso).toLocaleString() : "—"; }
function fmt(value) {
  if (value === null || value === undefined) return "—";
  if (typeof value !== "number") return String(value);
  const a = Math.abs(value);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? value.toExponential(3) : String(Number(value.toPrecision(4)));
}
function badge(state, text) { return el("span", { class: "badge s-" + state }, text === undefined ? state : text); }
function counts(c) {
  return STATES.filter(s => c[s]).map(s => badge(s, c[s] + " " + s));
}
function progressBar(c) {
  const total = STATES.reduce((n, s) => n + (c[s] || 0), 0) || 1;
  return el("div", { class: "bar", title: (c.done || 0) + " of " + total + " done" },
    STATES.filter(s => c[s]).map(s => el("span", { class: "s-" + s, style: { width: (100 * c[s] / total) + "%" } })));
}
function configText(config, keys) {
  const flat = {};
  (function walk(prefix, value) {
    if (value && typeof value === "object" && !Array.isArray(value)) for (const [k, v] of Object.entries(value)) walk(prefix ? prefix + "." + k : k, v);
    else flat[prefix] = value;
  })("", config);
  const names = keys && keys.length ? keys : Object.keys(flat).filter(k => k !== "seed").sort();
  return names.map(k => k + "=" + (typeof flat[k] === "string" ? flat[k] : JSON.stringify(flat[k]))).join(", ")
    + (flat.seed !== undefined ? ", seed=" + flat.seed : "");
}

// ---------- views ----------
// The sweep's best run by its objective ({job, metric, mode, value, config}), or null: marked
// on the sweep's page, its jobs table and the job's own page.
async function bestRun(base) {
  const data = await api(base + "/best?top=1");
  if (!data.objective || !data.best.length) return null;
  const b = data.best[0];
  return { job: b.job, metric: data.objective.metric, mode: data.objective.mode, value: b.value, sd: b.sd, n: b.n, config: b.config };
}
function bestText(best) {
  return "job " + best.job + ": " + best.metric + " " + fmt(best.value) + (best.sd !== null && best.sd !== undefined ? " ± " + fmt(best.sd) + " (n=" + best.n + ")" : "")
    + " (" + best.mode + ")";
}

function setCrumbs(...parts) {
  const nav = document.getElementById("crumbs");
  nav.replaceChildren(...parts.flatMap((p, i) => i ? [el("span", {}, "/"), p] : [p]));
}

async function overview() {
  setCrumbs(el("span", {}, "sweeps"));
  const sweeps = await api("/api/sweeps");
  if (!sweeps.length) return [el("div", { class: "card muted" }, "No sweeps in the store yet: launch one (sweep launch SPEC) and this page fills in.")];
  const summaries = await Promise.all(sweeps.map(s => s.running || s.counts.running ? api("/api/sweeps/" + encodeURIComponent(s.name) + "/summary").catch(() => null) : null));
  // The best run of each of the first 20 sweeps with done jobs (cached by the server until the store changes).
  const bests = await Promise.all(sweeps.map((s, i) => i < 20 && s.counts.done ? bestRun("/api/sweeps/" + encodeURIComponent(s.name)).catch(() => null) : null));
  return [el("div", { class: "grid", id: "sweeps" }, sweeps.map((s, i) => {
    const summary = summaries[i];
    const hosts = summary && summary.hosts.length ? summary.hosts.map(h => h.name + " (" + h.running + ")").join(", ") : "—";
    return el("div", { class: "card sweep-card", "data-sweep": s.name },
      el("h2", {}, link(sweepHref(s.name), s.name), " ", el("span", { class: "muted" }, s.workload)),
      progressBar(s.counts),
      el("div", { class: "counts" }, counts(s.counts)),
      el("dl", { class: "facts" },
        el("dt", {}, "progress"), el("dd", { class: "progress" }, s.counts.done + "/" + s.jobs + " done"),
        el("dt", {}, "coordinator"), el("dd", {}, s.running ? "running" : (s.counts.running ? "interrupted" : "idle")),
        el("dt", {}, "hosts"), el("dd", {}, hosts),
        el("dt", {}, "ETA"), el("dd", {}, summary && summary.eta_seconds !== null ? clock(summary.eta_seconds) : "—"),
        el("dt", {}, "spec"), el("dd", {}, s.spec + " (revision " + s.revision + ")"),
        el("dt", {}, "last activity"), el("dd", {}, when(s.last_activity)),
        ...(bests[i] ? [el("dt", {}, "best run"), el("dd", { class: "best-run" }, el("span", { class: "best-mark" }, "★ "), link(jobHref(s.name, bests[i].job), bestText(bests[i])))] : [])));
  }))];
}

async function sweepView(name) {
  setCrumbs(link("#/", "sweeps"), el("span", {}, name));
  const base = "/api/sweeps/" + encodeURIComponent(name);
  const [status, summary, best] = await Promise.all([api(base + "?brief=1"), api(base + "/summary"), bestRun(base)]);
  ui.best = best;
  const head = el("div", { class: "card" },
    el("h1", {}, status.sweep, " ", el("span", { class: "muted" }, status.workload)),
    progressBar(status.counts), el("div", { class: "counts", id: "counts" }, counts(status.counts)),
    el("dl", { class: "facts" },
      el("dt", {}, "coordinator"), el("dd", {}, summary.running && status.coordinator
        ? "running (pid " + status.coordinator.pid + " on " + status.coordinator.host + ")"
        : status.interrupted ? "interrupted: sweep resume " + status.sweep : "idle"),
      el("dt", {}, "hosts"), el("dd", {}, summary.hosts.length ? summary.hosts.map(h => h.name + " (" + h.running + " running)").join(", ") : "—"),
      el("dt", {}, "ETA"), el("dd", {}, summary.eta_seconds !== null ? clock(summary.eta_seconds) : "—"),
      el("dt", {}, "spec"), el("dd", {}, status.spec + " (revision " + status.revision + ")"),
      el("dt", {}, "launched"), el("dd", {}, when(summary.first_launched_at) + (summary.revisions.length > 1
        ? "; spec revisions: " + summary.revisions.map(r => r.revision + " (" + when(r.created_at) + ", " + r.jobs + " jobs)").join(", ")
        : "")),
      el("dt", {}, "best run"), el("dd", { id: "best-run" }, best
        ? [el("span", { class: "best-mark" }, "★ "), link(jobHref(name, best.job), bestText(best)), " ", el("span", { class: "muted" }, configText(best.config))]
        : "— (no objective in the spec, or no done job yet)")));
  const parts = await Promise.all([searchCard(name, base), curvesCard(name, base), jobsCard(name, base)]);
  // The report of a big sweep takes longer: the page is ready without it, and it fills in.
  const report = el("div", { class: "card", id: "report" }, el("h2", {}, "Report"), el("p", { class: "muted" }, "computing…"));
  reportCard(base).then(card => report.replaceChildren(...card.childNodes),
                        error => report.replaceChildren(el("h2", {}, "Report"), el("p", { class: "error" }, String(error.message || error))));
  return [head, ...parts.filter(p => p), report];
}

// ---------- a search's results: parallel coordinates, param vs objective, history ----------
// An axis for each varying param: numbers linear or log (as the spec draws them), anything
// else evenly spaced categories; `at(v)` is 0 (bottom) to 1 (top), NaN when it cannot place v.
function searchAxis(key, values, log) {
  const numbers = values.filter(v => typeof v === "number" && isFinite(v));
  if (numbers.length === values.filter(v => v !== undefined && v !== null).length && numbers.length) {
    let lo = Math.min(...numbers), hi = Math.max(...numbers);
    const isLog = log && lo > 0;
    if (isLog) { lo = Math.log10(lo); hi = Math.log10(hi); }
    if (hi <= lo) { lo -= 0.5; hi += 0.5; }
    const at = v => typeof v !== "number" || (isLog && v <= 0) ? NaN : ((isLog ? Math.log10(v) : v) - lo) / (hi - lo);
    const ticks = [0, 0.5, 1].map(f => [f, fmt(isLog ? Math.pow(10, lo + f * (hi - lo)) : lo + f * (hi - lo))]);
    return { key, label: key + (isLog ? " (log)" : ""), at, ticks, range: f => isLog ? Math.pow(10, lo + f * (hi - lo)) : lo + f * (hi - lo) };
  }
  const names = [...new Set(values.map(v => JSON.stringify(v === undefined ? null : v)))].sort();
  const at = v => (names.indexOf(JSON.stringify(v === undefined ? null : v)) + 0.5) / names.length;
  const every = Math.max(1, Math.ceil(names.length / 8));
  // A selection of text values filters the jobs table too (the server matches texts only).
  const texts = names.every(n => typeof JSON.parse(n) === "string");
  const choose = texts ? (low, high) => names.map(n => JSON.parse(n)).filter(v => at(v) >= low && at(v) <= high) : null;
  return { key, label: key, at, ticks: names.filter((_, i) => i % every === 0).map(n => [at(JSON.parse(n)), String(JSON.parse(n))]), range: null, choose };
}
// Dark (worse) to bright (better), as the report's viridis.
function goodColor(f) {
  const stops = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];
  const x = Math.max(0, Math.min(1, isFinite(f) ? f : 0)) * (stops.length - 1), i = Math.min(stops.length - 2, Math.floor(x)), t = x - i;
  return "rgb(" + stops[i].map((c, k) => Math.round(c + (stops[i + 1][k] - c) * t)).join(",") + ")";
}
async function searchCard(name, base) {
  const data = await api(base + "/trials");
  if (!data.objective || data.trials.length < 2 || !data.varying.length) return null;
  const s = ui.search, metric = data.objective.metric, max = data.objective.mode === "max";
  const card = el("div", { class: "card", id: "search" }, el("h2", {}, "Search: " + metric + " (" + data.objective.mode + ")"));
  card.appendChild(el("p", { class: "muted" }, (data.trials.length < data.total ? data.trials.length + " of " + data.total + " done jobs drawn (the best fifth and an even sample of the rest)" : data.total + " done jobs")
    + "; drag along an axis to select a range of it, click the axis to clear; colour: " + metric + ", bright is better"));
  const keys = data.varying.slice(0, 12);
  const axes = keys.map(k => searchAxis(k, data.trials.map(t => t.config[k]), data.log.includes(k)));
  const values = data.trials.map(t => t.value);
  let lo = Math.min(...values), hi = Math.max(...values);
  if (hi <= lo) { lo -= 0.5; hi += 0.5; }
  const objectiveAxis = { key: metric, label: metric, at: v => (v - lo) / (hi - lo), ticks: [0, 0.5, 1].map(f => [f, fmt(lo + f * (hi - lo))]), range: f => lo + f * (hi - lo) };
  const all = [...axes, objectiveAxis];
  const goodness = v => max ? (v - lo) / (hi - lo) : (hi - v) / (hi - lo);
  const positionOf = (t, i) => i < axes.length ? axes[i].at(t.config[axes[i].key]) : objectiveAxis.at(t.value);
  const selected = t => all.every((a, i) => { const b = s.brushes[a.key]; if (!b) return true; const p = positionOf(t, i); return p >= b[0] && p <= b[1]; });

  // Parallel coordinates.
  const W = Math.max(640, 90 + 110 * (all.length - 1) + 90), H = 300, T = 24, B = 24, L = 70;
  const X = i => L + i * (W - L - 90) / Math.max(1, all.length - 1), Y = f => T + (1 - f) * (H - T - B);
  const plot = svg("svg", { class: "parallel", width: W, height: H, viewBox: "0 0 " + W + " " + H, role: "img", "aria-label": "parallel coordinates" });
  const lines = svg("g", { fill: "none" });
  for (const t of data.trials) {
    let d = "", pen = false;
    all.forEach((a, i) => { const p = positionOf(t, i); if (!isFinite(p)) { pen = false; return; } d += (pen ? "L" : "M") + X(i).toFixed(1) + "," + Y(p).toFixed(1); pen = true; });
    const on = selected(t);
    lines.appendChild(svg("path", { class: "trial" + (on ? "" : " dim"), "data-job": t.job, d, stroke: on ? goodColor(goodness(t.value)) : "#d0d4db" }));
  }
  plot.appendChild(lines);
  all.forEach((a, i) => {
    const g = svg("g", { class: "paxis", "data-key": a.key });
    g.appendChild(svg("line", { class: "axis", x1: X(i), x2: X(i), y1: T, y2: H - B }));
    for (const [f, label] of a.ticks) g.appendChild(svg("text", { x: X(i) - 5, y: Y(f) + 4, "text-anchor": "end", class: "halo" }, label));
    g.appendChild(svg("text", { x: X(i), y: T - 8, "text-anchor": "middle" }, a.label));
    const b = s.brushes[a.key];
    if (b) g.appendChild(svg("rect", { class: "brush", x: X(i) - 7, y: Y(b[1]), width: 14, height: Math.max(1, Y(b[0]) - Y(b[1])) }));
    // A wide transparent handle to drag on.
    const handle = svg("rect", { class: "handle", x: X(i) - 12, y: T, width: 24, height: H - T - B, fill: "transparent" });
    let start = null;
    const fracAt = ev => { const r = plot.getBoundingClientRect(); return Math.max(0, Math.min(1, 1 - ((ev.clientY - r.top) * H / r.height - T) / (H - T - B))); };
    handle.addEventListener("mousedown", ev => { start = fracAt(ev); ev.preventDefault(); });
    handle.addEventListener("mouseup", ev => {
      if (start === null) return;
      const end = fracAt(ev), low = Math.min(start, end), high = Math.max(start, end);
      start = null;
      if (high - low < 0.02) delete s.brushes[a.key]; else s.brushes[a.key] = [low, high];
      // The jobs table filters on the server by values: a number axis's by its range, a text
      // axis's by the values selected (other category axes' selections stay on this card).
      const chosen = s.brushes[a.key] && a.choose ? a.choose(low, high) : [];
      if (s.brushes[a.key] && a.range) s.ranges[a.key] = [a.range(low), a.range(high)];
      else if (chosen.length) s.ranges[a.key] = chosen;
      else delete s.ranges[a.key];
      ui.jobs.offset = 0;
      render();
    });
    g.appendChild(handle);
    plot.appendChild(g);
  });
  card.appendChild(plot);

  // Param vs objective: a small panel per param.
  const panels = el("div", { class: "scatters" });
  const PW = 250, PH = 170, PL = 62, PB = 30, PT = 10;
  axes.forEach((a, i) => {
    const p = svg("svg", { class: "scatter", width: PW, height: PH, viewBox: "0 0 " + PW + " " + PH, "data-key": a.key });
    p.appendChild(svg("line", { class: "axis", x1: PL, x2: PW - 6, y1: PH - PB, y2: PH - PB }));
    p.appendChild(svg("line", { class: "axis", x1: PL, x2: PL, y1: PT, y2: PH - PB }));
    for (const [f, label] of objectiveAxis.ticks) p.appendChild(svg("text", { x: PL - 4, y: PT + (1 - f) * (PH - PT - PB) + 4, "text-anchor": "end" }, label));
    for (const [f, label] of a.ticks) p.appendChild(svg("text", { x: PL + 4 + f * (PW - PL - 14), y: PH - PB + 13, "text-anchor": "middle" }, label));
    p.appendChild(svg("text", { x: (PL + PW) / 2, y: PH - 3, "text-anchor": "middle" }, a.label));
    for (const t of data.trials) {
      const x = a.at(t.config[a.key]);
      if (!isFinite(x)) continue;
      p.appendChild(svg("circle", { class: "point" + (selected(t) ? "" : " dim"), "data-job": t.job, r: 2.6,
        cx: (PL + 4 + x * (PW - PL - 14)).toFixed(1), cy: (PT + (1 - objectiveAxis.at(t.value)) * (PH - PT - PB)).toFixed(1) }));
    }
    panels.appendChild(p);
  });
  // The optimisation history: every job's value in start order and the best so far.
  if (data.history.length > 1) {
    const HW = 360, HH = 170, n = Math.max(...data.history.map(h => h[0])) || 1;
    const h = svg("svg", { class: "history", width: HW, height: HH, viewBox: "0 0 " + HW + " " + HH, role: "img", "aria-label": "optimisation history" });
    const hx = i => PL + i / n * (HW - PL - 8), hy = v => PT + (1 - objectiveAxis.at(v)) * (HH - PT - PB);
    h.appendChild(svg("line", { class: "axis", x1: PL, x2: HW - 8, y1: HH - PB, y2: HH - PB }));
    h.appendChild(svg("line", { class: "axis", x1: PL, x2: PL, y1: PT, y2: HH - PB }));
    for (const [f, label] of objectiveAxis.ticks) h.appendChild(svg("text", { x: PL - 4, y: hy(objectiveAxis.range(f)) + 4, "text-anchor": "end" }, label));
    h.appendChild(svg("text", { x: (PL + HW) / 2, y: HH - 3, "text-anchor": "middle" }, "job, in start order; the best so far in red"));
    for (const [i, v] of data.history) h.appendChild(svg("circle", { class: "point", r: 2, cx: hx(i).toFixed(1), cy: hy(v).toFixed(1) }));
    let d = "";
    data.best_so_far.forEach(([i, v], k) => { d += (k ? "L" + hx(i).toFixed(1) + "," + hy(data.best_so_far[k - 1][1]).toFixed(1) + "L" : "M") + hx(i).toFixed(1) + "," + hy(v).toFixed(1); });
    d += "L" + hx(n).toFixed(1) + "," + hy(data.best_so_far[data.best_so_far.length - 1][1]).toFixed(1);
    h.appendChild(svg("path", { class: "best-so-far", d }));
    panels.appendChild(h);
  }
  card.appendChild(panels);

  // The selected jobs, best first: the brushes filter this table.
  const chosen = data.trials.filter(selected).sort((a, b) => max ? b.value - a.value : a.value - b.value);
  const brushed = Object.keys(s.brushes).length;
  card.appendChild(el("p", { class: "muted", id: "search-selected" }, brushed
    ? chosen.length + " of " + data.trials.length + " drawn jobs in the selected ranges" + (chosen.length > 20 ? ", the best 20 listed" : "")
    : "the best 20 drawn jobs"));
  if (brushed) card.appendChild(el("button", { onclick: () => { s.brushes = {}; s.ranges = {}; ui.jobs.offset = 0; render(); } }, "clear the selection"));
  card.appendChild(el("table", { class: "search-jobs" }, el("thead", {}, el("tr", {}, el("th", { class: "num" }, "job"), el("th", { class: "num" }, metric), ...keys.map(k => el("th", {}, k)))),
    el("tbody", {}, chosen.slice(0, 20).map(t => el("tr", { class: "clickable", "data-job": t.job, onclick: () => { location.hash = jobHref(name, t.job); } },
      el("td", { class: "num" }, link(jobHref(name, t.job), String(t.job))), el("td", { class: "num" }, fmt(t.value)),
      ...keys.map(k => el("td", {}, t.config[k] === undefined ? "" : typeof t.config[k] === "object" ? JSON.stringify(t.config[k]) : fmt(t.config[k]))))))));
  return card;
}

async function curvesCard(name, base) {
  const c = ui.curves;
  const query = new URLSearchParams();
  if (c.metric) query.set("metric", c.metric);
  if (c.show) query.set("show", c.show.join(","));
  const data = await api(base + "/curves?" + query);
  const card = el("div", { class: "card", id: "curves" }, el("h2", {}, "Learning curves"));
  if (!data.metric) return card.appendChild(el("p", { class: "muted" }, "No metrics recorded yet.")), card;
  // The server's default: the best few by the spec's objective (or the first few).
  if (!c.show) c.show = data.curves.map(x => x.index);
  const metric = el("select", { onchange: e => { c.metric = e.target.value; c.zoom = null; render(); } },
    (data.metrics.length ? data.metrics : [data.metric]).map(m => { const o = el("option", { value: m }, m); if (m === data.metric) o.selected = true; return o; }));
  const filter = el("input", { placeholder: "filter configurations", value: c.filter, oninput: e => { c.filter = e.target.value; drawList(); } });
  const reset = el("button", { onclick: () => { c.zoom = null; render(); } }, "reset zoom");
  card.appendChild(el("div", { class: "toolbar" }, "metric ", metric, filter, reset,
    el("span", { class: "muted" }, data.config_count + " configurations; mean ± sd across seeds"
      + (data.curves.some(x => x.stopped && x.stopped.length) ? "; dashed: seeds the stop rule stopped, ending where they stopped" : "")
      + "; drag on the plot to zoom")));
  card.appendChild(el("p", { class: "muted", id: "curves-hint" }, "Showing " + c.show.length + " of " + data.config_count + " configurations"
    + (ui.best ? " (by default the best by " + ui.best.metric + ")" : "") + "; tick others in the list below to add them, untick to remove."));
  const list = el("div", { class: "configs" });
  const colorOf = index => COLORS[c.show.indexOf(index) % COLORS.length];
  function drawList() {
    const text = c.filter.toLowerCase();
    list.replaceChildren(...data.configs.filter(x => !text || x.label.toLowerCase().includes(text)).slice(0, 200).map(x => {
      const box = el("input", { type: "checkbox", onchange: e => {
        c.show = e.target.checked ? [...c.show, x.index].slice(-50) : c.show.filter(i => i !== x.index); render(); } });
      box.checked = c.show.includes(x.index);
      return el("label", {}, box, el("span", { class: "swatch", style: { background: box.checked ? colorOf(x.index) : "transparent" } }),
        el("span", {}, x.label + " (" + x.jobs + " job" + (x.jobs === 1 ? "" : "s") + ")"));
    }));
  }
  drawList();
  const series = data.curves.map(x => ({ label: x.label + " (n=" + x.seeds + ")", color: colorOf(x.index), epochs: x.epochs, mean: x.mean, sd: x.sd,
    stopped: x.stopped }));
  card.appendChild(el("div", { class: "chart-wrap" }, chart(series, data.metric, c), list));
  return card;
}

async function jobsCard(name, base) {
  const j = ui.jobs;
  const query = new URLSearchParams({ offset: j.offset, limit: j.limit, sort: j.sort, order: j.order, state: j.state, q: j.q });
  const ranges = ui.search.ranges, brushed = Object.keys(ranges).sort();
  if (brushed.length) query.set("ranges", JSON.stringify(ranges));
  const data = await api(base + "/jobs?" + query);
  const card = el("div", { class: "card", id: "jobs" }, el("h2", {}, "Jobs"));
  const stateSelect = el("select", { onchange: e => { j.state = e.target.value; j.offset = 0; render(); } },
    ["", ...STATES].map(s => { const o = el("option", { value: s }, s || "every state"); if (s === j.state) o.selected = true; return o; }));
  const search = el("input", { placeholder: "filter: config, host, key", value: j.q });
  search.addEventListener("change", e => { j.q = e.target.value; j.offset = 0; render(); });
  const compare = el("button", { id: "compare-button", onclick: () => { location.hash = sweepHref(name) + "/compare/" + ui.compare.join(","); },
    ...(ui.compare.length >= 2 ? {} : { disabled: "" }) }, "compare " + ui.compare.length + " selected");
  card.appendChild(el("div", { class: "toolbar" }, stateSelect, search, compare,
    el("span", { class: "muted" }, data.matched + " of " + data.total + " jobs" + (data.metric ? "; metric: " + data.metric : "") + "; tick 2 to 5 jobs to compare them")));
  if (brushed.length) card.appendChild(el("p", { class: "muted", id: "jobs-filter" },
    "filtered by the search's selection: " + brushed.map(k => typeof ranges[k][0] === "string" ? k + " in " + ranges[k].join(", ") : k + " " + fmt(ranges[k][0]) + " to " + fmt(ranges[k][1])).join(", ") + " (",
    el("a", { href: "", id: "jobs-filter-clear", onclick: e => { e.preventDefault(); ui.search = { brushes: {}, ranges: {} }; j.offset = 0; render(); } }, "clear"), ")"));
  const column = (key, label, cls) => el("th", { class: "sortable " + (cls || ""), onclick: () => {
    j.order = j.sort === key && j.order === "asc" ? "desc" : "asc"; j.sort = key; render(); } },
    label + (j.sort === key ? (j.order === "asc" ? " ▲" : " ▼") : ""));
  const header = el("tr", {}, el("th", {}, ""), column("job", "job", "num"), column("state", "state"), el("th", {}, "config"),
    column("host", "host"), column("epoch", "epoch", "num"), column("metric", data.metric || "metric", "num"), column("attempts", "tries", "num"),
    column("started", "started"), el("th", {}, "error"));
  const rows = data.jobs.map(job => {
    const epochs = job.config && typeof job.config.epochs === "number" ? "/" + job.config.epochs : "";
    const epoch = job.latest ? job.latest.epoch : job.progress ? job.progress.epoch : null;
    const isBest = ui.best && ui.best.job === job.job;
    const pick = el("input", { type: "checkbox", class: "compare-pick", onclick: e => e.stopPropagation(), onchange: e => {
      ui.compare = e.target.checked ? [...ui.compare.filter(id => id !== job.job), job.job].slice(-5) : ui.compare.filter(id => id !== job.job); render(); } });
    pick.checked = ui.compare.includes(job.job);
    return el("tr", { class: "clickable" + (isBest ? " best" : ""), "data-job": job.job, onclick: () => { location.hash = jobHref(name, job.job); } },
      el("td", {}, pick), el("td", { class: "num" }, isBest ? el("span", { class: "best-mark", title: "the best run by " + ui.best.metric }, "★ ") : "",
        link(jobHref(name, job.job), String(job.job))), el("td", {}, badge(job.state)),
      el("td", { class: "config-cell", title: configText(job.config) }, configText(job.config, data.varying)),
      el("td", {}, job.host || ""), el("td", { class: "num" }, epoch === null ? "" : epoch + epochs),
      el("td", { class: "num" }, job.latest ? fmt(job.latest.value) : ""), el("td", { class: "num" }, job.attempts),
      el("td", {}, job.started_at ? when(job.started_at) : ""), el("td", { class: "config-cell" }, job.error || ""));
  });
  card.appendChild(el("table", {}, el("thead", {}, header), el("tbody", {}, rows)));
  const last = data.offset + data.jobs.length;
  card.appendChild(el("div", { class: "pager" },
    el("button", { onclick: () => { j.offset = Math.max(0, j.offset - j.limit); render(); }, ...(j.offset ? {} : { disabled: "" }) }, "‹ previous"),
    el("span", { class: "muted" }, data.matched ? (data.offset + 1) + "–" + last + " of " + data.matched : "no jobs"),
    el("button", { onclick: () => { j.offset += j.limit; render(); }, ...(last < data.matched ? {} : { disabled: "" }) }, "next ›")));
  return card;
}

async function reportCard(base) {
  const data = await api(base + "/report");
  const card = el("div", { class: "card", id: "report" }, el("h2", {}, "Report"));
  for (const t of data.tables) {
    card.appendChild(el("h2", {}, t.heading));
    card.appendChild(el("p", { class: "muted" }, "mean ± sd over the last " + t.window + " epochs" +
      (t.fixed.length ? "; fixed: " + t.fixed.map(f => f.key + "=" + f.value).join(", ") : "") +
      (t.row_count > t.rows.length ? "; " + t.rows.length + " of " + t.row_count + " rows shown (every row is in sweep report's CSV)" : "")));
    const table = (headers, rows, labels) => el("div", { class: "report-table" }, el("table", {},
      el("thead", {}, el("tr", {}, headers.map((h, i) => el("th", { class: i < labels ? "" : "num" }, h)))),
      el("tbody", {}, rows.map(r => el("tr", {}, r.map((v, i) => el("td", { class: i < labels ? "" : "num" }, v)))))));
    if (t.best) {
      card.appendChild(el("p", {}, "Best " + t.best.rows.length + " by " + t.best.metric + " (" + (t.best.direction === "maximize" ? "higher" : "lower") + " is better)"));
      card.appendChild(table(t.best.headers, t.best.rows, t.best.headers.length - t.metrics.length));
    }
    card.appendChild(table(t.headers, t.rows, t.label_columns));
    for (const d of t.differences) {
      card.appendChild(el("h3", {}, d.title));
      if (d.note) { card.appendChild(el("p", { class: "muted" }, d.note)); continue; }
      card.appendChild(table(d.headers, d.rows, d.label_columns));
      if (d.cut_off) card.appendChild(el("p", { class: "muted" }, "The first " + d.rows.length + " of " + (d.rows.length + d.cut_off) + " lines are shown (sweep report's CSV has them all)."));
      if (d.left_out) card.appendChild(el("p", { class: "muted" }, d.left_out + " lines without a pair are left out (sweep report's CSV has them)."));
    }
    if (t.differences.length) card.appendChild(el("p", { class: "muted" }, data.difference_method));
  }
  card.appendChild(el("p", { class: "muted" }, data.method));
  return card;
}

// What ran an attempt beyond its host, in its host kind's terms ("slurm job 42 on n3"); nothing
// when the host itself ran it (local, ssh).
function placementText(p) {
  if (!p || (!p.id && !p.node)) return "";
  return " (" + [p.id ? p.kind + " job " + p.id : p.kind, p.node ? "on " + p.node : ""].filter(Boolean).join(" ") + ")";
}

async function jobView(sweep, id) {
  setCrumbs(link("#/", "sweeps"), link(sweepHref(sweep), sweep), el("span", {}, "job " + id));
  const base = "/api/sweeps/" + encodeURIComponent(sweep) + "/jobs/" + encodeURIComponent(id);
  const [job, metrics, best] = await Promise.all([api(base), api(base + "/metrics"), bestRun("/api/sweeps/" + encodeURIComponent(sweep))]);
  const bestNote = !best ? [] : best.job === job.job
    ? [el("p", { class: "best-run" }, el("span", { class: "best-mark" }, "★ "), "the best run of " + sweep + " by " + best.metric + " (" + best.mode + ")")]
    : [el("p", { class: "muted best-run" }, "the best run of " + sweep + " is ", link(jobHref(sweep, best.job), bestText(best)))];
  const head = el("div", { class: "card" }, el("h1", {}, "job " + job.job + " ", badge(job.state)), ...bestNote,
    el("dl", { class: "facts" }, el("dt", {}, "key"), el("dd", {}, job.key), el("dt", {}, "workload"), el("dd", {}, job.workload),
      el("dt", {}, "config"), el("dd", {}, configText(job.config))),
    el("table", { class: "attempts" }, el("thead", {}, el("tr", {}, ["attempt", "host", "status", "started", "finished", "error"].map(h => el("th", {}, h)))),
      el("tbody", {}, job.attempts.map(a => el("tr", {}, el("td", {}, a.attempt), el("td", {}, a.host + placementText(a.placement)), el("td", {}, badge(a.status === "ok" ? "done" : a.status === "lost" ? "cancelled" : a.status, a.status)),
        el("td", {}, when(a.started_at)), el("td", {}, when(a.finished_at)), el("td", {}, a.error || ""))))));
  const names = Object.keys(metrics.metrics).sort();
  const card = el("div", { class: "card", id: "job-curves" }, el("h2", {}, "Curves (attempt " + metrics.attempt + ")"));
  if (names.length) {
    const c = ui.job;
    if (!names.includes(c.metric)) c.metric = names[0];
    const select = el("select", { onchange: e => { c.metric = e.target.value; c.zoom = null; render(); } },
      names.map(m => { const o = el("option", { value: m }, m); if (m === c.metric) o.selected = true; return o; }));
    card.appendChild(el("div", { class: "toolbar" }, "metric ", select, el("button", { onclick: () => { c.zoom = null; render(); } }, "reset zoom")));
    const m = metrics.metrics[c.metric];
    card.appendChild(chart([{ label: c.metric, color: COLORS[0], epochs: m.epochs, mean: m.values, sd: m.values.map(() => null) }], c.metric, c));
    if (m.downsampled) card.appendChild(el("p", { class: "muted" }, "downsampled: " + m.epochs.length + " of " + m.count + " values shown (the first, last, lowest and highest of each stretch)"));
  } else if (job.state === "failed" || job.state === "cancelled" || job.state === "stopped") {
    // Nothing to plot: what the job ended with is what there is to see.
    const last = job.attempts[job.attempts.length - 1];
    const error = job.error || (last && last.error) || "no error was recorded";
    card.appendChild(el("p", { class: "job-error" }, "The job " + job.state + " before recording a metric: "));
    card.appendChild(el("pre", { class: "job-error" }, error));
  } else {
    card.appendChild(el("p", { class: "muted" }, "No metrics recorded yet."));
  }
  const lines = job.output.slice(-200).map(o => "[" + o.attempt + "] " + o.line);
  const tails = job.attempts.filter(a => a.stderr_tail).map(a => "attempt " + a.attempt + " stderr:\n" + a.stderr_tail);
  const log = el("div", { class: "card", id: "log" }, el("h2", {}, "Log tail" + (job.output.length > 200 ? " (last 200 of " + job.output.length + " lines)" : "")),
    el("pre", {}, [...lines, ...tails].join("\n") || "(no output)"));
  return [head, card, log];
}

// ---------- compare: 2 to 5 jobs side by side ----------
async function compareView(sweep, ids) {
  setCrumbs(link("#/", "sweeps"), link(sweepHref(sweep), sweep), el("span", {}, "compare " + ids.split(",").join(", ")));
  const data = await api("/api/sweeps/" + encodeURIComponent(sweep) + "/compare?jobs=" + encodeURIComponent(ids));
  ui.compare = data.jobs.map(j => j.job);
  const value = v => v === undefined ? "—" : typeof v === "object" && v !== null ? JSON.stringify(v) : fmt(v);
  const heads = el("tr", {}, el("th", {}, ""), ...data.jobs.map((j, i) => el("th", { class: "num" }, el("span", { class: "swatch", style: { background: COLORS[i] } }),
    link(jobHref(sweep, j.job), "job " + j.job), " ", badge(j.state))));
  const configRows = data.differing.map(k => el("tr", { class: "differs" }, el("td", {}, k), ...data.jobs.map(j => el("td", { class: "num" }, value(j.config[k])))));
  const metricNames = [...new Set(data.jobs.flatMap(j => Object.keys(j.final)))].sort();
  const finalRows = metricNames.map(m => el("tr", {}, el("td", {}, m), ...data.jobs.map(j => el("td", { class: "num" }, value(j.final[m])))));
  const card = el("div", { class: "card", id: "compare" }, el("h1", {}, "Compare " + data.jobs.length + " jobs of " + sweep),
    el("h2", {}, "Config: what differs"), el("table", { class: "compare" }, el("thead", {}, heads), el("tbody", {}, configRows)),
    el("p", { class: "muted" }, data.same.length ? "The same in all: " + data.same.map(k => k + "=" + value(data.jobs[0].config[k])).join(", ") : "No param is shared."),
    el("h2", {}, "Final metrics (each metric's value at its last epoch)"),
    el("table", { class: "compare" }, el("thead", {}, heads.cloneNode(true)), el("tbody", {}, finalRows)));
  const curves = el("div", { class: "card", id: "compare-curves" }, el("h2", {}, "Curves"));
  if (metricNames.length) {
    if (!metricNames.includes(ui.compareMetric)) ui.compareMetric = ui.best && metricNames.includes(ui.best.metric) ? ui.best.metric : metricNames[0];
    const select = el("select", { onchange: e => { ui.compareMetric = e.target.value; render(); } },
      metricNames.map(m => { const o = el("option", { value: m }, m); if (m === ui.compareMetric) o.selected = true; return o; }));
    curves.appendChild(el("div", { class: "toolbar" }, "metric ", select));
    const series = data.jobs.map((j, i) => { const c = j.metrics.metrics[ui.compareMetric];
      return c ? { label: "job " + j.job, color: COLORS[i], epochs: c.epochs, mean: c.values, sd: c.values.map(() => null) } : null; }).filter(s => s);
    curves.appendChild(chart(series, ui.compareMetric, { zoom: null }));
  } else {
    curves.appendChild(el("p", { class: "muted" }, "None of these jobs recorded a metric."));
  }
  return [card, curves];
}

// ---------- the chart: mean lines with ± sd bands, drag to zoom ----------
// 1, 2 or 5 times a power of ten, at least `raw`: axis ticks a reader can add up. Epochs are
// whole numbers: their step is a whole 1, 2, 5, 10, ... (never 2.5, nor below 1).
function niceStep(raw, integral) {
  if (integral && raw <= 1) return 1;
  const power = Math.pow(10, Math.floor(Math.log10(raw)));
  return (integral ? [1, 2, 5, 10] : [1, 2, 2.5, 5, 10]).map(m => m * power).find(step => step >= raw);
}
function chart(series, metric, state) {
  const W = 760, H = 340, L = 64, R = 16, T = 14, B = 40;
  let x0 = Infinity, x1 = -Infinity;
  // A configuration's stopped seeds (`s.stopped`) are drawn dashed, each ending where it stopped.
  const stopped = s => s.stopped || [];
  for (const s of series) for (const e of [...s.epochs, ...stopped(s).flatMap(c => c.epochs)]) { x0 = Math.min(x0, e); x1 = Math.max(x1, e); }
  const root = svg("svg", { class: "chart", width: W, height: H, viewBox: "0 0 " + W + " " + H, role: "img", "aria-label": metric });
  if (!isFinite(x0)) { root.appendChild(svg("text", { x: W / 2, y: H / 2, "text-anchor": "middle" }, "no done job has " + metric + " yet")); return root; }
  if (state.zoom) { x0 = Math.max(x0, state.zoom[0]); x1 = Math.min(x1, state.zoom[1]); }
  if (x1 <= x0) x1 = x0 + 1;
  let y0 = Infinity, y1 = -Infinity;
  for (const s of series) s.epochs.forEach((e, i) => {
    if (e < x0 || e > x1 || s.mean[i] === null) return;
    const sd = s.sd[i] || 0;
    y0 = Math.min(y0, s.mean[i] - sd); y1 = Math.max(y1, s.mean[i] + sd);
  });
  for (const s of series) for (const c of stopped(s)) c.epochs.forEach((e, i) => {
    if (e < x0 || e > x1 || c.values[i] === null) return;
    y0 = Math.min(y0, c.values[i]); y1 = Math.max(y1, c.values[i]);
  });
  if (!isFinite(y0)) { y0 = 0; y1 = 1; }
  if (y1 - y0 < 1e-12) { y0 -= 0.5; y1 += 0.5; }
  const pad = (y1 - y0) * 0.05; y0 -= pad; y1 += pad;
  const X = e => L + (e - x0) / (x1 - x0) * (W - L - R), Y = v => T + (y1 - v) / (y1 - y0) * (H - T - B);
  const yStep = niceStep((y1 - y0) / 6);
  for (let v = Math.ceil(y0 / yStep) * yStep; v <= y1; v += yStep) {
    const y = Y(v);
    root.appendChild(svg("line", { class: "gridline", x1: L, x2: W - R, y1: y, y2: y }));
    root.appendChild(svg("text", { x: L - 6, y: y + 4, "text-anchor": "end" }, fmt(Number(v.toPrecision(12)))));
  }
  const step = niceStep((x1 - x0) / 8, true);
  for (let e = Math.ceil(x0 / step) * step; e <= x1; e += step) root.appendChild(svg("text", { x: X(e), y: H - B + 16, "text-anchor": "middle" }, e));
  root.appendChild(svg("text", { x: (L + W - R) / 2, y: H - 6, "text-anchor": "middle" }, "epoch"));
  root.appendChild(svg("text", { x: 12, y: (T + H - B) / 2, transform: "rotate(-90 12 " + (T + H - B) / 2 + ")", "text-anchor": "middle" }, metric));
  root.appendChild(svg("line", { class: "axis", x1: L, x2: L, y1: T, y2: H - B }));
  root.appendChild(svg("line", { class: "axis", x1: L, x2: W - R, y1: H - B, y2: H - B }));
  const clip = "clip" + Math.random().toString(36).slice(2);
  root.appendChild(svg("clipPath", { id: clip }, svg("rect", { x: L, y: T, width: W - L - R, height: H - T - B })));
  const plot = svg("g", { "clip-path": "url(#" + clip + ")" });
  for (const s of series) {
    const points = s.epochs.map((e, i) => [e, s.mean[i], s.sd[i]]).filter(p => p[1] !== null && p[0] >= x0 - step && p[0] <= x1 + step);
    const banded = points.filter(p => p[2] !== null);
    if (banded.length > 1) {
      const up = banded.map(p => X(p[0]).toFixed(1) + "," + Y(p[1] + p[2]).toFixed(1));
      const down = banded.slice().reverse().map(p => X(p[0]).toFixed(1) + "," + Y(p[1] - p[2]).toFixed(1));
      plot.appendChild(svg("path", { class: "band", fill: s.color, d: "M" + up.join("L") + "L" + down.join("L") + "Z" }));
    }
    if (points.length) {
      plot.appendChild(svg("path", { class: "curve-mean", stroke: s.color, "data-points": points.length,
        d: "M" + points.map(p => X(p[0]).toFixed(1) + "," + Y(p[1]).toFixed(1)).join("L") },
        svg("title", {}, s.label)));
    }
    for (const c of stopped(s)) {
      const run = c.epochs.map((e, i) => [e, c.values[i]]).filter(p => p[1] !== null && p[0] >= x0 - step && p[0] <= x1 + step);
      if (!run.length) continue;
      const title = svg("title", {}, s.label + ": job " + c.job + ", stopped at epoch " + c.epochs[c.epochs.length - 1]);
      plot.appendChild(svg("path", { class: "curve-stopped", stroke: s.color, "data-job": c.job,
        d: "M" + run.map(p => X(p[0]).toFixed(1) + "," + Y(p[1]).toFixed(1)).join("L") }, title));
      const end = run[run.length - 1];
      plot.appendChild(svg("circle", { class: "curve-stopped-end", fill: s.color, cx: X(end[0]).toFixed(1), cy: Y(end[1]).toFixed(1), r: 2.5 }));
    }
  }
  root.appendChild(plot);
  // Drag across the plot to zoom into those epochs.
  const selection = svg("rect", { class: "selection", x: 0, y: T, width: 0, height: H - T - B, visibility: "hidden" });
  root.appendChild(selection);
  let start = null;
  const epochAt = ev => { const r = root.getBoundingClientRect(); const px = (ev.clientX - r.left) * W / r.width; return x0 + (px - L) / (W - L - R) * (x1 - x0); };
  root.addEventListener("mousedown", ev => { start = epochAt(ev); });
  root.addEventListener("mousemove", ev => {
    if (start === null) return;
    const a = X(Math.max(x0, Math.min(start, epochAt(ev)))), b = X(Math.min(x1, Math.max(start, epochAt(ev))));
    selection.setAttribute("x", a); selection.setAttribute("width", Math.max(0, b - a)); selection.setAttribute("visibility", "visible");
  });
  root.addEventListener("mouseup", ev => {
    if (start === null) return;
    const a = Math.min(start, epochAt(ev)), b = Math.max(start, epochAt(ev));
    start = null;
    if (b - a > (x1 - x0) / 100) { state.zoom = [a, b]; render(); } else selection.setAttribute("visibility", "hidden");
  });
  return root;
}

// ---------- routing and live updates ----------
let rendering = false, pending = false;
async function render() {
  if (rendering) { pending = true; return; }
  rendering = true;
  const route = location.hash.replace(/^#/, "") || "/";
  if (route !== ui.route) {
    if (route.split("/job/")[0] !== ui.route.split("/job/")[0]) {
      ui.jobs.offset = 0; ui.jobs.q = ""; ui.jobs.state = ""; ui.curves = { metric: "", show: null, zoom: null, filter: "" };
      ui.search = { brushes: {}, ranges: {} };
      if (!route.includes("/compare/")) ui.compare = [];
    }
    ui.job.zoom = null;
    ui.route = route;
  }
  const view = document.getElementById("view");
  try {
    const m = route.match(/^\/sweep\/([^/]+)(?:\/job\/([^/]+))?$/), cm = route.match(/^\/sweep\/([^/]+)\/compare\/([0-9,]+)$/);
    const parts = cm ? await compareView(decodeURIComponent(cm[1]), cm[2]) : m ? (m[2] ? await jobView(decodeURIComponent(m[1]), decodeURIComponent(m[2])) : await sweepView(decodeURIComponent(m[1]))) : await overview();
    view.replaceChildren(...parts);
    document.getElementById("live").textContent = "updated " + new Date().toLocaleTimeString();
    document.getElementById("live").classList.remove("stale");
  } catch (error) {
    view.replaceChildren(el("div", { class: "card error" }, String(error.message || error)));
  } finally {
    document.body.setAttribute("data-ready", "1");
    rendering = false;
    if (pending) { pending = false; render(); }
  }
}

// The store's version changes with every commit: redraw then, keeping the view's state.
async function poll() {
  try {
    const { version } = await api("/api/version");
    if (ui.version !== null && version !== ui.version) render();
    ui.version = version;
  } catch (error) {
    const live = document.getElementById("live");
    live.textContent = "not updating: " + (error.message || error);
    live.classList.add("stale");
  }
  setTimeout(poll, 2000);
}

window.addEventListener("hashchange", render);
render().then(poll);
