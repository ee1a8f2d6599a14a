// The details panel's actor picker: chosen actors as chips, registry autocomplete, the inline "new actor" form.
// Autocomplete searches names and aliases (GET /api/actors/?q=); the form posts to /api/actors/.

import { api, data, state } from "./state.js";
import { choiceSelect, el, field } from "./dom.js";
import { track } from "./saving.js";
import { toast } from "./toast.js";

export function actorName(id) {
  const actor = state.actors.get(id);
  return actor ? actor.name : `actor #${id}`;
}

export function actorPicker({ ids, multiple, onChange, createName = "", placeholder = "Search actors…", label = "Actor" }) {
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
          el("span", { text: actorName(id) }),
          el("button", { type: "button", class: "icon", title: "Remove", "aria-label": `Remove ${actorName(id)}`, text: "✕", onclick: () => set(current.filter((x) => x !== id)) }),
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
    state.actors.set(actor.id, { ...state.actors.get(actor.id), ...actor });
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
        const body = await api.get(`/api/actors/?q=${encodeURIComponent(q)}`);
        if (input.value.trim() !== q) return;
        results = (body.results || body).slice(0, 8);
        active = results.length ? 0 : -1;
        draw();
      } catch (error) {
        toast(`Actor search failed: ${error.message}`, { kind: "error" });
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
    const kind = choiceSelect(data.choices.actor_kind, "person", () => {}, { blank: "Kind…" });
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
            const actor = await track(api.post("/api/actors/", { name: nameInput.value, kind: kind.value, country: country.value.toUpperCase() }));
            createBox.hidden = true;
            toast(`Actor “${actor.name}” added to the registry.`);
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
