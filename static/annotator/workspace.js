// The annotation workspace: reading view, span creation and editing, suggestions, keyboard control.
// State lives here; the details panel is in panel.js. Offsets: the server speaks code points, the DOM
// UTF-16 units; every annotation carries both (start/end and s/e).

import { makeApi } from "./api.js";
import {
  OffsetIndex,
  nextWordEnd,
  nextWordStart,
  pointToOffset,
  previousWordEnd,
  previousWordStart,
  snapToWords,
  trimSpace,
} from "./offsets.js";
import { buildParagraph, paragraphAt, rgba, splitParagraphs } from "./render.js";
import { renderPanel } from "./panel.js";

const data = JSON.parse(document.getElementById("workspace-data").textContent);
const api = makeApi(data.csrf);
const text = data.article.text;
const index = new OffsetIndex(text);
const doc = document.getElementById("doc");

const state = {
  labels: new Map(data.labels.map((l) => [l.id, l])),
  anns: new Map(),
  sorted: [], // annotations sorted by (s, e), rebuilt lazily
  relations: new Map(data.relations.map((r) => [r.id, r])),
  actors: new Map(data.actors.map((a) => [a.id, a])),
  suggestions: new Map(),
  paragraphs: splitParagraphs(text),
  selected: null,
  pending: null, // {s, e} UTF-16: text selected, not yet labelled
  focusedSuggestion: null,
  snap: localStorage.getItem("na-snap") !== "off",
  undo: [],
  linkFrom: null,
  status: data.status,
  tempSeq: 0,
};

function withOffsets(ann) {
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
function sortedAnns() {
  if (sortedDirty) {
    state.sorted = [...state.anns.values()].sort((a, b) => a.s - b.s || a.e - b.e);
    sortedDirty = false;
  }
  return state.sorted;
}

const labelOf = (ann) => state.labels.get(ann.label) || { name: "?", colour: "#888888", kind: "custom" };

// --- rendering ------------------------------------------------------------------------------------------

function itemsFor(paragraph, pool) {
  const out = [];
  for (const item of pool) if (item.s < paragraph.e && item.e > paragraph.s) out.push(item);
  return out;
}

function spanItem(ann) {
  return { id: ann.id, s: ann.s, e: ann.e, colour: labelOf(ann).colour };
}

function renderAll() {
  // One sweep: bucket spans and suggestions by paragraph, then build every paragraph once.
  const buckets = state.paragraphs.map(() => ({ spans: [], hints: [] }));
  const place = (item, key) => {
    for (let p = paragraphAt(state.paragraphs, item.s); p < state.paragraphs.length; p++) {
      const para = state.paragraphs[p];
      if (para.s >= item.e) break;
      if (para.e > item.s) buckets[p][key].push(item);
    }
  };
  for (const ann of state.anns.values()) place(spanItem(ann), "spans");
  for (const sg of state.suggestions.values()) place(sg, "hints");
  const fragment = document.createDocumentFragment();
  state.paragraphs.forEach((para, p) => {
    para.el = buildParagraph(text, para, buckets[p].spans, buckets[p].hints);
    fragment.appendChild(para.el);
  });
  doc.replaceChildren(fragment);
}

function renderRange(s, e) {
  const first = paragraphAt(state.paragraphs, s);
  const anns = [...state.anns.values()];
  const hints = [...state.suggestions.values()];
  for (let p = first; p < state.paragraphs.length; p++) {
    const para = state.paragraphs[p];
    if (para.s >= e && p !== first) break;
    const built = buildParagraph(text, para, itemsFor(para, anns).map(spanItem), itemsFor(para, hints));
    // The paragraph element stays (only its segments change): it keeps its content-visibility state and
    // remembered size, so the browser lays out this paragraph alone, in one pass, not a placeholder first.
    para.el.replaceChildren(...built.childNodes);
  }
  markSelected();
}

// The server gave a new span its id: the segments on screen already show it, only their ids change.
function renameSpan(from, to, s, e) {
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

function markSelected() {
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

function scrollToOffset(s) {
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
      if (!(atEnd && u === end)) break;
      break;
    }
  }
  if (!chosen) chosen = u < para.s ? para.el.firstElementChild : para.el.lastElementChild;
  const node = chosen.firstChild;
  const start = Number(chosen.dataset.s);
  return [node, Math.max(0, Math.min(node.length, u - start))];
}

function showPending() {
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

// --- sidebar lists and status -----------------------------------------------------------------------------

const hint = document.getElementById("hint");
function updateHint() {
  if (state.linkFrom) {
    hint.textContent = "Link mode: click the target span (or move to it with ] and press Enter). Esc cancels.";
  } else if (state.pending) {
    const quote = text.slice(state.pending.s, state.pending.e);
    hint.textContent = `“${quote.length > 60 ? quote.slice(0, 60) + "…" : quote}” — press a label key or click a label.`;
  } else if (state.selected) {
    hint.textContent = "Shift+←/→ end · Ctrl+Shift+←/→ start · Del delete · ]/[ next/previous · Esc deselect";
  } else {
    hint.textContent = "Select text (mouse, or ← → to pick a word and Shift+→ to extend), then press a label key. ? for help.";
  }
}

// The side lists are rebuilt when the browser is idle, never between a key press and its paint.
let listsPending = false;
function scheduleLists() {
  if (listsPending) return;
  listsPending = true;
  const run = () => {
    listsPending = false;
    renderLists();
  };
  if (window.requestIdleCallback) requestIdleCallback(run, { timeout: 300 });
  else setTimeout(run, 50);
}

// Update a long list in place: rows are kept by key and rebuilt only when their content changed, so a
// new span costs one inserted row, not a rebuilt list of a thousand.
function patchList(ul, cache, items, keyOf, signatureOf, build) {
  const wanted = new Set();
  const rows = items.map((item) => {
    const key = keyOf(item);
    wanted.add(key);
    const signature = signatureOf(item);
    let entry = cache.get(key);
    if (!entry || entry.signature !== signature) {
      const row = build(item);
      if (entry) entry.row.replaceWith(row);
      entry = { row, signature };
      cache.set(key, entry);
    }
    return entry.row;
  });
  for (const [key, entry] of cache) {
    if (!wanted.has(key)) {
      entry.row.remove();
      cache.delete(key);
    }
  }
  let cursor = ul.firstChild;
  for (const row of rows) {
    if (row === cursor) cursor = cursor.nextSibling;
    else ul.insertBefore(row, cursor);
  }
}

const spanRows = new Map();
const suggestionRows = new Map();

function spanRow(ann) {
  const li = document.createElement("li");
  const button = document.createElement("button");
  button.type = "button";
  button.className = "row-button";
  button.dataset.id = ann.id;
  const chip = document.createElement("span");
  chip.className = "chip";
  chip.style.background = labelOf(ann).colour;
  chip.textContent = labelOf(ann).name;
  const quote = document.createElement("span");
  quote.className = "quote";
  quote.textContent = ann.quote;
  button.append(chip, quote);
  const actorNames = ann.actors.map((id) => state.actors.get(id)?.name).filter(Boolean);
  if (actorNames.length) {
    const who = document.createElement("span");
    who.className = "who";
    who.textContent = "→ " + actorNames.join(", ");
    button.append(who);
  }
  button.addEventListener("click", () => select(ann.id, true));
  li.append(button);
  return li;
}

function suggestionRow(sg) {
  const li = document.createElement("li");
  li.className = "sugg-row";
  li.dataset.key = sg.key;
  const go = document.createElement("button");
  go.type = "button";
  go.className = "row-button";
  const quote = document.createElement("span");
  quote.className = "quote";
  quote.textContent = text.slice(sg.s, sg.e);
  const who = document.createElement("span");
  who.className = "who";
  who.textContent = "→ " + (state.actors.get(sg.actor)?.name || `actor ${sg.actor}`);
  go.append(quote, who);
  go.addEventListener("click", () => focusSuggestion(sg.key, true));
  const yes = smallButton("✓", "Accept (y)", () => acceptSuggestion(sg.key));
  const no = smallButton("✕", "Reject (x)", () => rejectSuggestion(sg.key));
  li.append(go, yes, no);
  return li;
}

function renderLists() {
  patchList(
    document.getElementById("span-list"),
    spanRows,
    sortedAnns(),
    (ann) => ann.id,
    (ann) => `${ann.label}|${ann.start}|${ann.end}|${ann.actors.join(",")}`,
    spanRow,
  );
  document.querySelectorAll("#span-list .current, #suggestion-list .current").forEach((el) => el.classList.remove("current"));
  const current = spanRows.get(state.selected);
  if (current) current.row.firstChild.classList.add("current");
  document.getElementById("span-count").textContent = state.anns.size;

  patchList(
    document.getElementById("suggestion-list"),
    suggestionRows,
    [...state.suggestions.values()].sort((a, b) => a.s - b.s),
    (sg) => sg.key,
    (sg) => String(sg.actor),
    suggestionRow,
  );
  const focused = suggestionRows.get(state.focusedSuggestion);
  if (focused) focused.row.classList.add("current");
  document.getElementById("suggestion-count").textContent = state.suggestions.size;
  document.getElementById("accept-all").disabled = state.suggestions.size === 0;
}

function smallButton(label, title, onClick) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "icon";
  button.textContent = label;
  button.title = title;
  button.setAttribute("aria-label", title);
  button.addEventListener("click", onClick);
  return button;
}

const toastBox = document.getElementById("toast");
let toastTimer = null;
function toast(message, { kind = "info", action = null } = {}) {
  toastBox.replaceChildren();
  const span = document.createElement("span");
  span.textContent = message;
  toastBox.append(span);
  if (action) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "link";
    button.textContent = action.label;
    button.addEventListener("click", () => {
      toastBox.hidden = true;
      action.run();
    });
    toastBox.append(button);
  }
  toastBox.className = `toast ${kind}`;
  toastBox.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (toastBox.hidden = true), kind === "error" ? 9000 : 6000);
}

const saveState = document.getElementById("save-state");
let inflight = 0;
function track(promise) {
  inflight++;
  saveState.textContent = "Saving…";
  const done = () => {
    inflight--;
    if (!inflight) saveState.textContent = "All changes saved";
  };
  promise.then(done, done);
  return promise;
}

// --- selection, creation, editing ---------------------------------------------------------------------

function select(id, scroll = false) {
  state.selected = id;
  state.pending = null;
  if (state.focusedSuggestion && id) state.focusedSuggestion = null;
  markSelected();
  if (id && scroll) scrollToOffset(state.anns.get(id).s);
  panel();
  scheduleLists();
  updateHint();
}

function focusSuggestion(key, scroll = false) {
  state.focusedSuggestion = key;
  state.selected = null;
  state.pending = null;
  markSelected();
  const sg = state.suggestions.get(key);
  if (sg && scroll) scrollToOffset(sg.s);
  panel();
  scheduleLists();
  if (sg) hint.textContent = `Suggestion: “${text.slice(sg.s, sg.e)}” → ${state.actors.get(sg.actor)?.name}. y accepts, x rejects, g next.`;
}

function panel() {
  renderPanel(document.getElementById("details"), ctx);
}

function cpBody(s, e) {
  return { start: index.toCp(s), end: index.toCp(e), quote: text.slice(s, e) };
}

function createAnnotation(labelId, s, e, extra = {}) {
  const label = state.labels.get(labelId);
  const temp = `tmp-${++state.tempSeq}`;
  const body = { project: data.project.id, article: data.article.id, label: labelId, ...cpBody(s, e), ...extra };
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
  sortedDirty = true;
  state.pending = null;
  window.getSelection().removeAllRanges();
  state.selected = temp;
  renderRange(ann.s, ann.e);
  // The new span is painted first; the details panel follows in the next frame.
  requestAnimationFrame(() => setTimeout(() => state.selected === temp && panel(), 0));
  updateHint();
  return track(
    request.then(
      (saved) => {
        const fresh = withOffsets(saved);
        state.anns.delete(temp);
        state.anns.set(saved.id, fresh);
        sortedDirty = true;
        const wasSelected = state.selected === temp;
        if (wasSelected) state.selected = saved.id;
        window.__lastSave = performance.now() - started;
        // The span on screen already looks right: it only takes its real id (attributes, no layout). It is
        // rebuilt only if the server moved it or its label changed meanwhile.
        if (fresh.s === ann.s && fresh.e === ann.e && fresh.label === ann.label) renameSpan(temp, saved.id, ann.s, ann.e);
        else renderRange(Math.min(ann.s, fresh.s), Math.max(ann.e, fresh.e));
        markStatus("in_progress");
        // "All changes saved" is painted first; the full details panel follows.
        if (wasSelected) requestAnimationFrame(() => setTimeout(() => state.selected === saved.id && panel(), 0)); // never under the feet of someone editing another span
        scheduleLists();
        return saved;
      },
      (error) => {
        state.anns.delete(temp);
        sortedDirty = true;
        if (state.selected === temp) {
          state.selected = null;
          panel();
        }
        renderRange(ann.s, ann.e);
        scheduleLists();
        toast(`Not saved: ${error.message}`, { kind: "error" });
        throw error;
      },
    ),
  );
}

function patchAnnotation(ann, body, { rerender = false } = {}) {
  if (typeof ann.id !== "number") return Promise.reject(new Error("still saving"));
  const before = structuredClone(ann);
  return track(
    api.patch(`/api/annotations/${ann.id}/`, body).then(
      (saved) => {
        const fresh = withOffsets(saved);
        state.anns.set(saved.id, fresh);
        sortedDirty = true;
        if (rerender || before.s !== fresh.s || before.e !== fresh.e || before.label !== fresh.label) {
          renderRange(Math.min(before.s, fresh.s), Math.max(before.e, fresh.e));
        }
        scheduleLists();
        return fresh;
      },
      (error) => {
        state.anns.set(before.id, before);
        sortedDirty = true;
        renderRange(before.s, before.e);
        panel();
        toast(`Not saved: ${error.message}`, { kind: "error" });
        throw error;
      },
    ),
  );
}

function deleteSelected() {
  const ann = state.anns.get(state.selected);
  if (!ann || typeof ann.id !== "number") return;
  const relations = [...state.relations.values()].filter((r) => r.source === ann.id || r.target === ann.id);
  const neighbour = neighbourOf(ann, 1) || neighbourOf(ann, -1);
  state.anns.delete(ann.id);
  relations.forEach((r) => state.relations.delete(r.id));
  sortedDirty = true;
  state.selected = null;
  renderRange(ann.s, ann.e);
  panel();
  scheduleLists();
  track(
    api.del(`/api/annotations/${ann.id}/`).then(
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
        sortedDirty = true;
        renderRange(ann.s, ann.e);
        scheduleLists();
        toast(`Not deleted: ${error.message}`, { kind: "error" });
      },
    ),
  );
}

function undoDelete() {
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
          if (state.selected === saved.id) panel();
        });
      }
    }
  }, () => state.undo.push(entry));
}

function neighbourOf(ann, direction) {
  const list = sortedAnns();
  const i = list.indexOf(ann);
  if (i === -1) {
    if (direction > 0) return list.find((x) => x.s > ann.s || (x.s === ann.s && x.e > ann.e)) || null;
    return [...list].reverse().find((x) => x.s < ann.s) || null;
  }
  return list[i + direction] || null;
}

function move(direction) {
  const list = sortedAnns();
  if (!list.length) return;
  const current = state.anns.get(state.selected);
  let next;
  if (current) next = neighbourOf(current, direction);
  else if (state.pending) next = direction > 0 ? list.find((x) => x.s >= state.pending.s) : [...list].reverse().find((x) => x.s < state.pending.s);
  else next = direction > 0 ? list[0] : list[list.length - 1];
  if (next) select(next.id, true);
}

function labelKey(labelId) {
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
    patchAnnotation(ann, { label: labelId }, { rerender: true }).then(() => panel(), () => {});
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

function adjust(which, direction) {
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
  panel();
  patchAnnotation(ann, cpBody(s, e)).catch(() => {});
}

function wordCursor(direction, extend) {
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
  panel();
  showPending();
}

// --- suggestions ------------------------------------------------------------------------------------------

function removeSuggestion(key) {
  const sg = state.suggestions.get(key);
  if (!sg) return;
  state.suggestions.delete(key);
  if (state.focusedSuggestion === key) state.focusedSuggestion = null;
  renderRange(sg.s, sg.e);
  scheduleLists();
}

function nextSuggestionAfter(sg) {
  const list = [...state.suggestions.values()].sort((a, b) => a.s - b.s);
  return list.find((x) => x.s > sg.s) || list[0] || null;
}

function actorLabel() {
  return [...state.labels.values()].find((l) => l.kind === "actor");
}

function acceptSuggestion(key) {
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

function rejectSuggestion(key) {
  const sg = state.suggestions.get(key);
  if (!sg) return;
  const next = nextSuggestionAfter(sg);
  removeSuggestion(key);
  if (next && next.key !== key) focusSuggestion(next.key, true);
}

async function acceptAll() {
  const label = actorLabel();
  if (!label || !state.suggestions.size) return;
  const all = [...state.suggestions.values()];
  state.suggestions.clear();
  state.focusedSuggestion = null;
  const body = (sg) => ({ project: data.project.id, article: data.article.id, label: label.id, ...cpBody(sg.s, sg.e), actors: [sg.actor] });
  let failed = 0;
  const queue = all.slice();
  const worker = async () => {
    while (queue.length) {
      const sg = queue.shift();
      try {
        const saved = await api.post("/api/annotations/", body(sg));
        state.anns.set(saved.id, withOffsets(saved));
      } catch (error) {
        failed++;
        state.suggestions.set(sg.key, sg);
      }
    }
  };
  await track(Promise.all([worker(), worker(), worker()]));
  sortedDirty = true;
  renderAll();
  markSelected();
  scheduleLists();
  markStatus("in_progress");
  toast(failed ? `${all.length - failed} accepted, ${failed} refused by the server.` : `${all.length} suggestions accepted.`, { kind: failed ? "error" : "info" });
}

// --- relations --------------------------------------------------------------------------------------------

function startLink(kind) {
  if (!state.selected || typeof state.selected !== "number") return;
  state.linkFrom = { id: state.selected, kind };
  doc.classList.add("linking");
  updateHint();
}

function finishLink(targetId) {
  const from = state.linkFrom;
  state.linkFrom = null;
  doc.classList.remove("linking");
  if (!from || targetId === from.id || typeof targetId !== "number") {
    updateHint();
    return;
  }
  track(api.post("/api/relations/", { source: from.id, target: targetId, kind: from.kind })).then(
    (rel) => {
      state.relations.set(rel.id, rel);
      select(from.id, true);
      toast("Relation saved.");
    },
    (error) => toast(`Relation not saved: ${error.message}`, { kind: "error" }),
  );
}

function deleteRelation(id) {
  const rel = state.relations.get(id);
  state.relations.delete(id);
  panel();
  track(api.del(`/api/relations/${id}/`)).catch((error) => {
    state.relations.set(id, rel);
    panel();
    toast(`Relation not deleted: ${error.message}`, { kind: "error" });
  });
}

// --- workflow ----------------------------------------------------------------------------------------------

let statusShown = null;
function markStatus(status) {
  if (state.status === "submitted" && status === "in_progress") return;
  state.status = status;
  if (status === statusShown) return; // unchanged: leave the badge alone (no style or layout work)
  statusShown = status;
  const badge = document.getElementById("status-badge");
  badge.className = `badge status-${status}`;
  badge.textContent = { not_started: "Not started", in_progress: "In progress", submitted: "Submitted" }[status];
  document.getElementById("submit").disabled = status === "submitted";
}

function submit() {
  if (!window.confirm("Submit your coding of this article? Your draft spans become submitted.")) return;
  track(api.post(`/api/articles/${data.article.id}/submit/`, { project: data.project.id })).then(
    () => {
      markStatus("submitted");
      for (const ann of state.anns.values()) if (ann.status === "draft") ann.status = "submitted";
      toast("Submitted. Thank you!");
    },
    (error) => toast(`Not submitted: ${error.message}`, { kind: "error" }),
  );
}

// --- events -------------------------------------------------------------------------------------------------

const tooltip = document.getElementById("tooltip");
function showTooltip(seg, x, y) {
  const lines = [];
  for (const id of (seg.dataset.ids || "").split(" ").filter(Boolean)) {
    const ann = state.anns.get(/^\d+$/.test(id) ? Number(id) : id);
    if (!ann) continue;
    const label = labelOf(ann);
    const row = document.createElement("div");
    const chip = document.createElement("span");
    chip.className = "chip";
    chip.style.background = label.colour;
    chip.textContent = label.name;
    row.append(chip, document.createTextNode(" " + describe(ann)));
    lines.push(row);
  }
  if (seg.dataset.sugg) {
    const sg = state.suggestions.get(seg.dataset.sugg);
    if (sg) {
      const row = document.createElement("div");
      row.className = "muted";
      row.textContent = `Suggestion: ${state.actors.get(sg.actor)?.name || "actor"} (click, then y to accept)`;
      lines.push(row);
    }
  }
  if (!lines.length) {
    tooltip.hidden = true;
    return;
  }
  tooltip.replaceChildren(...lines);
  tooltip.hidden = false;
  const width = tooltip.offsetWidth;
  tooltip.style.left = `${Math.min(window.innerWidth - width - 8, x + 12)}px`;
  tooltip.style.top = `${y + 18}px`;
}

export function describe(ann) {
  const name = (id) => state.actors.get(id)?.name || `#${id}`;
  const parts = [];
  if (ann.actors && ann.actors.length) parts.push(ann.actors.map(name).join(", "));
  if (ann.source && ann.source.kind) parts.push(choiceText("source_kind", ann.source.kind) + (ann.source.cue ? ` “${ann.source.cue}”` : ""));
  if (ann.claim) {
    if (ann.claim.claimant_is_outlet) parts.push("claimant: the outlet");
    else if (ann.claim.claimant) parts.push(`claimant: ${name(ann.claim.claimant)}`);
    if (ann.claim.speech) parts.push(choiceText("speech", ann.claim.speech));
    if (ann.claim.source_annotation && state.anns.get(ann.claim.source_annotation)) parts.push(`source: “${state.anns.get(ann.claim.source_annotation).quote.slice(0, 30)}”`);
  }
  if (ann.note) parts.push(`note: ${ann.note.slice(0, 60)}`);
  return parts.join(" · ") || "(no details yet)";
}

export function choiceText(group, value) {
  const found = (data.choices[group] || []).find(([v]) => v === value);
  return found ? found[1] : value;
}

doc.addEventListener("mouseover", (event) => {
  const seg = event.target.closest(".ann, .sugg");
  if (seg) showTooltip(seg, event.clientX, event.clientY);
  else tooltip.hidden = true;
});
doc.addEventListener("mouseleave", () => (tooltip.hidden = true));

// On the document, not the text: a drag may end beyond the text's edge.
document.addEventListener("mouseup", (event) => {
  if (event.button !== 0) return;
  const range = rangeFromSelection();
  if (!doc.contains(event.target) && !range) return;
  if (range) {
    state.pending = range;
    state.selected = null;
    state.focusedSuggestion = null;
    state.caret = range.e;
    markSelected();
    panel();
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
      panel();
    }
    updateHint();
  }
});

function typing(target) {
  return target instanceof Element && target.closest("input, select, textarea, [contenteditable='true']");
}

const help = document.getElementById("help");
const shortcuts = new Map();
for (const label of state.labels.values()) if (label.shortcut) shortcuts.set(label.shortcut.toLowerCase(), label.id);

document.addEventListener("keydown", (event) => {
  if (typing(event.target)) {
    if (event.key === "Escape") event.target.blur();
    return;
  }
  if (help.open && event.key !== "?") return;
  const key = event.key;
  const plain = !event.ctrlKey && !event.metaKey && !event.altKey;
  const handled = () => event.preventDefault();

  if (key === "Escape") {
    state.pending = null;
    state.selected = null;
    state.focusedSuggestion = null;
    state.linkFrom = null;
    doc.classList.remove("linking");
    window.getSelection().removeAllRanges();
    markSelected();
    panel();
    updateHint();
    return handled();
  }
  if ((event.ctrlKey || event.metaKey) && key.toLowerCase() === "z" && !event.shiftKey) {
    undoDelete();
    return handled();
  }
  if (event.shiftKey && (key === "ArrowRight" || key === "ArrowLeft")) {
    const direction = key === "ArrowRight" ? 1 : -1;
    if (state.selected) adjust(event.ctrlKey || event.altKey ? "start" : "end", direction);
    else wordCursor(direction, true);
    return handled();
  }
  if (plain && !event.shiftKey && (key === "ArrowRight" || key === "ArrowLeft") && (state.pending || event.target === doc)) {
    wordCursor(key === "ArrowRight" ? 1 : -1, false);
    return handled();
  }
  if (!plain) return;
  if (key === "?") {
    if (help.open) help.close();
    else help.showModal();
    return handled();
  }
  if (!event.shiftKey && shortcuts.has(key.toLowerCase())) {
    labelKey(shortcuts.get(key.toLowerCase()));
    return handled();
  }
  if (key === "Delete" || key === "Backspace") {
    if (state.selected) deleteSelected();
    else if (state.focusedSuggestion) rejectSuggestion(state.focusedSuggestion);
    return handled();
  }
  if (key === "u") {
    undoDelete();
    return handled();
  }
  // Tab and Enter keep their usual meaning on buttons and links of the sidebar.
  const inText = event.target === document.body || event.target === doc || doc.contains(event.target);
  if (key === "]" || key === "n" || (key === "Tab" && !event.shiftKey && inText)) {
    move(1);
    return handled();
  }
  if (key === "[" || key === "p" || (key === "Tab" && event.shiftKey && inText)) {
    move(-1);
    return handled();
  }
  if (key === "Enter" && !inText) return;
  if (key === "Enter" && state.linkFrom && state.selected && state.selected !== state.linkFrom.id) {
    finishLink(state.selected);
    return handled();
  }
  if ((key === "y" || key === "Enter") && state.focusedSuggestion) {
    acceptSuggestion(state.focusedSuggestion);
    return handled();
  }
  if (key === "x" && state.focusedSuggestion) {
    rejectSuggestion(state.focusedSuggestion);
    return handled();
  }
  if (key === "g" || key === "G") {
    const list = [...state.suggestions.values()].sort((a, b) => a.s - b.s);
    if (!list.length) return handled();
    const current = state.suggestions.get(state.focusedSuggestion);
    const from = current ? current.s : (state.anns.get(state.selected)?.s ?? state.caret ?? -1);
    const next = key === "g" ? list.find((x) => x.s > from) || list[0] : [...list].reverse().find((x) => x.s < from) || list[list.length - 1];
    focusSuggestion(next.key, true);
    return handled();
  }
  if (key === "A") {
    acceptAll();
    return handled();
  }
  if (key === "w") {
    setSnap(!state.snap);
    return handled();
  }
  if (key === "e" && state.selected) {
    const first = document.querySelector("#details input, #details select, #details textarea");
    if (first) first.focus();
    return handled();
  }
  if (key === "l" && state.selected) {
    const select = document.getElementById("relation-kind");
    startLink(select ? select.value : "about");
    return handled();
  }
});

const snapBox = document.getElementById("snap");
function setSnap(on) {
  state.snap = on;
  snapBox.checked = on;
  localStorage.setItem("na-snap", on ? "on" : "off");
}
snapBox.addEventListener("change", () => setSnap(snapBox.checked));
document.getElementById("accept-all").addEventListener("click", acceptAll);
document.getElementById("submit").addEventListener("click", submit);
document.getElementById("help-button").addEventListener("click", () => help.showModal());
document.getElementById("help-close").addEventListener("click", () => help.close());

// Label palette: click creates (or relabels the selected span); mousedown must not clear the text selection.
const palette = document.getElementById("palette");
for (const label of [...state.labels.values()].sort((a, b) => a.id - b.id)) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "label-button";
  button.dataset.label = label.id;
  button.style.setProperty("--c", label.colour);
  button.style.setProperty("--bg", rgba(label.colour, 0.14));
  const name = document.createElement("span");
  name.textContent = label.name;
  button.append(name);
  if (label.shortcut) {
    const kbd = document.createElement("kbd");
    kbd.textContent = label.shortcut;
    button.append(kbd);
  }
  if (label.description) button.title = label.description;
  button.addEventListener("mousedown", (event) => event.preventDefault());
  button.addEventListener("click", () => labelKey(label.id));
  palette.append(button);
}

// --- the context the details panel works with -----------------------------------------------------------

export const ctx = {
  data,
  state,
  api,
  text,
  labelOf,
  patch: patchAnnotation,
  select,
  deleteSelected,
  startLink,
  deleteRelation,
  toast,
  track,
  describe,
  choiceText,
  refreshLists: scheduleLists,
  rerender: (ann) => renderRange(ann.s, ann.e),
};

// --- start --------------------------------------------------------------------------------------------------

setSnap(state.snap);
renderAll();
markStatus(state.status);
panel();
updateHint();
doc.dataset.ready = "true";
window.__workspaceReady = performance.now();
requestAnimationFrame(() => scheduleLists());
