// Malaria.Web page: uploads cell images to /api/classify (in batches within the server's limits), then asks
// /api/explain for each scored cell's Grad-CAM overlay. No framework, no CDN.
"use strict";

const state = {
  models: [],
  limits: { maxFilesPerRequest: 64, maxFileBytes: 8 * 1024 * 1024, maxRequestBytes: 32 * 1024 * 1024 },
  files: [],     // the File objects of the current set, re-scored when the model changes
  rows: [],      // one per file: { file, label, confidence, pParasitized, model, modelVersion, error }
  run: 0,        // increments on every scoring run, so a stale run's answers are dropped
};

const $ = (id) => document.getElementById(id);
const modelSelect = $("model");
const pointSelect = $("point");
const viewsSelect = $("views");
const input = $("files");
const dropzone = $("dropzone");
const results = $("results");
const template = $("card-template");

function percent(x) { return (x * 100).toFixed(1) + "%"; }
function shortVersion(v) { return v ? v.slice(0, 12) : ""; }
function bytes(n) { return n >= 1048576 ? (n / 1048576).toFixed(0) + " MB" : (n / 1024).toFixed(0) + " KB"; }

async function fetchJson(url) {
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return response.json();
}

async function loadModels() {
  try {
    const [models, limits] = await Promise.all([fetchJson("/api/models"), fetchJson("/api/limits")]);
    state.models = models;
    state.limits = limits;
    modelSelect.replaceChildren(...models.map((m) => {
      const option = document.createElement("option");
      option.value = m.name;
      const accuracy = m.metrics && m.metrics.accuracy != null ? ` · ${percent(m.metrics.accuracy)} ${m.metricsPart || "test"} accuracy` : "";
      option.textContent = `${m.name}${accuracy} · v${m.version.slice(0, 7)}`;
      return option;
    }));
    $("limits-text").textContent = `up to ${limits.maxFilesPerRequest} per request, ${bytes(limits.maxFileBytes)} each`;
    describeModel();
    describePoints();
    describeViews(true);
  } catch (error) {
    $("model-info").textContent = "The models could not be listed: " + error.message;
  }
}

function currentModel() { return state.models.find((m) => m.name === modelSelect.value); }

function describeModel() {
  const m = currentModel();
  if (!m) return;
  const parts = [`${m.trainer || m.format} · input ${m.inputWidth}×${m.inputHeight}`, `version ${shortVersion(m.version)}`];
  if (m.metrics && m.metrics.auc != null) parts.push(`ROC AUC ${m.metrics.auc.toFixed(3)}`);
  if (m.operatingPoint) parts.push(`default decision ${m.operatingPoint}`);
  if (m.lastReloadFailure) parts.push("last reload failed");
  $("model-info").textContent = parts.join(" · ");
}

// The model's operating points: the threshold on P(Parasitized) from which a cell is called Parasitized, with the
// sensitivity and specificity each reached on held-out patients when it was chosen.
function describePoints() {
  const m = currentModel();
  if (!m) return;
  const points = m.operatingPoints || [];
  pointSelect.replaceChildren(...points.map((p) => {
    const option = document.createElement("option");
    option.value = p.name;
    option.textContent = `${p.name} · P(Parasitized) ≥ ${p.threshold.toFixed(3)}`;
    return option;
  }));
  pointSelect.value = m.operatingPoint;
  describePoint();
}

function describePoint() {
  const m = currentModel();
  const p = m && (m.operatingPoints || []).find((x) => x.name === pointSelect.value);
  $("point-info").textContent = p && p.sensitivity != null && p.specificity != null
    ? `held-out sensitivity ${percent(p.sensitivity)}, specificity ${percent(p.specificity)} when chosen`
    : "";
}

// One view by default; 8 averages the image's rotations and mirror images, at 8 times the work. A model's own choice
// (its configured views) is the starting value.
function describeViews(reset) {
  const m = currentModel();
  if (reset && m && m.scoredViews) viewsSelect.value = String(m.scoredViews);
  $("views-info").textContent = viewsSelect.value === "8"
    ? "each cell scored 8 times (rotated and mirrored) and averaged, at 8 times the work; each card shows the threshold applied"
    : "each cell scored once: the library's default";
}

function setStatus(text) { $("status").textContent = text; }

function newCard(file) {
  const card = template.content.firstElementChild.cloneNode(true);
  // Long microscope file names differ at the end (cell number): keep the start and the end.
  card.querySelector(".file-name").textContent = file.name.length > 32 ? `${file.name.slice(0, 12)}…${file.name.slice(-18)}` : file.name;
  card.querySelector(".file-name").title = file.name;
  card.setAttribute("aria-label", file.name);
  card.querySelector(".badge").textContent = "scoring…";
  const original = card.querySelector(".original");
  original.src = URL.createObjectURL(file);
  original.alt = `Cell image ${file.name}`;
  original.onerror = () => original.removeAttribute("src");
  results.append(card);
  return card;
}

function showPrediction(card, row) {
  const parasitized = row.isParasitized;
  card.classList.add(parasitized ? "parasitized" : "uninfected");
  card.querySelector(".badge").textContent = row.label;
  card.querySelector(".confidence-value").textContent = percent(row.confidence);
  card.querySelector(".meter-fill").style.width = percent(row.confidence);
  card.querySelector(".meter").setAttribute("role", "meter");
  card.querySelector(".meter").setAttribute("aria-label", "Confidence");
  card.querySelector(".meter").setAttribute("aria-valuenow", (row.confidence * 100).toFixed(1));
  card.querySelector(".meter").setAttribute("aria-valuemin", "0");
  card.querySelector(".meter").setAttribute("aria-valuemax", "100");
  card.querySelector("[data-testid=p-parasitized]").textContent = row.probabilityParasitized != null ? row.probabilityParasitized.toFixed(3) : "n/a";
  card.querySelector(".model-line").textContent = `${row.model} · ${shortVersion(row.modelVersion)}`;
  // Which threshold turned the probability into the label: a screening point calls cells from a low probability.
  if (row.operatingPoint) card.querySelector(".decision-line").textContent =
    `decided at ${row.operatingPoint} (≥ ${row.threshold.toFixed(3)})${row.views > 1 ? ` · ${row.views} views` : ""}`;
  // The library flags images unlike the training crops: say so beside the confident-looking bar.
  const warning = card.querySelector(".domain-warning");
  if (row.warnings && row.warnings.length > 0) {
    warning.hidden = false;
    warning.textContent = "⚠ " + row.warnings.map(w => w.message).join(" ");
    card.classList.add("off-domain");
  }
}

function showError(card, problem) {
  card.classList.add("failed");
  card.querySelector(".badge").textContent = "Not scored";
  const box = card.querySelector(".error");
  box.hidden = false;
  box.querySelector(".error-title").textContent = `${problem.title || "Error"}${problem.status ? ` (${problem.status})` : ""}`;
  box.querySelector(".error-detail").textContent = problem.detail || "The file could not be scored.";
}

function toRow(file, result) {
  if (result.error) return { file: file.name, error: result.error };
  return { file: file.name, ...result };
}

async function post(url, form, accept) {
  // A 429 says the classifier is saturated: wait as told (Retry-After) and try again, a few times.
  for (let attempt = 0; ; attempt++) {
    const response = await fetch(url, { method: "POST", body: form, headers: { Accept: accept } });
    if (response.status !== 429 || attempt >= 4) return response;
    const wait = Number(response.headers.get("Retry-After") || "1");
    setStatus(`The classifier is busy; retrying in ${wait} s…`);
    await new Promise((resolve) => setTimeout(resolve, wait * 1000));
  }
}

async function problemOf(response) {
  try { return await response.json(); } catch { return { title: `HTTP ${response.status}`, status: response.status }; }
}

async function classifyBatch(model, batch, cards, run) {
  const form = new FormData();
  for (const file of batch) form.append("files", file, file.name);
  const point = pointSelect.value ? `&operatingPoint=${encodeURIComponent(pointSelect.value)}` : "";
  const response = await post(`/api/classify?model=${encodeURIComponent(model)}${point}&views=${viewsSelect.value}`, form, "application/json");
  if (run !== state.run) return [];
  if (response.ok) {
    const body = await response.json();
    return body.files.map((result, i) => toRow(batch[i], result));
  }
  // One file: its problem is the response. Several: the whole batch failed (e.g. too large): each file says why.
  const problem = await problemOf(response);
  return batch.map((file) => ({ file: file.name, error: problem }));
}

async function explain(model, file, card, run) {
  const box = card.querySelector(".overlay-box");
  const overlay = card.querySelector(".overlay");
  box.classList.add("loading");
  const form = new FormData();
  form.append("file", file, file.name);
  const response = await post(`/api/explain?model=${encodeURIComponent(model)}&views=${viewsSelect.value}`, form, "image/png");
  if (run !== state.run) return;
  box.classList.remove("loading");
  if (!response.ok) {
    const problem = await problemOf(response);
    overlay.alt = `No overlay: ${problem.detail || problem.title}`;
    return;
  }
  overlay.src = URL.createObjectURL(await response.blob());
  overlay.alt = `Grad-CAM overlay of ${file.name}`;
}

async function score(files) {
  const run = ++state.run;
  const model = modelSelect.value;
  results.replaceChildren();
  state.rows = [];
  $("empty").hidden = files.length > 0;
  $("summary").hidden = files.length === 0;
  if (files.length === 0) { setStatus(""); return; }
  const cards = files.map(newCard);
  updateSummary();
  setStatus(`Scoring ${files.length} image${files.length === 1 ? "" : "s"} with ${model}…`);

  // Batches within the server's limits on files and bytes per request.
  const batches = [];
  let batch = [], size = 0;
  for (const file of files) {
    if (batch.length && (batch.length >= state.limits.maxFilesPerRequest || size + file.size > state.limits.maxRequestBytes * 0.9)) {
      batches.push(batch); batch = []; size = 0;
    }
    batch.push(file); size += file.size;
  }
  if (batch.length) batches.push(batch);

  const explained = [];
  let offset = 0;
  for (const b of batches) {
    let rows;
    try { rows = await classifyBatch(model, b, cards, run); }
    catch (error) { rows = b.map((file) => ({ file: file.name, error: { title: "Network error", detail: error.message } })); }
    if (run !== state.run) return;
    rows.forEach((row, i) => {
      const index = offset + i;
      state.rows[index] = row;
      if (row.error) showError(cards[index], row.error);
      else { showPrediction(cards[index], row); explained.push(index); }
    });
    offset += b.length;
    updateSummary();
  }
  setStatus(`Scored with ${model}. Computing Grad-CAM overlays…`);

  // Overlays two at a time: enough to keep the server busy without flooding its queue.
  let next = 0;
  const worker = async () => {
    while (next < explained.length && run === state.run) {
      const index = explained[next++];
      try { await explain(model, files[index], cards[index], run); } catch { /* the card keeps its scores */ }
    }
  };
  await Promise.all([worker(), worker()]);
  if (run === state.run) setStatus(`Done: ${files.length} image${files.length === 1 ? "" : "s"} with ${model}.`);
}

function updateSummary() {
  const rows = state.rows.filter(Boolean);
  const scored = rows.filter((r) => !r.error);
  const infected = scored.filter((r) => r.isParasitized).length;
  const failed = rows.length - scored.length;
  $("summary-infected").textContent = infected;
  $("summary-total").textContent = scored.length;
  $("summary-noun").textContent = scored.length === 1 ? "cell" : "cells";
  $("summary-bar").style.width = scored.length ? percent(infected / scored.length) : "0";
  const pending = state.files.length - rows.length;
  const parts = [];
  if (scored.length) parts.push(`${percent(infected / scored.length)} parasitized`);
  if (failed) parts.push(`${failed} file${failed === 1 ? "" : "s"} not scored`);
  if (pending > 0) parts.push(`${pending} waiting`);
  $("summary-detail").textContent = parts.join(" · ");
  $("download-csv").disabled = rows.length === 0;
}

function csvCell(value) {
  const text = value == null ? "" : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function downloadCsv() {
  const header = ["file", "label", "confidence", "p_parasitized", "model", "model_version", "operating_point", "threshold", "views", "warnings", "error"];
  const lines = [header.join(",")];
  for (const r of state.rows.filter(Boolean)) {
    lines.push([
      r.file, r.label, r.confidence != null ? r.confidence.toFixed(4) : "", r.probabilityParasitized != null ? r.probabilityParasitized.toFixed(4) : "",
      r.model, r.modelVersion, r.operatingPoint, r.threshold != null ? r.threshold.toFixed(4) : "", r.views, (r.warnings || []).map(w => w.code).join(" "), r.error ? `${r.error.title}: ${r.error.detail || ""}` : "",
    ].map(csvCell).join(","));
  }
  const blob = new Blob([lines.join("\r\n") + "\r\n"], { type: "text/csv" });
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = "malaria-results.csv";
  document.body.append(link);
  link.click();
  link.remove();
}

function take(fileList) {
  state.files = Array.from(fileList);
  score(state.files);
}

input.addEventListener("change", () => { take(input.files); input.value = ""; });
modelSelect.addEventListener("change", () => { describeModel(); describePoints(); describeViews(true); if (state.files.length) score(state.files); });
viewsSelect.addEventListener("change", () => { describeViews(false); if (state.files.length) score(state.files); });
pointSelect.addEventListener("change", () => { describePoint(); if (state.files.length) score(state.files); });
dropzone.addEventListener("click", (e) => { if (e.target === dropzone || !e.target.closest("label")) input.click(); });
dropzone.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); input.click(); } });
dropzone.addEventListener("dragover", (e) => { e.preventDefault(); dropzone.classList.add("dragging"); });
dropzone.addEventListener("dragleave", () => dropzone.classList.remove("dragging"));
dropzone.addEventListener("drop", (e) => {
  e.preventDefault();
  dropzone.classList.remove("dragging");
  if (e.dataTransfer && e.dataTransfer.files.length) take(e.dataTransfer.files);
});
$("download-csv").addEventListener("click", downloadCsv);
$("clear").addEventListener("click", () => { state.files = []; score([]); });

loadModels();
