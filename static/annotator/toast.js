// The toast: one short message at a time (info or error), optionally with an action button such as Undo.

const toastBox = document.getElementById("toast");
let toastTimer = null;

export function toast(message, { kind = "info", action = null } = {}) {
  toastBox.replaceChildren();
  const span = document.createElement("span");
  span.textContent = message;
  toastBox.append(span);
  if (action) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "link";
    button.textContent = action.label;
    button.addEventListener("click", () => {
      toastBox.hidden = true;
      action.run();
    });
    toastBox.append(button);
  }
  toastBox.className = `toast ${kind}`;
  toastBox.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (toastBox.hidden = true), kind === "error" ? 9000 : 6000);
}
