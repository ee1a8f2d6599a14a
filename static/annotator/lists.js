// The sidebar lists: your spans and the registry suggestions, patched in place when the browser is idle.

import { labelOf, sortedAnns, state, suggestionsInOrder, text } from "./state.js";
import { select } from "./selection.js";
import { acceptSuggestion, focusSuggestion, rejectSuggestion } from "./suggestions.js";

const spanRows = new Map();
const suggestionRows = new Map();

// The side lists are rebuilt when the browser is idle, never between a key press and its paint.
let listsPending = false;
export function scheduleLists() {
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
  // The spans changed (or the selection): the curation lanes, when on the page, refresh their gold cells.
  document.dispatchEvent(new CustomEvent("spans-listed"));

  patchList(
    document.getElementById("suggestion-list"),
    suggestionRows,
    suggestionsInOrder(),
    (sg) => sg.key,
    (sg) => String(sg.actor),
    suggestionRow,
  );
  const focused = suggestionRows.get(state.focusedSuggestion);
  if (focused) focused.row.classList.add("current");
  document.getElementById("suggestion-count").textContent = state.suggestions.size;
  document.getElementById("accept-all").disabled = state.suggestions.size === 0;
}
