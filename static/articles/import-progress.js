// The Import page's live progress: polls the background import's status and shows its results when it ends.

const section = document.getElementById("import-progress");
const POLL_MS = 1000;

function show(state) {
  const field = (name) => section.querySelector(`[data-field="${name}"]`);
  field("status").textContent = state.status === "running" ? "Running" : state.status === "queued" ? "Queued" : "Finished";
  field("processed").textContent = String(state.processed);
  field("imported").textContent = String(state.counts.imported + state.counts.syndicated_copy);
  field("duplicate").textContent = String(state.counts.duplicate);
  field("failed").textContent = String(state.counts.failed);
}

async function poll() {
  let state;
  try {
    const response = await fetch(section.dataset.statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" });
    if (!response.ok) throw new Error(`status ${response.status}`);
    state = await response.json();
  } catch {
    setTimeout(poll, POLL_MS * 3); // the server is restarting or unreachable: try again, a little later
    return;
  }
  show(state);
  if (state.status === "done" || state.status === "failed") {
    // The page itself lists the results of a finished import, with links to the articles.
    window.location.replace(`/import/?batch=${section.dataset.batch}`);
    return;
  }
  setTimeout(poll, POLL_MS);
}

if (section) setTimeout(poll, POLL_MS);
