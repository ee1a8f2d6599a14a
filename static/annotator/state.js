// Shared workspace state: the page's data, the API client, the text with its offset index, and `state`.
// `state` is the one mutable object the other modules read and change. Offsets: the server speaks code
// points, the DOM UTF-16 units; every annotation carries both (start/end and s/e).

import { makeApi } from "./api.js";
import { OffsetIndex } from "./offsets.js";
import { splitParagraphs } from "./render.js";

export const data = JSON.parse(document.getElementById("workspace-data").textContent);
export const api = makeApi(data.csrf);
export const text = data.article.text;
export const index = new OffsetIndex(text);
export const doc = document.getElementById("doc");

export const state = {
  labels: new Map(data.labels.map((l) => [l.id, l])),
  anns: new Map(),
  sorted: [], // annotations sorted by (s, e), rebuilt lazily
  relations: new Map(data.relations.map((r) => [r.id, r])),
  actors: new Map(data.actors.map((a) => [a.id, a])),
  suggestions: new Map(),
  marks: [], // {s, e, cls} UTF-16: differences from the reference shown after a training submission
  paragraphs: splitParagraphs(text),
  selected: null,
  pending: null, // {s, e} UTF-16: text selected, not yet labelled
  caret: undefined, // UTF-16 offset the arrow keys start from (set by a click or a keyboard selection)
  focusedSuggestion: null,
  snap: localStorage.getItem("na-snap") !== "off",
  undo: [],
  linkFrom: null,
  status: data.status,
  tempSeq: 0,
};

export function withOffsets(ann) {
  ann.s = index.toU16(ann.start);
  ann.e = index.toU16(ann.end);
  return ann;
}

for (const ann of data.annotations) state.anns.set(ann.id, withOffsets(ann));
data.suggestions.forEach((sg, i) => {
  sg.key = `g${i}`;
  sg.s = index.toU16(sg.start);
  sg.e = index.toU16(sg.end);
  state.suggestions.set(sg.key, sg);
});

let sortedDirty = true;

// Call after adding, removing or moving annotations: the sorted list is rebuilt on its next use.
export function annotationsChanged() {
  sortedDirty = true;
}

export function sortedAnns() {
  if (sortedDirty) {
    state.sorted = [...state.anns.values()].sort((a, b) => a.s - b.s || a.e - b.e);
    sortedDirty = false;
  }
  return state.sorted;
}

export const labelOf = (ann) => state.labels.get(ann.label) || { name: "?", colour: "#888888", kind: "custom" };

export function choiceText(group, value) {
  const found = (data.choices[group] || []).find(([v]) => v === value);
  return found ? found[1] : value;
}

// The API body for a UTF-16 range: code-point offsets and the quote.
export function cpBody(s, e) {
  return { start: index.toCp(s), end: index.toCp(e), quote: text.slice(s, e) };
}

// Suggestions in reading order.
export function suggestionsInOrder() {
  return [...state.suggestions.values()].sort((a, b) => a.s - b.s);
}
