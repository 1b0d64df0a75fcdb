// divgan's live training page: polls /run/live/state.json and draws on canvases (no libraries).
"use strict";
const TOKEN = new URLSearchParams(location.hash.slice(1) || location.search.slice(1)).get("token") || "";
const $ = (id) => document.getElementById(id);
let figureSeq = -1, lastOk = 0, statusNow = "";

function fmt(v, d = 4) {
  if (v === null || v === undefined || Number.isNaN(v)) return "–";
  return typeof v === "number" ? (Number.isInteger(v) ? String(v) : v.toPrecision(d)) : String(v);
}
function duration(s) {
  if (s === null || s === undefined || !isFinite(s)) return "–";
  s = Math.round(s);
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
  return h ? `${h}h${String(m).padStart(2, "0")}m` : m ? `${m}m${String(sec).padStart(2, "0")}s` : `${sec}s`;
}

async function poll() {
  try {
    const r = await fetch("/run/live/state.json", { cache: "no-store" });
    if (r.ok) { render(await r.json()); lastOk = Date.now(); }
    else if (!lastOk) setStatus("waiting for the run");
  } catch (e) {
    if (Date.now() - lastOk > 3000) setStatus("lost");
  }
  setTimeout(poll, 500);
}

function setStatus(s) {
  statusNow = s;
  const el = $("status");
  el.textContent = s;
  el.className = "status " + s.split(" ")[0];
  const live = s === "running" || s === "paused";
  $("pause").disabled = !live || s === "paused" || !TOKEN;
  $("resume").disabled = s !== "paused" || !TOKEN;
  $("stop").disabled = !live || !TOKEN;
}

function render(st) {
  setStatus(st.status);
  $("step").textContent = st.step; $("steps").textContent = st.steps;
  $("rate").textContent = st.status === "paused" ? "0" : fmt(st.steps_per_s, 3);
  $("eta").textContent = st.status === "running" ? duration(st.eta_s) : "–";
  const v = st.curves.value.y; $("value").textContent = fmt(v.length ? v[v.length - 1] : null);
  $("modes-box").hidden = !st.modes;
  if (st.modes) $("modes").textContent = `${st.modes.covered}/${st.modes.total}`;
  if (st.figure_seq !== figureSeq) { figureSeq = st.figure_seq; loadFigure(st); }
  drawCurves(st);
  showConfig(st.config);
}

async function loadFigure(st) {
  if (st.figure === "points") {
    $("toy").hidden = false;
    const r = await fetch("/run/live/points.json", { cache: "no-store" });
    if (r.ok) { const p = await r.json(); drawDensity(p); drawMapping(p); document.body.dataset.figureStep = p.step; }
  } else if (st.figure === "grid") {
    $("images").hidden = false;
    $("grid").src = "/run/live/grid.png?v=" + st.figure_seq;
    $("grid").onload = () => { document.body.dataset.figureStep = st.step; };
  }
}

function pairs(flat) { const out = []; for (let i = 0; i + 1 < flat.length; i += 2) out.push([flat[i], flat[i + 1]]); return out; }

function frame(cv, p) {
  const ctx = cv.getContext("2d"), [lo, hi] = p.bounds, W = cv.width, H = cv.height;
  const X = (x) => ((x - lo) / (hi - lo)) * W, Y = (y) => H - ((y - lo) / (hi - lo)) * H;
  ctx.clearRect(0, 0, W, H);
  return { ctx, X, Y, W, H };
}
function dots(f, pts, color, r) {
  f.ctx.fillStyle = color;
  for (const [x, y] of pts) { f.ctx.beginPath(); f.ctx.arc(f.X(x), f.Y(y), r, 0, 2 * Math.PI); f.ctx.fill(); }
}

function drawDensity(p) {
  const cv = $("density"), f = frame(cv, p), n = p.d.n;
  const img = f.ctx.createImageData(n, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    const v = p.d.values[i * n + j], k = ((n - 1 - i) * n + j) * 4;  // row i = y (upwards)
    img.data[k] = 40 + 215 * v; img.data[k + 1] = 60 + 170 * v; img.data[k + 2] = 140 + 60 * v; img.data[k + 3] = 255;
  }
  const tmp = document.createElement("canvas"); tmp.width = n; tmp.height = n;
  tmp.getContext("2d").putImageData(img, 0, 0);
  f.ctx.imageSmoothingEnabled = true;
  f.ctx.drawImage(tmp, 0, 0, f.W, f.H);
  dots(f, pairs(p.real), "rgba(90,90,90,0.45)", 1.6);
  dots(f, pairs(p.fake), "rgba(220,30,30,0.8)", 1.8);
  f.ctx.strokeStyle = "#000"; f.ctx.lineWidth = 1;
  for (const [x, y] of pairs(p.means)) { f.ctx.beginPath(); f.ctx.arc(f.X(x), f.Y(y), 5, 0, 2 * Math.PI); f.ctx.stroke(); }
  label(f, `step ${p.step}`);
}

function drawMapping(p) {
  const f = frame($("mapping"), p), n = p.noise_grid.n, pts = pairs(p.noise_grid.points);
  f.ctx.fillStyle = "#fff"; f.ctx.fillRect(0, 0, f.W, f.H);
  dots(f, pairs(p.real), "rgba(120,120,120,0.35)", 1.6);
  f.ctx.lineWidth = 1;
  for (let dir = 0; dir < 2; dir++) for (let a = 0; a < n; a++) {
    f.ctx.strokeStyle = dir ? "rgba(30,90,200,0.8)" : "rgba(200,60,30,0.8)";
    f.ctx.beginPath();
    for (let b = 0; b < n; b++) {
      const [x, y] = pts[dir ? b * n + a : a * n + b];
      b ? f.ctx.lineTo(f.X(x), f.Y(y)) : f.ctx.moveTo(f.X(x), f.Y(y));
    }
    f.ctx.stroke();
  }
  label(f, `step ${p.step}`);
}
function label(f, text) { f.ctx.fillStyle = "#000"; f.ctx.font = "13px sans-serif"; f.ctx.fillText(text, 8, 18); }

function series(st) {
  const out = [["d_loss", st.curves.d_loss], ["g_loss", st.curves.g_loss], ["value (game)", st.curves.value]];
  const keys = new Set();
  for (const row of st.metrics) for (const [k, v] of Object.entries(row)) if (typeof v === "number" && !["step", "modes_total"].includes(k) && !(k in st.curves)) keys.add(k);
  for (const k of keys) {
    const rows = st.metrics.filter((r) => typeof r[k] === "number");
    out.push([k, { x: rows.map((r) => r.step), y: rows.map((r) => r[k]) }]);
  }
  return out;
}

function drawCurves(st) {
  const box = $("curves");
  for (const [name, s] of series(st)) {
    const id = "curve-" + name.replace(/[^a-z0-9_]/gi, "_");
    let cv = $(id);
    if (!cv) {
      const fig = document.createElement("figure"); cv = document.createElement("canvas");
      cv.id = id; cv.width = 300; cv.height = 150; fig.appendChild(cv);
      const cap = document.createElement("figcaption"); cap.textContent = name; fig.appendChild(cap);
      box.appendChild(fig);
    }
    plot(cv, s, st.steps);
  }
}

function plot(cv, s, steps) {
  const ctx = cv.getContext("2d"), W = cv.width, H = cv.height, L = 44, B = 16;
  ctx.clearRect(0, 0, W, H);
  const ys = s.y.filter((v) => isFinite(v));
  if (!ys.length) return;
  let lo = Math.min(...ys), hi = Math.max(...ys);
  if (hi - lo < 1e-12) { lo -= 0.5; hi += 0.5; }
  const X = (x) => L + (x / Math.max(steps, 1)) * (W - L - 4), Y = (y) => 4 + (1 - (y - lo) / (hi - lo)) * (H - B - 8);
  ctx.strokeStyle = "#bbb"; ctx.strokeRect(L, 4, W - L - 4, H - B - 8);
  ctx.fillStyle = "#555"; ctx.font = "10px sans-serif";
  ctx.fillText(fmt(hi, 3), 2, 12); ctx.fillText(fmt(lo, 3), 2, H - B);
  ctx.fillText("0", L, H - 3); ctx.fillText(String(steps), W - 30, H - 3);
  ctx.strokeStyle = "#1f5fbf"; ctx.lineWidth = 1.3; ctx.beginPath();
  s.x.forEach((x, i) => { const y = s.y[i]; if (!isFinite(y)) return; i ? ctx.lineTo(X(x), Y(y)) : ctx.moveTo(X(x), Y(y)); });
  ctx.stroke();
  if (s.x.length === 1) { ctx.fillStyle = "#1f5fbf"; ctx.fillRect(X(s.x[0]) - 2, Y(s.y[0]) - 2, 4, 4); }
}

let configShown = false;
function showConfig(c) {
  if (configShown || !c) return;
  configShown = true;
  const t = $("config");
  for (const [k, v] of Object.entries(c)) {
    if (k === "yaml") continue;
    const tr = t.insertRow(); tr.insertCell().textContent = k; tr.insertCell().textContent = String(v);
  }
  $("yaml").textContent = c.yaml || "";
}

async function control(action) {
  $("message").textContent = "";
  try {
    const r = await fetch("/control/" + action, { method: "POST", headers: { "X-Divgan-Token": TOKEN } });
    if (!r.ok) $("message").textContent = (await r.json().catch(() => ({}))).error || `${action}: HTTP ${r.status}`;
  } catch (e) { $("message").textContent = `${action}: the server is gone`; }
}

for (const a of ["pause", "resume", "stop"]) $(a).addEventListener("click", () => control(a));
if (!TOKEN) $("message").textContent = "no token in the address: the buttons are off (open the address divgan printed)";
setStatus("connecting");
poll();
