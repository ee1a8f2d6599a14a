// Registry suggestions (names of known actors found in the text): focusing, accepting, rejecting, accept all.

import { state, suggestionsInOrder, text } from "./state.js";
import { markSelected, renderAll, renderRange, scrollToOffset } from "./view.js";
import { setHint } from "./help.js";
import { showPanel } from "./panel.js";
import { scheduleLists } from "./lists.js";
import { createAnnotation, createMany, markStatus } from "./saving.js";
import { toast } from "./toast.js";

export function focusSuggestion(key, scroll = false) {
  state.focusedSuggestion = key;
  state.selected = null;
  state.pending = null;
  markSelected();
  const sg = state.suggestions.get(key);
  if (sg && scroll) scrollToOffset(sg.s);
  showPanel();
  scheduleLists();
  if (sg) setHint(`Suggestion: “${text.slice(sg.s, sg.e)}” → ${state.actors.get(sg.actor)?.name}. y accepts, x rejects, g next.`);
}

// g / G: the next / previous suggestion after the focused one, the selected span or the caret (wrapping).
export function stepSuggestion(direction) {
  const list = suggestionsInOrder();
  if (!list.length) return;
  const current = state.suggestions.get(state.focusedSuggestion);
  const from = current ? current.s : (state.anns.get(state.selected)?.s ?? state.caret ?? -1);
  const next = direction > 0 ? list.find((x) => x.s > from) || list[0] : [...list].reverse().find((x) => x.s < from) || list[list.length - 1];
  focusSuggestion(next.key, true);
}

export function removeSuggestion(key) {
  const sg = state.suggestions.get(key);
  if (!sg) return;
  state.suggestions.delete(key);
  if (state.focusedSuggestion === key) state.focusedSuggestion = null;
  renderRange(sg.s, sg.e);
  scheduleLists();
}

function nextSuggestionAfter(sg) {
  const list = suggestionsInOrder();
  return list.find((x) => x.s > sg.s) || list[0] || null;
}

function actorLabel() {
  return [...state.labels.values()].find((l) => l.kind === "actor");
}

export function acceptSuggestion(key) {
  const sg = state.suggestions.get(key);
  const label = actorLabel();
  if (!sg || !label) return Promise.resolve();
  const next = nextSuggestionAfter(sg);
  state.suggestions.delete(key);
  const promise = createAnnotation(label.id, sg.s, sg.e, { actors: [sg.actor] }).catch(() => {
    state.suggestions.set(key, sg);
    renderRange(sg.s, sg.e);
    scheduleLists();
  });
  if (next && next.key !== key) {
    state.focusedSuggestion = next.key;
    markSelected();
  }
  scheduleLists();
  return promise;
}

export function rejectSuggestion(key) {
  const sg = state.suggestions.get(key);
  if (!sg) return;
  const next = nextSuggestionAfter(sg);
  removeSuggestion(key);
  if (next && next.key !== key) focusSuggestion(next.key, true);
}

export async function acceptAll() {
  const label = actorLabel();
  if (!label || !state.suggestions.size) return;
  const all = [...state.suggestions.values()];
  state.suggestions.clear();
  state.focusedSuggestion = null;
  const refused = await createMany(label.id, all, (sg) => ({ actors: [sg.actor] }));
  for (const sg of refused) state.suggestions.set(sg.key, sg);
  const failed = refused.length;
  renderAll();
  markSelected();
  scheduleLists();
  markStatus("in_progress");
  toast(failed ? `${all.length - failed} accepted, ${failed} refused by the server.` : `${all.length} suggestions accepted.`, { kind: failed ? "error" : "info" });
}
