// Small DOM builders for the details panel: el() (props, listeners, children), a labelled field, a <select>.
// Listeners are attached with addEventListener, never as inline handlers (a strict CSP allows no inline code).

export function el(tag, props = {}, ...children) {
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

export function field(labelText, control, hintText) {
  const id = control.id || `f-${Math.random().toString(36).slice(2, 9)}`;
  control.id = id;
  return el("div", { class: "field" }, el("label", { for: id, text: labelText }), control, hintText ? el("small", { class: "muted", text: hintText }) : null);
}

export function choiceSelect(choices, value, onChange, { blank = "—" } = {}) {
  const select = el("select", { onchange: () => onChange(select.value) });
  select.append(el("option", { value: "", text: blank }));
  for (const [v, text] of choices) select.append(el("option", { value: v, text, selected: v === value }));
  return select;
}
