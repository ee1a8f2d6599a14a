// The article on screen: paragraphs (re)built from the state, selected/linked/focused marks, scrolling.
// A keyboard selection is shown as the browser's own selection.

import { buildParagraph, paragraphAt } from "./render.js";
import { doc, labelOf, state, text } from "./state.js";
import { updateHint } from "./help.js";

function itemsFor(paragraph, pool) {
  const out = [];
  for (const item of pool) if (item.s < paragraph.e && item.e > paragraph.s) out.push(item);
  return out;
}

function spanItem(ann) {
  return { id: ann.id, s: ann.s, e: ann.e, colour: labelOf(ann).colour };
}

export function renderAll() {
  // One sweep: bucket spans and suggestions by paragraph, then build every paragraph once.
  const buckets = state.paragraphs.map(() => ({ spans: [], hints: [], marks: [] }));
  const place = (item, key) => {
    for (let p = paragraphAt(state.paragraphs, item.s); p < state.paragraphs.length; p++) {
      const para = state.paragraphs[p];
      if (para.s >= item.e) break;
      if (para.e > item.s) buckets[p][key].push(item);
    }
  };
  for (const ann of state.anns.values()) place(spanItem(ann), "spans");
  for (const sg of state.suggestions.values()) place(sg, "hints");
  for (const mark of state.marks) place(mark, "marks");
  const fragment = document.createDocumentFragment();
  state.paragraphs.forEach((para, p) => {
    para.el = buildParagraph(text, para, buckets[p].spans, buckets[p].hints, buckets[p].marks);
    fragment.appendChild(para.el);
  });
  doc.replaceChildren(fragment);
}

export function renderRange(s, e) {
  const first = paragraphAt(state.paragraphs, s);
  const anns = [...state.anns.values()];
  const hints = [...state.suggestions.values()];
  for (let p = first; p < state.paragraphs.length; p++) {
    const para = state.paragraphs[p];
    if (para.s >= e && p !== first) break;
    const built = buildParagraph(text, para, itemsFor(para, anns).map(spanItem), itemsFor(para, hints), itemsFor(para, state.marks));
    // The paragraph element stays (only its segments change): it keeps its content-visibility state and
    // remembered size, so the browser lays out this paragraph alone, in one pass, not a placeholder first.
    para.el.replaceChildren(...built.childNodes);
  }
  markSelected();
}

// The server gave a new span its id: the segments on screen already show it, only their ids change.
export function renameSpan(from, to, s, e) {
  forSegments(s, e, (seg) => {
    if (!seg.dataset.ids) return;
    const ids = seg.dataset.ids.split(" ");
    const i = ids.indexOf(String(from));
    if (i !== -1) {
      ids[i] = String(to);
      seg.dataset.ids = ids.join(" ");
    }
  });
}

export function markSelected() {
  doc.querySelectorAll(".selected, .focused, .related").forEach((el) => el.classList.remove("selected", "focused", "related"));
  const ann = state.anns.get(state.selected);
  if (ann) {
    forSegments(ann.s, ann.e, (seg) => {
      if (seg.dataset.ids && seg.dataset.ids.split(" ").includes(String(ann.id))) seg.classList.add("selected");
    });
    // The spans it is linked to (relations, claim source and claimant mention) are outlined too.
    const linked = new Set();
    for (const r of state.relations.values()) {
      if (r.source === ann.id) linked.add(r.target);
      if (r.target === ann.id) linked.add(r.source);
    }
    if (ann.claim) [ann.claim.source_annotation, ann.claim.claimant_mention].forEach((id) => id && linked.add(id));
    for (const id of linked) {
      const other = state.anns.get(id);
      if (!other) continue;
      forSegments(other.s, other.e, (seg) => {
        if (seg.dataset.ids && seg.dataset.ids.split(" ").includes(String(id))) seg.classList.add("related");
      });
    }
  }
  const sg = state.suggestions.get(state.focusedSuggestion);
  if (sg) forSegments(sg.s, sg.e, (seg) => seg.dataset.sugg === sg.key && seg.classList.add("focused"));
}

function forSegments(s, e, fn) {
  for (let p = paragraphAt(state.paragraphs, s); p < state.paragraphs.length; p++) {
    const para = state.paragraphs[p];
    if (para.s >= e) break;
    for (const seg of para.el.children) {
      const start = Number(seg.dataset.s);
      if (start < e && start + seg.textContent.length > s) fn(seg);
    }
  }
}

function firstSegment(s) {
  const para = state.paragraphs[paragraphAt(state.paragraphs, s)];
  if (!para || !para.el) return null;
  for (const seg of para.el.children) {
    if (Number(seg.dataset.s) + seg.textContent.length > s) return seg;
  }
  return para.el.lastElementChild;
}

export function scrollToOffset(s) {
  const seg = firstSegment(s);
  if (seg) seg.scrollIntoView({ block: "nearest" });
}

// UTF-16 offset -> DOM point, for showing a selection made with the keyboard.
function offsetToPoint(u, atEnd) {
  const para = state.paragraphs[paragraphAt(state.paragraphs, u)];
  let chosen = null;
  for (const seg of para.el.children) {
    const start = Number(seg.dataset.s);
    const end = start + seg.textContent.length;
    if (u >= start && (u < end || (atEnd && u === end))) {
      chosen = seg;
      break;
    }
  }
  if (!chosen) chosen = u < para.s ? para.el.firstElementChild : para.el.lastElementChild;
  const node = chosen.firstChild;
  const start = Number(chosen.dataset.s);
  return [node, Math.max(0, Math.min(node.length, u - start))];
}

export function showPending() {
  const selection = window.getSelection();
  selection.removeAllRanges();
  if (!state.pending) {
    updateHint();
    return;
  }
  const range = document.createRange();
  range.setStart(...offsetToPoint(state.pending.s, false));
  range.setEnd(...offsetToPoint(state.pending.e, true));
  selection.addRange(range);
  scrollToOffset(state.pending.e - 1);
  updateHint();
}
