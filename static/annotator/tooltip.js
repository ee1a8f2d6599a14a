// The hover tooltip over the text: each span's label and a one-line summary of its details, and suggestions.

import { choiceText, doc, labelOf, state } from "./state.js";

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

// The details panel replaces the tooltip: it would otherwise stay over the text it describes.
export function hideTooltip() {
  tooltip.hidden = true;
}

export function initTooltip() {
  doc.addEventListener("mouseover", (event) => {
    const seg = event.target.closest(".ann, .sugg");
    if (seg) showTooltip(seg, event.clientX, event.clientY);
    else tooltip.hidden = true;
  });
  doc.addEventListener("mouseleave", () => (tooltip.hidden = true));
}
