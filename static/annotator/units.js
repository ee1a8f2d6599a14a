// Curation units: the coders' spans grouped into runs of overlapping spans, each classed agreed / boundary / label /
// only; computed when the module loads (before the first render), so the text shows the disagreements at once.

import { data, index, state } from "./state.js";

const curation = data.curation || { coders: [], spans: [] };
export const coders = curation.coders;

// Group spans (sorted by start) into units: a span joins the unit while it starts before the unit's end.
export function buildUnits(spans, coderIds) {
  const sorted = spans.slice().sort((a, b) => a.start - b.start || a.end - b.end);
  const units = [];
  let unit = null;
  for (const span of sorted) {
    if (!unit || span.start >= unit.end) {
      unit = { start: span.start, end: span.end, byCoder: new Map(), kind: "agreed" };
      units.push(unit);
    }
    unit.end = Math.max(unit.end, span.end);
    if (!unit.byCoder.has(span.annotator)) unit.byCoder.set(span.annotator, []);
    unit.byCoder.get(span.annotator).push(span);
  }
  for (const u of units) u.kind = classify(u, coderIds);
  return units;
}

// label: the coders present used different labels here; boundary: same labels, other extents; only: the coders
// present agree but not every coder marked something here; agreed: every coder made exactly the same spans.
export function classify(unit, coderIds) {
  const present = [...unit.byCoder.values()];
  const labelsOf = (spans) => [...new Set(spans.map((s) => s.label))].sort().join(",");
  const spansOf = (spans) => spans.map((s) => `${s.label}:${s.start}:${s.end}`).sort().join(" ");
  if (new Set(present.map(labelsOf)).size > 1) return "label";
  if (new Set(present.map(spansOf)).size > 1) return "boundary";
  if (present.length < coderIds.length) return "only";
  return "agreed";
}

for (const span of curation.spans) {
  span.s = index.toU16(span.start);
  span.e = index.toU16(span.end);
}
export const units = buildUnits(curation.spans, coders.map((c) => c.id));
for (const unit of units) {
  unit.s = index.toU16(unit.start);
  unit.e = index.toU16(unit.end);
}
// The disagreements are marked in the text itself too (classes only; the legend is in the page).
state.marks = units.filter((u) => u.kind !== "agreed").map((u) => ({ s: u.s, e: u.e, cls: `unit-${u.kind}` }));
