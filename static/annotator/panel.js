// The details panel of the selected span: label, actor links (with registry autocomplete and inline
// creation), source attribution, claim details, note and relations. Every change is saved at once
// with PATCH /api/annotations/<id>/.

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "text") node.textContent = value;
    else if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key in node && typeof value !== "string") node[key] = value;
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) if (child !== null && child !== undefined && child !== false) node.append(child);
  return node;
}

function field(labelText, control, hintText) {
  const id = control.id || `f-${Math.random().toString(36).slice(2, 9)}`;
  control.id = id;
  return el("div", { class: "field" }, el("label", { for: id, text: labelText }), control, hintText ? el("small", { class: "muted", text: hintText }) : null);
}

function choiceSelect(choices, value, onChange, { blank = "—" } = {}) {
  const select = el("select", { onchange: () => onChange(select.value) });
  select.append(el("option", { value: "", text: blank }));
  for (const [v, text] of choices) select.append(el("option", { value: v, text, selected: v === value }));
  return select;
}

// --- actor picker -------------------------------------------------------------------------------------------

function actorName(ctx, id) {
  const actor = ctx.state.actors.get(id);
  return actor ? actor.name : `actor #${id}`;
}

export function actorPicker(ctx, { ids, multiple, onChange, createName = "", placeholder = "Search actors…", label = "Actor" }) {
  const box = el("div", { class: "picker" });
  const chips = el("div", { class: "chips" });
  const input = el("input", { type: "text", placeholder, autocomplete: "off", role: "combobox", "aria-expanded": "false", "aria-label": label });
  const list = el("ul", { class: "ac-list", role: "listbox", hidden: true });
  let results = [];
  let active = -1;
  let timer = null;
  let current = ids.slice();

  function drawChips() {
    chips.replaceChildren(
      ...current.map((id) =>
        el(
          "span",
          { class: "actor-chip" },
          el("span", { text: actorName(ctx, id) }),
          el("button", { type: "button", class: "icon", title: "Remove", "aria-label": `Remove ${actorName(ctx, id)}`, text: "✕", onclick: () => set(current.filter((x) => x !== id)) }),
        ),
      ),
    );
    input.hidden = !multiple && current.length > 0;
  }

  function set(next) {
    current = next;
    drawChips();
    onChange(next.slice());
  }

  function choose(actor) {
    ctx.state.actors.set(actor.id, { ...ctx.state.actors.get(actor.id), ...actor });
    list.hidden = true;
    input.value = "";
    set(multiple ? [...new Set([...current, actor.id])] : [actor.id]);
  }

  function draw() {
    const items = results.map((actor, i) =>
      el(
        "li",
        { role: "option", class: i === active ? "active" : "", "aria-selected": String(i === active), onmousedown: (e) => { e.preventDefault(); choose(actor); } },
        el("span", { text: actor.name }),
        el("small", { class: "muted", text: [actor.kind, actor.country, (actor.aliases || []).slice(0, 3).join(", ")].filter(Boolean).join(" · ") }),
      ),
    );
    const q = input.value.trim();
    if (q) {
      items.push(
        el("li", { role: "option", class: "create" + (active === results.length ? " active" : ""), onmousedown: (e) => { e.preventDefault(); openCreate(q); } }, el("span", { text: `+ New actor “${q}”…` })),
      );
    }
    list.replaceChildren(...items);
    list.hidden = items.length === 0;
    input.setAttribute("aria-expanded", String(!list.hidden));
  }

  input.addEventListener("input", () => {
    clearTimeout(timer);
    const q = input.value.trim();
    if (!q) {
      results = [];
      draw();
      return;
    }
    timer = setTimeout(async () => {
      try {
        const body = await ctx.api.get(`/api/actors/?q=${encodeURIComponent(q)}`);
        if (input.value.trim() !== q) return;
        results = (body.results || body).slice(0, 8);
        active = results.length ? 0 : -1;
        draw();
      } catch (error) {
        ctx.toast(`Actor search failed: ${error.message}`, { kind: "error" });
      }
    }, 180);
  });
  input.addEventListener("keydown", (event) => {
    const count = results.length + (input.value.trim() ? 1 : 0);
    if (event.key === "ArrowDown") { active = Math.min(count - 1, active + 1); draw(); event.preventDefault(); }
    else if (event.key === "ArrowUp") { active = Math.max(0, active - 1); draw(); event.preventDefault(); }
    else if (event.key === "Enter") {
      event.preventDefault();
      if (active >= 0 && active < results.length) choose(results[active]);
      else if (input.value.trim()) openCreate(input.value.trim());
    } else if (event.key === "Escape") { list.hidden = true; }
  });
  input.addEventListener("blur", () => setTimeout(() => (list.hidden = true), 150));

  const createBox = el("div", { class: "create-actor", hidden: true });
  function openCreate(name) {
    list.hidden = true;
    const nameInput = el("input", { type: "text", value: name, required: true });
    const kind = choiceSelect(ctx.data.choices.actor_kind, "person", () => {}, { blank: "Kind…" });
    const country = el("input", { type: "text", maxlength: "3", placeholder: "LBY", size: "4", pattern: "[A-Za-z]{3}" });
    const error = el("p", { class: "error small", role: "alert" });
    const save = el("button", { type: "submit", class: "btn primary", text: "Create actor" });
    const cancel = el("button", { type: "button", class: "btn", text: "Cancel", onclick: () => (createBox.hidden = true) });
    const form = el(
      "form",
      {
        class: "stack",
        onsubmit: async (event) => {
          event.preventDefault();
          save.disabled = true;
          try {
            const actor = await ctx.track(ctx.api.post("/api/actors/", { name: nameInput.value, kind: kind.value, country: country.value.toUpperCase() }));
            createBox.hidden = true;
            ctx.toast(`Actor “${actor.name}” added to the registry.`);
            choose(actor);
          } catch (e) {
            error.textContent = e.message;
            save.disabled = false;
          }
        },
      },
      el("strong", { text: "New actor in the registry" }),
      field("Name", nameInput),
      el("div", { class: "row" }, field("Kind", kind), field("Country (ISO-3)", country)),
      error,
      el("div", { class: "row" }, save, cancel),
    );
    createBox.replaceChildren(form);
    createBox.hidden = false;
    nameInput.focus();
  }

  drawChips();
  const newButton = el("button", { type: "button", class: "link small", text: "+ new actor", onclick: () => openCreate(input.value.trim() || createName) });
  box.append(chips, el("div", { class: "ac-wrap" }, input, list), newButton, createBox);
  return box;
}

// --- the panel ------------------------------------------------------------------------------------------

export function renderPanel(container, ctx) {
  const { state } = ctx;
  const sg = state.suggestions.get(state.focusedSuggestion);
  if (sg) {
    container.replaceChildren(
      el("h2", { text: "Suggestion" }),
      el("p", {}, el("q", { text: ctx.text.slice(sg.s, sg.e) }), ` is a name of `, el("strong", { text: actorName(ctx, sg.actor) }), "."),
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
  const label = ctx.labelOf(ann);
  const saving = typeof ann.id !== "number";
  const labelSelect = el("select", {
    "aria-label": "Label",
    disabled: saving,
    onchange: () => {
      const id = Number(labelSelect.value);
      ann.label = id;
      ctx.rerender(ann);
      ctx.patch(ann, { label: id }, { rerender: true }).then(() => renderPanel(container, ctx), () => {});
    },
  });
  for (const l of ctx.data.labels) labelSelect.append(el("option", { value: l.id, text: `${l.name}${l.shortcut ? ` (${l.shortcut})` : ""}`, selected: l.id === ann.label }));

  const head = el(
    "div",
    { class: "panel-head", style: `--c: ${label.colour}` },
    el("div", { class: "row" }, labelSelect, el("span", { class: "muted small", text: saving ? "Saving…" : `#${ann.id} · ${ann.start}–${ann.end} · ${ann.status}` })),
    el("blockquote", { class: "panel-quote", text: ann.quote }),
  );
  const parts = [head];
  if (saving) {
    container.replaceChildren(...parts);
    return;
  }
  const save = (body) => ctx.patch(ann, body).catch(() => {});

  if (label.kind === "actor") parts.push(actorSection(ctx, ann, container));
  if (label.kind === "source") parts.push(sourceSection(ctx, ann, save, container));
  if (label.kind === "claim") parts.push(claimSection(ctx, ann, save, container));

  const note = el("textarea", { rows: "2", onchange: () => save({ note: note.value }) });
  note.value = ann.note || "";
  parts.push(field("Note", note));
  parts.push(relationsSection(ctx, ann));
  parts.push(
    el("div", { class: "row end" }, el("button", { type: "button", class: "btn danger", text: "Delete span (Del)", onclick: () => ctx.deleteSelected() })),
  );
  container.replaceChildren(...parts);
}

function actorSection(ctx, ann, container) {
  const section = el("section", { class: "panel-section" }, el("h3", { text: "Registry actor" }));
  section.append(
    actorPicker(ctx, {
      ids: ann.actors,
      multiple: false,
      createName: ann.quote,
      placeholder: "Link to an actor (name or alias)…",
      label: "Registry actor",
      onChange: (ids) => ctx.patch(ann, { actors: ids }).then(() => renderPanel(container, ctx), () => {}),
    }),
  );
  if (!ann.actors.length) {
    // One click for the likeliest registry entries for the span's own words.
    const quick = el("div", { class: "quick-picks" });
    section.insertBefore(quick, section.children[1]);
    ctx.api.get(`/api/actors/?q=${encodeURIComponent(ann.quote.slice(0, 100))}`).then((body) => {
      const found = (body.results || body).slice(0, 3);
      if (!found.length || ctx.state.selected !== ann.id) return;
      quick.append(el("span", { class: "muted small", text: "Likely: " }));
      for (const candidate of found) {
        quick.append(
          el("button", {
            type: "button",
            class: "btn small",
            text: candidate.name,
            title: [candidate.kind, candidate.country, (candidate.aliases || []).join(", ")].filter(Boolean).join(" · "),
            onclick: () => {
              ctx.state.actors.set(candidate.id, candidate);
              ctx.patch(ann, { actors: [candidate.id] }).then(() => renderPanel(container, ctx), () => {});
            },
          }),
        );
      }
    }, () => {});
  }
  const actor = ctx.state.actors.get(ann.actors[0]);
  if (actor) {
    const names = [actor.name, ...(actor.aliases || [])].map((n) => n.toLowerCase());
    if (!names.includes(ann.quote.toLowerCase())) {
      section.append(
        el("button", {
          type: "button",
          class: "btn small",
          text: `Add “${ann.quote}” as an alias of ${actor.name}`,
          onclick: async (event) => {
            event.target.disabled = true;
            try {
              const alias = await ctx.track(ctx.api.post(`/api/actors/${actor.id}/aliases/`, { name: ann.quote }));
              actor.aliases = [...(actor.aliases || []), alias.name];
              ctx.toast(`“${alias.name}” is now an alias of ${actor.name}.`);
              renderPanel(container, ctx);
            } catch (error) {
              ctx.toast(`Alias not added: ${error.message}`, { kind: "error" });
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

function sourceSection(ctx, ann, save, container) {
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
    field("Kind", choiceSelect(ctx.data.choices.source_kind, source.kind, (v) => update("kind", v))),
    field("Anonymity", choiceSelect(ctx.data.choices.anonymity, source.anonymity, (v) => update("anonymity", v))),
    el("div", { class: "field" }, el("label", { text: "Actor(s)" }),
      actorPicker(ctx, { ids: ann.actors, multiple: true, createName: "", label: "Source actors", onChange: (ids) => ctx.patch(ann, { actors: ids }).then(() => renderPanel(container, ctx), () => {}) })),
    el("div", { class: "row" }, field("Cue", cue), field("Channel", channel)),
  );
}

function spanOptions(ctx, kind, value, onChange) {
  const spans = [...ctx.state.anns.values()].filter((a) => ctx.labelOf(a).kind === kind && typeof a.id === "number").sort((a, b) => a.s - b.s);
  return choiceSelect(spans.map((a) => [String(a.id), `“${a.quote.slice(0, 48)}” @${a.start}`]), value ? String(value) : "", (v) => onChange(v ? Number(v) : null), { blank: "— none —" });
}

function claimSection(ctx, ann, save, container) {
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
    const span = ctx.state.anns.get(spanId);
    if (claim.claimant || claim.claimant_is_outlet || !span || !span.actors.length) return;
    claim.claimant = span.actors[0];
    ctx.patch(ann, { claim: { claimant: claim.claimant } }).then(() => {
      renderPanel(container, ctx);
      ctx.toast(`Claimant set to ${actorName(ctx, claim.claimant)} from “${span.quote.slice(0, 40)}”.`);
    }, () => {});
  };
  const sourceSelect = spanOptions(ctx, "source", claim.source_annotation, (v) => {
    update("source_annotation", v);
    adoptClaimant(v);
  });
  sourceSelect.setAttribute("aria-label", "Source span");
  return el(
    "section",
    { class: "panel-section" },
    el("h3", { text: "Claim" }),
    el("div", { class: "field" }, el("label", { text: "Claimant" }),
      actorPicker(ctx, { ids: claim.claimant ? [claim.claimant] : [], multiple: false, label: "Claimant", placeholder: "Who makes the claim…", onChange: (ids) => update("claimant", ids[0] ?? null) })),
    el("label", { class: "check" }, outlet, " The outlet's own voice"),
    field("Claimant mention (ACTOR span)", spanOptions(ctx, "actor", claim.claimant_mention, (v) => {
      update("claimant_mention", v);
      adoptClaimant(v);
    })),
    field("Source (SOURCE span)", sourceSelect),
    el("div", { class: "row" },
      field("Speech", choiceSelect(ctx.data.choices.speech, claim.speech, (v) => update("speech", v))),
      field("Claim date", date)),
    el("div", { class: "field" }, el("label", { text: "About" }),
      actorPicker(ctx, { ids: claim.about || [], multiple: true, label: "About actors", placeholder: "Actors the claim is about…", onChange: (ids) => update("about", ids) })),
    el("div", { class: "row" },
      field("Stance", choiceSelect(ctx.data.choices.stance, claim.stance, (v) => update("stance", v))),
      field("Verdict", choiceSelect(ctx.data.choices.verdict, claim.verdict, (v) => update("verdict", v || "unverified"), { blank: "Unverified" }))),
    field("Topic", topic),
  );
}

function relationsSection(ctx, ann) {
  const { state } = ctx;
  const kinds = ctx.data.choices.relation_kind;
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
          ? el("button", { type: "button", class: "link", text: `“${other.quote.slice(0, 40)}”`, title: "Jump to this span", onclick: () => ctx.select(other.id, true) })
          : el("span", { class: "muted", text: "(span not shown)" }),
        el("button", { type: "button", class: "icon", text: "✕", title: "Delete relation", "aria-label": "Delete relation", onclick: () => ctx.deleteRelation(r.id) }),
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
    el("div", { class: "row" }, kind, el("button", { type: "button", class: "btn small", text: "Link to… (l)", onclick: () => ctx.startLink(kind.value || "about") })),
  );
}
