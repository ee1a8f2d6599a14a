// Keys and tool buttons: the workspace's keyboard map, the label palette, snapping, Accept all and Submit.
// Each key only calls the module that owns the action.

import { rgba } from "./render.js";
import { doc, state } from "./state.js";
import { help, toggleHelp } from "./help.js";
import { adjust, clearAll, labelKey, move, wordCursor } from "./selection.js";
import { deleteSelected, submit, undoDelete } from "./saving.js";
import { finishLink, startLink } from "./links.js";
import { acceptAll, acceptSuggestion, rejectSuggestion, stepSuggestion } from "./suggestions.js";

const snapBox = document.getElementById("snap");

export function setSnap(on) {
  state.snap = on;
  snapBox.checked = on;
  localStorage.setItem("na-snap", on ? "on" : "off");
}

function typing(target) {
  return target instanceof Element && target.closest("input, select, textarea, [contenteditable='true']");
}

function onKeyDown(event, shortcuts) {
  if (typing(event.target)) {
    if (event.key === "Escape") event.target.blur();
    return;
  }
  if (help.open && event.key !== "?") return;
  const key = event.key;
  const plain = !event.ctrlKey && !event.metaKey && !event.altKey;
  const handled = () => event.preventDefault();

  if (key === "Escape") {
    clearAll();
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
    toggleHelp();
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
    stepSuggestion(key === "g" ? 1 : -1);
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
}

// Label palette: click creates (or relabels the selected span); mousedown must not clear the text selection.
function buildPalette() {
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
}

export function initKeys() {
  const shortcuts = new Map();
  for (const label of state.labels.values()) if (label.shortcut) shortcuts.set(label.shortcut.toLowerCase(), label.id);
  document.addEventListener("keydown", (event) => onKeyDown(event, shortcuts));
  snapBox.addEventListener("change", () => setSnap(snapBox.checked));
  document.getElementById("accept-all").addEventListener("click", acceptAll);
  document.getElementById("submit").addEventListener("click", submit);
  buildPalette();
}
