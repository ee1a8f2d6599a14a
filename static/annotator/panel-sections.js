// The details panel's label-specific sections: ACTOR (registry link), SOURCE (attribution) and CLAIM.
// ACTOR offers quick picks and "add as alias"; CLAIM has claimant, mention, source span, speech, date, about,
// stance, verdict and topic.

import { api, data, labelOf, state } from "./state.js";
import { choiceSelect, el, field } from "./dom.js";
import { actorName, actorPicker } from "./picker.js";
import { showPanel } from "./panel.js";
import { patchAnnotation, track } from "./saving.js";
import { toast } from "./toast.js";

export function actorSection(ann) {
  const section = el("section", { class: "panel-section" }, el("h3", { text: "Registry actor" }));
  section.append(
    actorPicker({
      ids: ann.actors,
      multiple: false,
      createName: ann.quote,
      placeholder: "Link to an actor (name or alias)…",
      label: "Registry actor",
      onChange: (ids) => patchAnnotation(ann, { actors: ids }).then(() => showPanel(), () => {}),
    }),
  );
  if (!ann.actors.length) {
    // One click for the likeliest registry entries for the span's own words.
    const quick = el("div", { class: "quick-picks" });
    section.insertBefore(quick, section.children[1]);
    api.get(`/api/actors/?q=${encodeURIComponent(ann.quote.slice(0, 100))}`).then((body) => {
      const found = (body.results || body).slice(0, 3);
      if (!found.length || state.selected !== ann.id) return;
      quick.append(el("span", { class: "muted small", text: "Likely: " }));
      for (const candidate of found) {
        quick.append(
          el("button", {
            type: "button",
            class: "btn small",
            text: candidate.name,
            title: [candidate.kind, candidate.country, (candidate.aliases || []).join(", ")].filter(Boolean).join(" · "),
            onclick: () => {
              state.actors.set(candidate.id, candidate);
              patchAnnotation(ann, { actors: [candidate.id] }).then(() => showPanel(), () => {});
            },
          }),
        );
      }
    }, () => {});
  }
  const actor = state.actors.get(ann.actors[0]);
  if (actor) {
    const names = [actor.name, ...(actor.aliases || [])].map((n) => n.toLowerCase());
    if (!names.includes(ann.quote.toLowerCase())) {
      section.append(
        el("button", {
          type: "button",
          class: "btn small alias-button",
          text: `Add “${ann.quote}” as an alias of ${actor.name}`,
          onclick: async (event) => {
            event.target.disabled = true;
            try {
              const alias = await track(api.post(`/api/actors/${actor.id}/aliases/`, { name: ann.quote }));
              actor.aliases = [...(actor.aliases || []), alias.name];
              toast(`“${alias.name}” is now an alias of ${actor.name}.`);
              showPanel();
            } catch (error) {
              toast(`Alias not added: ${error.message}`, { kind: "error" });
              event.target.disabled = false;
            }
          },
        }),
      );
    } else {
      section.append(el("p", { class: "muted small", text: `${actor.kind || ""}${actor.country ? " · " + actor.country : ""}` }));
    }
  }
  return section;
}

export function sourceSection(ann, save) {
  const source = ann.source || { kind: "", anonymity: "", cue: "", channel: "" };
  const update = (key, value) => {
    source[key] = value;
    ann.source = source;
    save({ source: { [key]: value } });
  };
  const cue = el("input", { type: "text", value: source.cue || "", placeholder: "said, tweeted, according to…", onchange: () => update("cue", cue.value) });
  const channel = el("input", { type: "text", value: source.channel || "", placeholder: "letter, press conference, X…", onchange: () => update("channel", channel.value) });
  return el(
    "section",
    { class: "panel-section" },
    el("h3", { text: "Source attribution" }),
    field("Kind", choiceSelect(data.choices.source_kind, source.kind, (v) => update("kind", v))),
    field("Anonymity", choiceSelect(data.choices.anonymity, source.anonymity, (v) => update("anonymity", v))),
    el("div", { class: "field" }, el("label", { text: "Actor(s)" }),
      actorPicker({ ids: ann.actors, multiple: true, createName: "", label: "Source actors", onChange: (ids) => patchAnnotation(ann, { actors: ids }).then(() => showPanel(), () => {}) })),
    el("div", { class: "row" }, field("Cue", cue), field("Channel", channel)),
  );
}

function spanOptions(kind, value, onChange) {
  const spans = [...state.anns.values()].filter((a) => labelOf(a).kind === kind && typeof a.id === "number").sort((a, b) => a.s - b.s);
  return choiceSelect(spans.map((a) => [String(a.id), `“${a.quote.slice(0, 48)}” @${a.start}`]), value ? String(value) : "", (v) => onChange(v ? Number(v) : null), { blank: "— none —" });
}

export function claimSection(ann, save) {
  const claim = ann.claim || { claimant: null, claimant_is_outlet: false, claimant_mention: null, source_annotation: null, speech: "", claim_date: null, about: [], stance: "", verdict: "unverified", topic: "" };
  ann.claim = claim;
  const update = (key, value) => {
    claim[key] = value;
    save({ claim: { [key]: value } });
  };
  const outlet = el("input", { type: "checkbox", checked: claim.claimant_is_outlet, onchange: () => update("claimant_is_outlet", outlet.checked) });
  const date = el("input", { type: "date", value: claim.claim_date || "", onchange: () => update("claim_date", date.value || null) });
  const topic = el("input", { type: "text", value: claim.topic || "", onchange: () => update("topic", topic.value) });
  // A claimant not set yet is taken from the chosen mention or source span (shown at once, editable).
  const adoptClaimant = (spanId) => {
    const span = state.anns.get(spanId);
    if (claim.claimant || claim.claimant_is_outlet || !span || !span.actors.length) return;
    claim.claimant = span.actors[0];
    patchAnnotation(ann, { claim: { claimant: claim.claimant } }).then(() => {
      showPanel();
      toast(`Claimant set to ${actorName(claim.claimant)} from “${span.quote.slice(0, 40)}”.`);
    }, () => {});
  };
  const sourceSelect = spanOptions("source", claim.source_annotation, (v) => {
    update("source_annotation", v);
    adoptClaimant(v);
  });
  sourceSelect.setAttribute("aria-label", "Source span");
  return el(
    "section",
    { class: "panel-section" },
    el("h3", { text: "Claim" }),
    el("div", { class: "field" }, el("label", { text: "Claimant" }),
      actorPicker({ ids: claim.claimant ? [claim.claimant] : [], multiple: false, label: "Claimant", placeholder: "Who makes the claim…", onChange: (ids) => update("claimant", ids[0] ?? null) })),
    el("label", { class: "check" }, outlet, " The outlet's own voice"),
    field("Claimant mention (ACTOR span)", spanOptions("actor", claim.claimant_mention, (v) => {
      update("claimant_mention", v);
      adoptClaimant(v);
    })),
    field("Source (SOURCE span)", sourceSelect),
    el("div", { class: "row" },
      field("Speech", choiceSelect(data.choices.speech, claim.speech, (v) => update("speech", v))),
      field("Claim date", date)),
    el("div", { class: "field" }, el("label", { text: "About" }),
      actorPicker({ ids: claim.about || [], multiple: true, label: "About actors", placeholder: "Actors the claim is about…", onChange: (ids) => update("about", ids) })),
    el("div", { class: "row" },
      field("Stance", choiceSelect(data.choices.stance, claim.stance, (v) => update("stance", v))),
      field("Verdict", choiceSelect(data.choices.verdict.filter(([v]) => v !== "unverified"), claim.verdict === "unverified" ? "" : claim.verdict, (v) => update("verdict", v || "unverified"), { blank: "Unverified" }))),
    field("Topic", topic),
  );
}
