// Training mode: after submitting, the coder's score against the gold coding and the differences marked in the text.
// The reference is never in the page before that: the server answers only for submitted articles.

import { api, data, index, state } from "./state.js";
import { renderAll } from "./view.js";
import { toast } from "./toast.js";

const KINDS = {
  missed: "in gold, not in yours",
  extra: "yours, not in gold",
  boundary: "other boundaries",
  label: "other label",
};

const percent = (x) => (x === null || x === undefined ? "–" : `${Math.round(x * 100)}%`);

function cell(row, value, tag = "td") {
  const el = document.createElement(tag);
  el.textContent = value;
  row.appendChild(el);
  return el;
}

function table(score) {
  const el = document.createElement("table");
  el.className = "score-table";
  const head = el.createTHead().insertRow();
  ["", "precision", "recall", "F1", "F1 overlap"].forEach((t) => cell(head, t, "th"));
  const body = el.createTBody();
  const rows = Object.entries(score.labels).filter(([, f]) => f.spans || f.reference_spans);
  rows.push(["All labels", score.overall]);
  for (const [name, f] of rows) {
    const row = body.insertRow();
    row.dataset.label = name;
    cell(row, name, "th");
    cell(row, percent(f.exact.precision));
    cell(row, percent(f.exact.recall));
    cell(row, percent(f.exact.f1)).className = "f1";
    cell(row, percent(f.overlap.f1));
  }
  return el;
}

function legend(differences) {
  const list = document.createElement("ul");
  list.className = "score-legend";
  for (const [kind, words] of Object.entries(KINDS)) {
    const count = differences.filter((d) => d.kind === kind).length;
    const item = document.createElement("li");
    const swatch = document.createElement("span");
    swatch.className = `diff-${kind} swatch`;
    swatch.textContent = kind;
    item.append(swatch, ` ${words}: ${count}`);
    list.appendChild(item);
  }
  return list;
}

export async function showScore() {
  const box = document.getElementById("score");
  let score;
  try {
    score = await api.get(`/api/projects/${data.project.id}/score/?article=${data.article.id}`);
  } catch (error) {
    toast(`No score: ${error.message}`, { kind: "error" });
    return;
  }
  if (!score.articles) {
    box.hidden = false;
    box.replaceChildren(Object.assign(document.createElement("p"), { textContent: "This article has no gold coding yet." }));
    return;
  }
  const title = document.createElement("h2");
  title.textContent = `Your score against gold: F1 ${percent(score.overall.exact.f1)}`;
  box.replaceChildren(title, table(score), legend(score.differences));
  box.hidden = false;
  box.dataset.ready = "true";
  state.marks = score.differences.map((d) => ({ s: index.toU16(d.start), e: index.toU16(d.end), cls: `diff-${d.kind}` }));
  renderAll();
}
