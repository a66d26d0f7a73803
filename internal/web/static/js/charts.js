// Stream charts of the researcher's pages: every stream of one
// installation stacked, drawn with uPlot (vendored), with cursors in
// sync. Dragging across a chart zooms: the visible range is read again
// from the server (downsampled to about one point per pixel), and the
// summary table (the charts' text alternative) and the CSV links follow
// the visible range. "Whole range" goes back to the range picked.
// Without this script the page still has the summary table and the CSV
// links of the picked range.
"use strict";

(function () {
  const root = document.getElementById("charts");
  if (!root || typeof uPlot === "undefined") return;
  document.documentElement.classList.add("has-js");

  const lang = document.documentElement.lang || "it";
  const zone = "Europe/Rome";
  // Digits grouped from the thousands on, as the server writes numbers
  // (CLDR leaves Italian 4-digit numbers ungrouped by default: 1234).
  const num = new Intl.NumberFormat(lang, { minimumFractionDigits: 2, maximumFractionDigits: 2, useGrouping: "always" });
  const count = new Intl.NumberFormat(lang, { useGrouping: "always" });
  const tick = new Intl.NumberFormat(lang, { maximumFractionDigits: 1, useGrouping: "always" });
  const when = new Intl.DateTimeFormat(lang, { day: "numeric", month: "long", year: "numeric", hour: "2-digit", minute: "2-digit", timeZone: zone });
  const base = new URL(root.dataset.series, window.location.origin);
  const picked = { from: root.dataset.from, to: root.dataset.to };
  const range = { from: Date.parse(picked.from) / 1000, to: Date.parse(picked.to) / 1000 };
  const plots = new Map();
  let latest = 0;

  // names are uPlot's month and day names in the page's language.
  const names = (() => {
    const pick = (opts, n, at) => Array.from({ length: n }, (_, i) => new Intl.DateTimeFormat(lang, opts).format(at(i)));
    const month = (i) => new Date(Date.UTC(2026, i, 15));
    const day = (i) => new Date(Date.UTC(2026, 0, 4 + i)); // 4 January 2026 is a Sunday
    return {
      MMMM: pick({ month: "long" }, 12, month), MMM: pick({ month: "short" }, 12, month),
      WWWW: pick({ weekday: "long" }, 7, day), WWW: pick({ weekday: "short" }, 7, day),
    };
  })();

  const iso = (s) => new Date(s * 1000).toISOString();

  // columns turns a series of the API into uPlot's data: times (seconds),
  // then average, minimum and maximum (the same value for raw points).
  function columns(s) {
    if (s.resolution === "raw") {
      const t = s.points.map((p) => Date.parse(p.time) / 1000);
      const v = s.points.map((p) => p.value);
      return [t, v, v, v];
    }
    return [s.buckets.map((b) => Date.parse(b.time) / 1000), s.buckets.map((b) => b.avg),
      s.buckets.map((b) => b.min), s.buckets.map((b) => b.max)];
  }

  // summary is a series' count, min, max and average (weighted by count).
  function summary(s) {
    let n = 0, sum = 0, min = Infinity, max = -Infinity;
    for (const p of s.points || []) { n++; sum += p.value; min = Math.min(min, p.value); max = Math.max(max, p.value); }
    for (const b of s.buckets || []) { n += b.count; sum += b.avg * b.count; min = Math.min(min, b.min); max = Math.max(max, b.max); }
    return n === 0 ? { n } : { n, min, max, avg: sum / n };
  }

  function options(el, s) {
    const unit = el.closest("figure").dataset.unit; // as the page writes it (°C, not UCUM's Cel)
    const fmt = (u, v) => (v == null ? "—" : num.format(v) + (unit ? " " + unit : ""));
    return {
      width: Math.max(el.clientWidth, 240), height: 180,
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), zone),
      fmtDate: (tpl) => uPlot.fmtDate(tpl, names),
      scales: { x: { time: true, range: () => [range.from, range.to] } },
      cursor: { sync: { key: "streams" }, drag: { x: true, y: false, setScale: false }, bind: { dblclick: () => null } },
      legend: { show: false },
      series: [
        {},
        { label: root.dataset.labelAvg, stroke: "#1d5fa8", width: 1.5, value: fmt, spanGaps: false },
        { label: root.dataset.labelMin, stroke: "rgba(29,95,168,0.35)", width: 1, value: fmt },
        { label: root.dataset.labelMax, stroke: "rgba(29,95,168,0.35)", width: 1, value: fmt },
      ],
      bands: [{ series: [3, 2], fill: "rgba(29,95,168,0.12)" }],
      axes: [{ stroke: "#4f5b6b" }, { stroke: "#4f5b6b", size: 72, values: (u, vals) => vals.map((v) => tick.format(v)) }],
      hooks: { setSelect: [zoom] },
    };
  }

  // zoom reads the selected span again at full resolution. The charts'
  // cursors are in sync, so every chart reports the same selection: the
  // first one asks, the others find the same span pending.
  let pending = "";
  function zoom(u) {
    if (u.select.width < 4) return;
    const from = Math.floor(u.posToVal(u.select.left, "x"));
    const to = Math.ceil(u.posToVal(u.select.left + u.select.width, "x"));
    u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
    if (pending === from + "-" + to) return;
    pending = from + "-" + to;
    load(from, to);
  }

  function draw(s) {
    const fig = root.querySelector('figure[data-stream="' + CSS.escape(s.stream) + '"] .plot');
    if (!fig) return;
    const data = columns(s);
    const old = plots.get(s.stream);
    if (old) {
      old.setData(data, true);
      return;
    }
    plots.set(s.stream, new uPlot(options(fig, s), data, fig));
  }

  // follow updates the visible range's text, the summary and the CSV links.
  function follow(series) {
    const text = root.dataset.visible.replace("{from}", when.format(new Date(range.from * 1000))).replace("{to}", when.format(new Date(range.to * 1000)));
    document.getElementById("visible").textContent = text;
    const q = new URLSearchParams({ from: iso(range.from), to: iso(range.to) });
    for (const s of series) {
      const row = document.querySelector('#summary tr[data-stream="' + CSS.escape(s.stream) + '"]');
      if (!row) continue;
      const m = summary(s);
      row.querySelector('[data-cell="count"]').textContent = count.format(m.n);
      for (const k of ["min", "max", "avg"]) row.querySelector('[data-cell="' + k + '"]').textContent = m.n ? num.format(m[k]) : "—";
      const a = row.querySelector("a[data-csv]");
      if (a) a.href = root.dataset.csv + encodeURIComponent(s.stream) + "/readings.csv?" + q.toString();
    }
  }

  // load reads [from, to) (seconds) for every stream; only the latest of
  // overlapping reads is drawn.
  async function load(from, to) {
    const mine = ++latest;
    const u = new URL(base);
    u.searchParams.set("from", iso(from));
    u.searchParams.set("to", iso(to));
    u.searchParams.set("max_points", String(Math.min(2000, Math.max(200, Math.round(root.clientWidth)))));
    root.setAttribute("aria-busy", "true");
    const error = document.getElementById("charterror");
    try {
      const res = await fetch(u, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (mine !== latest) return;
      if (!res.ok) throw new Error(String(res.status));
      const body = await res.json();
      range.from = from;
      range.to = to;
      for (const s of body.series) draw(s);
      follow(body.series);
      error.hidden = true;
      root.dataset.loaded = String(mine);
    } catch (e) {
      if (mine === latest) error.hidden = false;
    } finally {
      if (mine === latest) root.removeAttribute("aria-busy");
    }
  }

  document.getElementById("zoomout").addEventListener("click", () => load(Date.parse(picked.from) / 1000, Date.parse(picked.to) / 1000));
  window.addEventListener("resize", () => {
    for (const [stream, p] of plots) {
      const el = root.querySelector('figure[data-stream="' + CSS.escape(stream) + '"] .plot');
      p.setSize({ width: Math.max(el.clientWidth, 240), height: 180 });
    }
  });
  load(range.from, range.to);
})();
