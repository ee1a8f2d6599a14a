// The annotation workspace's entry point: wires the modules' listeners and draws the first screen.
// The modules import each other's functions (a few of them in a cycle, which ES modules allow because
// nothing but element look-ups runs at import time); everything they share lives in state.js.
//
//   state.js        page data, API client, offsets, the shared state
//   view.js         the article text on screen (render.js builds the paragraphs)
//   selection.js    what is selected, by mouse and keyboard; labelling the selection
//   keys.js         the keyboard map, label palette and tool buttons
//   saving.js       every write of a span, the write queue and save state, status and Submit
//   links.js        relations between spans
//   suggestions.js  registry suggestions
//   panel.js        the details panel (panel-sections.js, picker.js, dom.js)
//   lists.js        the sidebar lists;  tooltip.js, toast.js, help.js  hover details, messages, help
//   score.js        training: the score against gold after submitting, differences marked in the text

import { data, doc, state } from "./state.js";
import { renderAll } from "./view.js";
import { initHelp, updateHint } from "./help.js";
import { initKeys, setSnap } from "./keys.js";
import { initSelection } from "./selection.js";
import { initTooltip } from "./tooltip.js";
import { markStatus } from "./saving.js";
import { showPanel } from "./panel.js";
import { scheduleLists } from "./lists.js";
import { showScore } from "./score.js";

// The reviewer's coder switcher: a plain GET form, sent as soon as another coder is chosen.
const coderSelect = document.getElementById("coder-select");
coderSelect?.addEventListener("change", () => coderSelect.form.requestSubmit());

initTooltip();
initSelection();
initKeys();
initHelp();

setSnap(state.snap);
renderAll();
markStatus(state.status);
showPanel();
updateHint();
doc.dataset.ready = "true";
window.__workspaceReady = performance.now();
requestAnimationFrame(() => scheduleLists());
if (data.training && state.status === "submitted") showScore();
