// Relations between spans: link mode (l, then click or Enter on the target), saving and deleting a relation.

import { api, doc, state } from "./state.js";
import { updateHint } from "./help.js";
import { showPanel } from "./panel.js";
import { select } from "./selection.js";
import { track } from "./saving.js";
import { toast } from "./toast.js";

export function startLink(kind) {
  if (!state.selected || typeof state.selected !== "number") return;
  state.linkFrom = { id: state.selected, kind };
  doc.classList.add("linking");
  updateHint();
}

export function cancelLink() {
  state.linkFrom = null;
  doc.classList.remove("linking");
}

export function finishLink(targetId) {
  const from = state.linkFrom;
  cancelLink();
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

export function deleteRelation(id) {
  const rel = state.relations.get(id);
  state.relations.delete(id);
  showPanel();
  track(api.del(`/api/relations/${id}/`, rel && rel.version)).catch((error) => {
    state.relations.set(id, rel);
    showPanel();
    toast(`Relation not deleted: ${error.message}`, { kind: "error" });
  });
}
