// Article list: j/k move, Enter opens, / focuses search; the "mentions actor" filter autocompletes.
const rows = [...document.querySelectorAll(".article-row")];
let current = -1;

function focusRow(index) {
  if (!rows.length) return;
  current = Math.max(0, Math.min(rows.length - 1, index));
  rows.forEach((row, i) => row.classList.toggle("current", i === current));
  rows[current].scrollIntoView({ block: "nearest" });
  rows[current].querySelector(".article-title").focus({ preventScroll: true });
}

function typing(target) {
  return target.closest("input, select, textarea, [contenteditable]");
}

document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  if (typing(event.target)) {
    if (event.key === "Escape") event.target.blur();
    return;
  }
  if (event.key === "j") { focusRow(current + 1); event.preventDefault(); }
  else if (event.key === "k") { focusRow(current - 1); event.preventDefault(); }
  else if (event.key === "Enter" && current >= 0) { window.location.href = rows[current].dataset.href; }
  else if (event.key === "/") { document.getElementById("search").focus(); event.preventDefault(); }
});
rows.forEach((row, i) => row.addEventListener("click", (event) => {
  if (!event.target.closest("a")) window.location.href = row.dataset.href;
  current = i;
}));

const input = document.getElementById("actor-filter-input");
const hidden = document.getElementById("actor-filter-id");
const list = document.getElementById("actor-filter-list");
let timer = null;
if (input) {
  input.addEventListener("input", () => {
    hidden.value = "";
    clearTimeout(timer);
    const q = input.value.trim();
    if (!q) { list.hidden = true; return; }
    timer = setTimeout(async () => {
      const response = await fetch(`/api/actors/?q=${encodeURIComponent(q)}`, { headers: { Accept: "application/json" } });
      if (!response.ok) return;
      const body = await response.json();
      const results = (body.results || body).slice(0, 8);
      list.replaceChildren(...results.map((actor) => {
        const li = document.createElement("li");
        li.textContent = actor.name;
        li.setAttribute("role", "option");
        li.addEventListener("mousedown", (event) => {
          event.preventDefault();
          input.value = actor.name;
          hidden.value = actor.id;
          list.hidden = true;
          input.form.submit();
        });
        return li;
      }));
      list.hidden = results.length === 0;
    }, 200);
  });
  input.addEventListener("blur", () => setTimeout(() => { list.hidden = true; }, 150));
}
