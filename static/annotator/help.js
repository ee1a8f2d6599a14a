// Help: the keyboard help dialog (? and the Keys button) and the hint line that says what to do next.

import { state, text } from "./state.js";

const hint = document.getElementById("hint");
export const help = document.getElementById("help");

export function setHint(message) {
  hint.textContent = message;
}

export function updateHint() {
  if (state.linkFrom) {
    setHint("Link mode: click the target span (or move to it with ] and press Enter). Esc cancels.");
  } else if (state.pending) {
    const quote = text.slice(state.pending.s, state.pending.e);
    setHint(`“${quote.length > 60 ? quote.slice(0, 60) + "…" : quote}” — press a label key or click a label.`);
  } else if (state.selected) {
    setHint("Shift+←/→ end · Ctrl+Shift+←/→ start · Del delete · ]/[ next/previous · Esc deselect");
  } else {
    setHint("Select text (mouse, or ← → to pick a word and Shift+→ to extend), then press a label key. ? for help.");
  }
}

export function toggleHelp() {
  if (help.open) help.close();
  else help.showModal();
}

export function initHelp() {
  document.getElementById("help-button").addEventListener("click", () => help.showModal());
  document.getElementById("help-close").addEventListener("click", () => help.close());
}
