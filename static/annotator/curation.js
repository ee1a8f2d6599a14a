// Curation: the lanes (every coder's spans side by side with gold), moving between disagreements (j/k), taking a
// coder's version into gold (1-9) and rejecting (x); gold spans are then edited with the workspace's own keys.

import { units, coders } from "./units.js";
import "./workspace.js";
import { annotationsChanged, api, data, labelOf, state, withOffsets } from "./state.js";
import { renderRange, scrollToOffset, showPending } from "./view.js";
import { select } from "./selection.js";
import { track } from "./saving.js";
import { scheduleLists } from "./lists.js";
import { toast } from "./toast.js";
import { help } from "./help.js";

const table = document.getElementById("lanes-table");
const actors = state.actors;
let current = -1;

function chip(span, cls = "") {
  const el = document.createElement("span");
  const label = labelOf(span);
  el.className = `chip ${cls}`.trim();
  el.style.setProperty("--c", label.colour);
  el.dataset.id = span.id;
  const names = (span.actors || []).map((id) => (actors.get(id) || {}).name).filter(Boolean);
  el.textContent = `${label.name} “${span.quote.length > 60 ? `${span.quote.slice(0, 57)}…` : span.quote}”`;
  el.title = `${span.start}–${span.end}${names.length ? ` · ${names.join(", ")}` : ""}${span.status ? ` · ${span.status}` : ""}`;
  if (span.status === "rejected") el.classList.add("rejected");
  return el;
}

function goldIn(unit) {
  const found = [];
  for (const ann of state.anns.values()) if (ann.s < unit.e && ann.e > unit.s) found.push(ann);
  return found.sort((a, b) => a.s - b.s);
}

function fillGold(row, unit) {
  const spans = goldIn(unit);
  row.lastElementChild.replaceChildren(...spans.map((g) => chip(g, "gold")));
  row.classList.toggle("in-gold", spans.length > 0);
}

function buildRow(unit, i) {
  const row = document.createElement("tr");
  row.className = `unit ${unit.kind}`;
  row.dataset.unit = i;
  const th = document.createElement("th");
  th.textContent = String(i + 1);
  row.appendChild(th);
  for (const coder of coders) {
    const cell = document.createElement("td");
    for (const span of unit.byCoder.get(coder.id) || []) cell.appendChild(chip(span));
    row.appendChild(cell);
  }
  row.appendChild(document.createElement("td"));
  fillGold(row, unit);
  return row;
}

function buildTable() {
  const head = document.createElement("tr");
  for (const name of ["#", ...coders.map((c, i) => `${i + 1} · ${c.name}`), "Gold"]) {
    const th = document.createElement("th");
    th.textContent = name;
    head.appendChild(th);
  }
  table.tHead.replaceChildren(head);
  const fragment = document.createDocumentFragment();
  units.forEach((unit, i) => fragment.appendChild(buildRow(unit, i)));
  table.tBodies[0].replaceChildren(fragment);
  const open = units.filter((u) => u.kind !== "agreed").length;
  document.getElementById("unit-count").textContent = `${units.length} places, ${open} disagreements`;
}

const rowOf = (i) => table.tBodies[0].children[i];

// Make a unit current: its row, its place in the text, and its gold span selected (or its extent, to label).
function goTo(i) {
  if (i < 0 || i >= units.length) return;
  if (current >= 0) rowOf(current).classList.remove("current");
  current = i;
  const unit = units[i];
  const row = rowOf(i);
  row.classList.add("current");
  row.scrollIntoView({ block: "nearest" });
  const gold = goldIn(unit);
  if (gold.length) {
    select(gold[0].id, true);
  } else {
    select(null);
    state.pending = { s: unit.s, e: unit.e };
    showPending();
    scrollToOffset(unit.s);
  }
}

function step(direction) {
  for (let i = current + direction; i >= 0 && i < units.length; i += direction) {
    if (units[i].kind !== "agreed") return goTo(i);
  }
  toast(direction > 0 ? "No further disagreement." : "No earlier disagreement.");
}

function refresh(unit) {
  annotationsChanged();
  renderRange(unit.s, unit.e);
  fillGold(rowOf(current), unit);
  scheduleLists();
}

// Take coder n's spans of the current unit into gold (the server replaces overlapping gold spans of that label).
async function take(n) {
  const unit = units[current];
  const coder = coders[n - 1];
  if (!unit || !coder) return;
  const spans = unit.byCoder.get(coder.id) || [];
  if (!spans.length) {
    toast(`${coder.name} has no span here.`);
    return;
  }
  let last = null;
  for (const span of spans) {
    try {
      const saved = await track(api.post(`/api/projects/${data.project.id}/gold/`, { annotation: span.id }));
      for (const g of [...state.anns.values()]) {
        if (g.label === saved.label && g.start < saved.end && g.end > saved.start) state.anns.delete(g.id);
      }
      last = withOffsets(saved);
      state.anns.set(saved.id, last);
      span.status = "accepted";
    } catch (error) {
      toast(`Not taken: ${error.message}`, { kind: "error" });
    }
  }
  refresh(unit);
  if (last) {
    select(last.id);
    toast(`Took ${coder.name}'s version into gold.`);
  }
}

// Reject: gold keeps nothing in this unit, and every coder's span here becomes rejected.
async function reject() {
  const unit = units[current];
  if (!unit) return;
  const writes = goldIn(unit).map((g) => {
    state.anns.delete(g.id);
    return api.del(`/api/annotations/${g.id}/`);
  });
  for (const spans of unit.byCoder.values()) {
    for (const span of spans) {
      span.status = "rejected";
      writes.push(api.patch(`/api/annotations/${span.id}/`, { status: "rejected" }));
    }
  }
  select(null);
  try {
    await track(Promise.all(writes));
    toast("Rejected: gold keeps nothing here.");
  } catch (error) {
    toast(`Not all rejected: ${error.message}`, { kind: "error" });
  }
  refresh(unit);
  rowOf(current).replaceWith(buildRow(unit, current));
  rowOf(current).classList.add("current");
}

function onKey(event) {
  const target = event.target;
  if (target instanceof Element && target.closest("input, select, textarea, [contenteditable='true']")) return;
  if (help.open || event.ctrlKey || event.metaKey || event.altKey) return;
  const key = event.key;
  let run = null;
  if (key === "j") run = () => step(1);
  else if (key === "k") run = () => step(-1);
  else if (/^[1-9]$/.test(key) && Number(key) <= coders.length) run = () => take(Number(key));
  else if (key === "x" && current >= 0) run = reject;
  if (!run) return;
  event.preventDefault();
  event.stopPropagation(); // before the workspace's own keys (x rejects a suggestion there)
  run();
}

// #span-<start>-<end> (code points), as the Agreement page links: the unit holding that span becomes current.
function fromHash() {
  const match = /^#span-(\d+)-(\d+)$/.exec(window.location.hash);
  if (!match) return false;
  const [start, end] = [Number(match[1]), Number(match[2])];
  const i = units.findIndex((u) => u.start <= start && u.end >= end);
  if (i === -1) return false;
  goTo(i);
  const exact = goldIn(units[i]).find((g) => g.start === start && g.end === end);
  if (exact) select(exact.id, true);
  return true;
}

table.tBodies[0].addEventListener("click", (event) => {
  const row = event.target.closest("tr.unit");
  if (row) goTo(Number(row.dataset.unit));
});
window.addEventListener("keydown", onKey, true);
// A gold span moved, relabelled or deleted with the workspace's keys: the current unit's gold cell follows.
document.addEventListener("spans-listed", () => current >= 0 && fillGold(rowOf(current), units[current]));
window.addEventListener("hashchange", fromHash);
buildTable();
fromHash();
document.getElementById("lanes").dataset.ready = "true";
window.__curationReady = performance.now();
