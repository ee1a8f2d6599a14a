// The details panel of the selected span or focused suggestion: label, section, note, relations, Delete.
// Every change is saved at once with PATCH /api/annotations/<id>/.

import { api, data, labelOf, state, text } from "./state.js";
import { choiceSelect, el, field } from "./dom.js";
import { actorName } from "./picker.js";
import { actorSection, claimSection, sourceSection } from "./panel-sections.js";
import { renderRange } from "./view.js";
import { select } from "./selection.js";
import { deleteSelected, patchAnnotation } from "./saving.js";
import { deleteRelation, startLink } from "./links.js";
import { hideTooltip } from "./tooltip.js";

const container = document.getElementById("details");

export function showPanel() {
  hideTooltip();
  const sg = state.suggestions.get(state.focusedSuggestion);
  if (sg) {
    container.replaceChildren(
      el("h2", { text: "Suggestion" }),
      el("p", {}, el("q", { text: text.slice(sg.s, sg.e) }), ` is a name of `, el("strong", { text: actorName(sg.actor) }), "."),
      el("p", { class: "muted small", text: "Accept creates an ACTOR span linked to this actor." }),
      el("div", { class: "row" },
        el("button", { type: "button", class: "btn primary", text: "Accept (y)", onclick: () => document.dispatchEvent(new KeyboardEvent("keydown", { key: "y" })) }),
        el("button", { type: "button", class: "btn", text: "Reject (x)", onclick: () => document.dispatchEvent(new KeyboardEvent("keydown", { key: "x" })) }),
      ),
    );
    return;
  }
  const ann = state.anns.get(state.selected);
  if (!ann) {
    container.replaceChildren(
      el("h2", { text: "Details" }),
      el("p", { class: "muted", text: "Select a span to see and edit its details, or select text and press a label key to create one." }),
    );
    return;
  }
  const label = labelOf(ann);
  const saving = typeof ann.id !== "number";
  const labelSelect = el("select", {
    "aria-label": "Label",
    disabled: saving,
    onchange: () => {
      const id = Number(labelSelect.value);
      ann.label = id;
      renderRange(ann.s, ann.e);
      patchAnnotation(ann, { label: id }, { rerender: true }).then(() => showPanel(), () => {});
    },
  });
  for (const l of data.labels) labelSelect.append(el("option", { value: l.id, text: `${l.name}${l.shortcut ? ` (${l.shortcut})` : ""}`, selected: l.id === ann.label }));

  const head = el(
    "div",
    { class: "panel-head" },
    el("div", { class: "row" }, labelSelect, el("span", { class: "muted small", text: saving ? "Saving…" : `#${ann.id} · ${ann.start}–${ann.end} · ${ann.status}` })),
    el("blockquote", { class: "panel-quote", text: ann.quote }),
  );
  head.style.setProperty("--c", label.colour); // through the CSSOM, not a style attribute: strict CSP allows it
  const parts = [head];
  if (saving) {
    container.replaceChildren(...parts);
    return;
  }
  const save = (body) => patchAnnotation(ann, body).catch(() => {});

  if (label.kind === "actor") parts.push(actorSection(ann));
  if (label.kind === "source") parts.push(sourceSection(ann, save));
  if (label.kind === "claim") parts.push(claimSection(ann, save));

  const note = el("textarea", { rows: "2", onchange: () => save({ note: note.value }) });
  note.value = ann.note || "";
  parts.push(field("Note", note));
  parts.push(relationsSection(ann));
  parts.push(historySection(ann));
  parts.push(
    el("div", { class: "row end" }, el("button", { type: "button", class: "btn danger", text: "Delete span (Del)", onclick: () => deleteSelected() })),
  );
  container.replaceChildren(...parts);
}

function relationsSection(ann) {
  const kinds = data.choices.relation_kind;
  const rows = [...state.relations.values()].filter((r) => r.source === ann.id || r.target === ann.id);
  const list = el(
    "ul",
    { class: "relations" },
    rows.map((r) => {
      const outgoing = r.source === ann.id;
      const other = state.anns.get(outgoing ? r.target : r.source);
      const kindText = (kinds.find(([v]) => v === r.kind) || [r.kind, r.kind])[1];
      return el(
        "li",
        {},
        el("span", { class: "muted small", text: outgoing ? `${kindText} →` : `← ${kindText}` }),
        other
          ? el("button", { type: "button", class: "link", text: `“${other.quote.slice(0, 40)}”`, title: "Jump to this span", onclick: () => select(other.id, true) })
          : el("span", { class: "muted", text: "(span not shown)" }),
        el("button", { type: "button", class: "icon", text: "✕", title: "Delete relation", "aria-label": "Delete relation", onclick: () => deleteRelation(r.id) }),
      );
    }),
  );
  const kind = choiceSelect(kinds, "about", () => {}, { blank: "Kind…" });
  kind.id = "relation-kind";
  kind.value = "about";
  return el(
    "section",
    { class: "panel-section" },
    el("h3", { text: `Relations (${rows.length})` }),
    list,
    el("div", { class: "row" }, kind, el("button", { type: "button", class: "btn small", text: "Link to… (l)", onclick: () => startLink(kind.value || "about") })),
  );
}

// History: every recorded change of the span and its details (who, when, through what, before → after), loaded
// when opened. Only the first 100 events are shown here; the API pages through all of them.
function historySection(ann) {
  const list = el("ol", { class: "history-list small" });
  const box = el("details", { class: "history" }, el("summary", { text: "History" }), list);
  box.addEventListener("toggle", () => {
    if (!box.open || list.dataset.loaded) return;
    list.dataset.loaded = "1";
    list.replaceChildren(el("li", { class: "muted", text: "Loading…" }));
    api.get(`/api/annotations/${ann.id}/history/?page_size=100`).then(
      (page) => list.replaceChildren(...page.results.map(historyItem)),
      (error) => list.replaceChildren(el("li", { class: "error", text: error.message })),
    );
  });
  return box;
}

function historyItem(event) {
  const when = new Date(event.at).toLocaleString();
  const what = event.model === "annotation" ? "span" : event.model.replace("_", " ");
  const changes = Object.entries(event.changes)
    .filter(([key]) => !["id", "pgh_obj", "project_id", "article_id", "annotator_id", "created_at", "prefix", "suffix"].includes(key))
    .map(([key, { before, after }]) => (event.event === "update" ? `${key}: ${show(before)} → ${show(after)}` : `${key}: ${show(event.event === "delete" ? before : after)}`));
  return el(
    "li",
    {},
    el("span", { class: "history-who", text: `${event.username || "(database)"} · ${event.via} · ${when}` }),
    el("span", { class: "history-what", text: ` ${what} ${event.event}d` }),
    changes.length ? el("div", { class: "muted", text: changes.join("; ") }) : null,
  );
}

function show(value) {
  if (value === null || value === undefined || value === "") return "—";
  const shown = typeof value === "object" ? JSON.stringify(value) : String(value);
  return shown.length > 50 ? `${shown.slice(0, 47)}…` : shown;
}
