// Selection: what is selected (span or text, by mouse and keyboard), moving, resizing and labelling it.

import { nextWordEnd, nextWordStart, pointToOffset, previousWordEnd, previousWordStart, snapToWords, trimSpace } from "./offsets.js";
import { cpBody, doc, index, sortedAnns, state, text } from "./state.js";
import { markSelected, renderRange, scrollToOffset, showPending } from "./view.js";
import { updateHint } from "./help.js";
import { showPanel } from "./panel.js";
import { scheduleLists } from "./lists.js";
import { createAnnotation, patchAnnotation } from "./saving.js";
import { cancelLink, finishLink } from "./links.js";
import { focusSuggestion, removeSuggestion } from "./suggestions.js";

export function select(id, scroll = false) {
  state.selected = id;
  state.pending = null;
  if (state.focusedSuggestion && id) state.focusedSuggestion = null;
  markSelected();
  if (id && scroll) scrollToOffset(state.anns.get(id).s);
  showPanel();
  scheduleLists();
  updateHint();
}

// Esc: nothing selected, no pending text, no link mode.
export function clearAll() {
  state.pending = null;
  state.selected = null;
  state.focusedSuggestion = null;
  cancelLink();
  window.getSelection().removeAllRanges();
  markSelected();
  showPanel();
  updateHint();
}

export function neighbourOf(ann, direction) {
  const list = sortedAnns();
  const i = list.indexOf(ann);
  if (i === -1) {
    if (direction > 0) return list.find((x) => x.s > ann.s || (x.s === ann.s && x.e > ann.e)) || null;
    return [...list].reverse().find((x) => x.s < ann.s) || null;
  }
  return list[i + direction] || null;
}

export function move(direction) {
  const list = sortedAnns();
  if (!list.length) return;
  const current = state.anns.get(state.selected);
  let next;
  if (current) next = neighbourOf(current, direction);
  else if (state.pending) next = direction > 0 ? list.find((x) => x.s >= state.pending.s) : [...list].reverse().find((x) => x.s < state.pending.s);
  else next = direction > 0 ? list[0] : list[list.length - 1];
  if (next) select(next.id, true);
}

// A label key or palette button: label the selected text, or relabel the selected span.
export function labelKey(labelId) {
  const range = currentRange();
  if (range) {
    const label = state.labels.get(labelId);
    const extra = {};
    const sg = [...state.suggestions.values()].find((x) => x.s === range.s && x.e === range.e);
    if (sg && label.kind === "actor") extra.actors = [sg.actor];
    if (sg && label.kind === "actor") removeSuggestion(sg.key);
    createAnnotation(labelId, range.s, range.e, extra).catch(() => {});
    return;
  }
  const ann = state.anns.get(state.selected);
  if (ann && ann.label !== labelId) {
    ann.label = labelId;
    renderRange(ann.s, ann.e);
    patchAnnotation(ann, { label: labelId }, { rerender: true }).then(() => showPanel(), () => {});
  }
}

// The text range to label: the keyboard/mouse pending range, or the browser's selection inside the text.
function currentRange() {
  if (state.pending) return state.pending;
  return rangeFromSelection();
}

function rangeFromSelection() {
  const selection = window.getSelection();
  if (!selection.rangeCount || selection.isCollapsed) return null;
  const range = selection.getRangeAt(0);
  if (!doc.contains(range.commonAncestorContainer) && range.commonAncestorContainer !== doc) return null;
  let s = pointToOffset(doc, range.startContainer, range.startOffset);
  let e = pointToOffset(doc, range.endContainer, range.endOffset);
  if (s === null || e === null) return null;
  if (s > e) [s, e] = [e, s];
  s = index.align(s, false);
  e = index.align(e, true);
  [s, e] = state.snap ? snapToWords(text, s, e) : trimSpace(text, s, e);
  if (s >= e) return null;
  return { s, e };
}

// Move the selected span's start or end by a word (or a character without snapping), and save it.
export function adjust(which, direction) {
  const ann = state.anns.get(state.selected);
  if (!ann || typeof ann.id !== "number") return;
  let { s, e } = ann;
  const step = state.snap;
  if (which === "end") {
    e = direction > 0 ? (step ? nextWordEnd(text, e) : index.align(e + 1, true)) : (step ? previousWordEnd(text, e) : index.align(e - 1, false));
    if (e <= s) return;
  } else {
    s = direction > 0 ? (step ? nextWordStart(text, s) : index.align(s + 1, true)) : (step ? previousWordStart(text, s) : index.align(s - 1, false));
    if (s >= e || s < 0) return;
  }
  if (s === ann.s && e === ann.e) return;
  const old = { s: ann.s, e: ann.e };
  Object.assign(ann, { s, e, quote: text.slice(s, e), start: index.toCp(s), end: index.toCp(e) });
  renderRange(Math.min(old.s, s), Math.max(old.e, e));
  showPanel();
  patchAnnotation(ann, cpBody(s, e)).catch(() => {});
}

// ← → select the next / previous word; with Shift, extend or shrink the pending selection.
export function wordCursor(direction, extend) {
  const base = state.pending || (state.selected && state.anns.get(state.selected)) || null;
  let s;
  let e;
  if (!base) {
    const anchor = state.caret ?? 0;
    s = direction > 0 ? nextWordStart(text, Math.max(0, anchor - 1) === 0 && anchor === 0 ? 0 : anchor) : previousWordStart(text, anchor);
    if (direction > 0 && anchor === 0) s = /[\p{L}\p{N}\p{M}]/u.test(text[0] || "") ? 0 : nextWordStart(text, 0);
    e = nextWordEnd(text, s);
  } else if (extend) {
    s = base.s;
    e = direction > 0 ? nextWordEnd(text, base.e) : previousWordEnd(text, base.e);
    if (e <= s) e = nextWordEnd(text, s);
  } else {
    s = direction > 0 ? nextWordStart(text, base.e) : previousWordStart(text, base.s);
    e = nextWordEnd(text, s);
  }
  if (s >= e) return;
  state.selected = null;
  state.focusedSuggestion = null;
  state.pending = { s, e };
  state.caret = e;
  markSelected();
  showPanel();
  showPending();
}

function onMouseUp(event) {
  if (event.button !== 0) return;
  const range = rangeFromSelection();
  if (!doc.contains(event.target) && !range) return;
  if (range) {
    state.pending = range;
    state.selected = null;
    state.focusedSuggestion = null;
    state.caret = range.e;
    markSelected();
    showPanel();
    showPending();
    return;
  }
  const selection = window.getSelection();
  if (selection.rangeCount && selection.isCollapsed) {
    state.caret = pointToOffset(doc, selection.anchorNode, selection.anchorOffset) ?? state.caret;
  }
  const seg = event.target.closest(".ann, .sugg");
  if (seg && seg.dataset.ids) {
    const ids = seg.dataset.ids.split(" ");
    const raw = ids[ids.length - 1]; // innermost
    const id = /^\d+$/.test(raw) ? Number(raw) : raw;
    if (state.linkFrom) finishLink(id);
    else select(id);
  } else if (seg && seg.dataset.sugg) {
    focusSuggestion(seg.dataset.sugg);
  } else {
    state.pending = null;
    if (state.selected || state.focusedSuggestion) {
      state.selected = null;
      state.focusedSuggestion = null;
      markSelected();
      showPanel();
    }
    updateHint();
  }
}

export function initSelection() {
  // On the document, not the text: a drag may end beyond the text's edge.
  document.addEventListener("mouseup", onMouseUp);
}
