// The details panel of the selected span or focused suggestion: label, the label's own section, note,
// relations and Delete. Every change is saved at once with PATCH /api/annotations/<id>/.

import { data, labelOf, state, text } from "./state.js";
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
