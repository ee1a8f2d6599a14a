// Saving: every span write (create, patch, delete, undo), the write queue, the status badge and Submit.
// Writes show at once and roll back with the server's message when refused; the write queue is what
// "Saving…" / "All changes saved" reports.

import { annotationsChanged, api, cpBody, data, labelOf, state, withOffsets } from "./state.js";
import { renameSpan, renderRange } from "./view.js";
import { updateHint } from "./help.js";
import { showPanel } from "./panel.js";
import { scheduleLists } from "./lists.js";
import { neighbourOf, select } from "./selection.js";
import { toast } from "./toast.js";
import { showScore } from "./score.js";

// --- the write queue ----------------------------------------------------------------------------------------

const saveState = document.getElementById("save-state");
let inflight = 0;

// Count a request as in flight until it settles; the save-state line says whether anything is unsaved.
export function track(promise) {
  inflight++;
  saveState.textContent = "Saving…";
  const done = () => {
    inflight--;
    if (!inflight) saveState.textContent = "All changes saved";
  };
  promise.then(done, done);
  return promise;
}

// --- spans --------------------------------------------------------------------------------------------------

// A reviewer looking at other coders' spans (?coder=) reads them here; the workspace writes nothing then.
function readOnly() {
  if (!data.readonly) return false;
  toast(`Read-only: these are ${data.coder.label}. Choose “Your spans” to code.`, { kind: "error" });
  return true;
}

// On the curation screen the spans written are the gold layer's (the server checks that the user curates).
const layer = data.layer ? { layer: data.layer } : {};

export function createAnnotation(labelId, s, e, extra = {}) {
  if (readOnly()) return Promise.reject(new Error("read-only"));
  const label = state.labels.get(labelId);
  const temp = `tmp-${++state.tempSeq}`;
  const body = { project: data.project.id, article: data.article.id, label: labelId, ...cpBody(s, e), ...layer, ...extra };
  const ann = withOffsets({
    id: temp,
    label: labelId,
    start: body.start,
    end: body.end,
    quote: body.quote,
    status: "draft",
    note: "",
    actors: extra.actors || [],
    attributes: {},
    source: label.kind === "source" ? { kind: "", anonymity: "", cue: "", channel: "" } : null,
    claim: null,
    saving: true,
  });
  // The request leaves first, so the server works while the browser paints the new span.
  const started = performance.now();
  const request = api.post("/api/annotations/", body);
  state.anns.set(temp, ann);
  annotationsChanged();
  state.pending = null;
  window.getSelection().removeAllRanges();
  state.selected = temp;
  renderRange(ann.s, ann.e);
  // The new span is painted first; the details panel follows in the next frame.
  requestAnimationFrame(() => setTimeout(() => state.selected === temp && showPanel(), 0));
  updateHint();
  return track(
    request.then(
      (saved) => {
        const fresh = withOffsets(saved);
        state.anns.delete(temp);
        state.anns.set(saved.id, fresh);
        annotationsChanged();
        const wasSelected = state.selected === temp;
        if (wasSelected) state.selected = saved.id;
        window.__lastSave = performance.now() - started;
        // The span on screen already looks right: it only takes its real id (attributes, no layout). It is
        // rebuilt only if the server moved it or its label changed meanwhile.
        if (fresh.s === ann.s && fresh.e === ann.e && fresh.label === ann.label) renameSpan(temp, saved.id, ann.s, ann.e);
        else renderRange(Math.min(ann.s, fresh.s), Math.max(ann.e, fresh.e));
        markStatus("in_progress");
        // "All changes saved" is painted first; the full details panel follows.
        if (wasSelected) requestAnimationFrame(() => setTimeout(() => state.selected === saved.id && showPanel(), 0)); // never under the feet of someone editing another span
        scheduleLists();
        return saved;
      },
      (error) => {
        state.anns.delete(temp);
        annotationsChanged();
        if (state.selected === temp) {
          state.selected = null;
          showPanel();
        }
        renderRange(ann.s, ann.e);
        scheduleLists();
        toast(`Not saved: ${error.message}`, { kind: "error" });
        throw error;
      },
    ),
  );
}

// Writes of one span leave one after the other, each with If-Match: the version of the span as the server last
// answered it (the panel's copy may be older, and may already show the optimistic change).
const patchQueues = new Map();

export function patchAnnotation(ann, body, options = {}) {
  if (readOnly()) return Promise.reject(new Error("read-only"));
  if (typeof ann.id !== "number") return Promise.reject(new Error("still saving"));
  const before = structuredClone(ann);
  const previous = patchQueues.get(ann.id) || Promise.resolve();
  const next = previous.then(
    () => sendPatch(before, body, options),
    () => sendPatch(before, body, options),
  );
  patchQueues.set(ann.id, next);
  const forget = () => patchQueues.get(ann.id) === next && patchQueues.delete(ann.id);
  next.then(forget, forget);
  return track(next);
}

function sendPatch(before, body, { rerender = false } = {}) {
  const held = state.anns.get(before.id);
  const version = held && held.version !== undefined ? held.version : before.version;
  return (
    api.patch(`/api/annotations/${before.id}/`, body, version).then(
      (saved) => {
        const fresh = withOffsets(saved);
        state.anns.set(saved.id, fresh);
        annotationsChanged();
        if (rerender || before.s !== fresh.s || before.e !== fresh.e || before.label !== fresh.label) {
          renderRange(Math.min(before.s, fresh.s), Math.max(before.e, fresh.e));
        }
        scheduleLists();
        if (saved.notice) toast(saved.notice);
        return fresh;
      },
      (error) => {
        if (error.status === 412 && error.body && error.body.id === before.id) {
          conflict(before, body, withOffsets(error.body));
          throw error;
        }
        state.anns.set(before.id, before);
        annotationsChanged();
        renderRange(before.s, before.e);
        showPanel();
        toast(`Not saved: ${error.message}`, { kind: "error" });
        throw error;
      },
    )
  );
}

const SHOWN_FIELDS = ["label", "start", "end", "status", "note", "actors", "source", "claim", "attributes"];

// Someone else changed the span since the workspace read it: show their version (the server's) and what differs,
// and offer to apply this change again on top of it.
function conflict(before, body, current) {
  state.anns.set(current.id, current);
  annotationsChanged();
  renderRange(Math.min(before.s, current.s), Math.max(before.e, current.e));
  if (state.selected === current.id) showPanel();
  scheduleLists();
  const differs = SHOWN_FIELDS.filter((key) => JSON.stringify(before[key]) !== JSON.stringify(current[key]) && !(key in body));
  const theirs = differs.map((key) => `${key}: ${describe(current[key])}`).join("; ");
  const who = current.reviewed_by && current.status !== before.status ? "A reviewer" : "Someone else";
  toast(`${who} changed this span meanwhile${theirs ? ` (${theirs})` : ""}. Your change (${Object.keys(body).join(", ")}) was not saved.`, {
    kind: "error",
    action: { label: "Apply mine again", run: () => patchAnnotation(state.anns.get(current.id), body, { rerender: true }).then(() => showPanel(), () => {}) },
  });
}

function describe(value) {
  if (value === null || value === undefined || value === "") return "—";
  const shown = typeof value === "object" ? JSON.stringify(value) : String(value);
  return shown.length > 60 ? `${shown.slice(0, 57)}…` : shown;
}

export function deleteSelected() {
  if (readOnly()) return;
  const ann = state.anns.get(state.selected);
  if (!ann || typeof ann.id !== "number") return;
  const relations = [...state.relations.values()].filter((r) => r.source === ann.id || r.target === ann.id);
  const neighbour = neighbourOf(ann, 1) || neighbourOf(ann, -1);
  state.anns.delete(ann.id);
  relations.forEach((r) => state.relations.delete(r.id));
  annotationsChanged();
  state.selected = null;
  renderRange(ann.s, ann.e);
  showPanel();
  scheduleLists();
  track(
    api.del(`/api/annotations/${ann.id}/`, ann.version).then(
      () => {
        state.undo.push({ ann, relations });
        for (const other of state.anns.values()) {
          if (other.claim && other.claim.source_annotation === ann.id) other.claim.source_annotation = null;
          if (other.claim && other.claim.claimant_mention === ann.id) other.claim.claimant_mention = null;
        }
        toast(`Deleted ${labelOf(ann).name} “${ann.quote.slice(0, 40)}”.`, { action: { label: "Undo (u)", run: undoDelete } });
        if (neighbour) select(neighbour.id);
      },
      (error) => {
        state.anns.set(ann.id, ann);
        relations.forEach((r) => state.relations.set(r.id, r));
        annotationsChanged();
        renderRange(ann.s, ann.e);
        scheduleLists();
        toast(`Not deleted: ${error.message}`, { kind: "error" });
      },
    ),
  );
}

export function undoDelete() {
  if (readOnly()) return;
  const entry = state.undo.pop();
  if (!entry) {
    toast("Nothing to undo.");
    return;
  }
  const { ann, relations } = entry;
  const extra = { note: ann.note || "", actors: ann.actors || [] };
  if (ann.source) extra.source = ann.source;
  if (ann.claim) {
    const claim = { ...ann.claim };
    for (const key of ["source_annotation", "claimant_mention"]) if (claim[key] && !state.anns.has(claim[key])) claim[key] = null;
    extra.claim = claim;
  }
  createAnnotation(ann.label, ann.s, ann.e, extra).then((saved) => {
    toast("Restored.");
    for (const r of relations) {
      const source = r.source === ann.id ? saved.id : r.source;
      const target = r.target === ann.id ? saved.id : r.target;
      if (state.anns.has(source) && state.anns.has(target)) {
        api.post("/api/relations/", { source, target, kind: r.kind, note: r.note || "" }).then((rel) => {
          state.relations.set(rel.id, rel);
          if (state.selected === saved.id) showPanel();
        });
      }
    }
  }, () => state.undo.push(entry));
}

// Many spans at once (accepting all suggestions): three requests in flight; the caller re-renders once.
// Returns the items the server refused.
export async function createMany(labelId, items, extraOf) {
  if (readOnly()) return [];
  const body = (item) => ({ project: data.project.id, article: data.article.id, label: labelId, ...cpBody(item.s, item.e), ...layer, ...extraOf(item) });
  const refused = [];
  const queue = items.slice();
  const worker = async () => {
    while (queue.length) {
      const item = queue.shift();
      try {
        const saved = await api.post("/api/annotations/", body(item));
        state.anns.set(saved.id, withOffsets(saved));
      } catch (error) {
        refused.push(item);
      }
    }
  };
  await track(Promise.all([worker(), worker(), worker()]));
  annotationsChanged();
  return refused;
}

// --- the article's status -----------------------------------------------------------------------------------

let statusShown = null;
export function markStatus(status) {
  if (state.status === "submitted" && status === "in_progress") return;
  state.status = status;
  if (status === statusShown) return; // unchanged: leave the badge alone (no style or layout work)
  statusShown = status;
  const badge = document.getElementById("status-badge");
  badge.className = `badge status-${status}`;
  badge.textContent = { not_started: "Not started", in_progress: "In progress", submitted: "Submitted" }[status];
  document.getElementById("submit").disabled = status === "submitted";
}

export function submit() {
  if (readOnly()) return;
  if (!window.confirm("Submit your coding of this article? Your draft spans become submitted.")) return;
  track(api.post(`/api/articles/${data.article.id}/submit/`, { project: data.project.id })).then(
    () => {
      markStatus("submitted");
      for (const ann of state.anns.values()) if (ann.status === "draft") ann.status = "submitted";
      toast("Submitted. Thank you!");
      if (data.training) showScore();
    },
    (error) => toast(`Not submitted: ${error.message}`, { kind: "error" }),
  );
}
