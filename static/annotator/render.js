// Rendering the article: paragraphs (split at line breaks) made of segments cut at every span boundary.
// Text goes in with textContent only, never innerHTML: article text is untrusted.

const STEP = 3; // px between stacked underlines of nested or overlapping spans

export function splitParagraphs(text) {
  const paragraphs = [];
  const pattern = /\n+/g;
  let start = 0;
  let match;
  const push = (s, e) => {
    if (text.slice(s, e).trim()) paragraphs.push({ s, e, el: null });
  };
  while ((match = pattern.exec(text)) !== null) {
    push(start, match.index);
    start = match.index + match[0].length;
  }
  push(start, text.length);
  return paragraphs;
}

// Index of the paragraph containing UTF-16 offset u (or the nearest one after it).
export function paragraphAt(paragraphs, u) {
  let lo = 0;
  let hi = paragraphs.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (paragraphs[mid].e <= u) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function rgba(hex, alpha) {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

// Build one paragraph element. `spans` are the annotations overlapping it ({id, s, e, colour}),
// `hints` the suggestions ({key, s, e}), `marks` extra classes over ranges ({s, e, cls}: score differences).
export function buildParagraph(text, paragraph, spans, hints, marks = []) {
  const el = document.createElement("p");
  el.className = "para";
  el.dataset.s = paragraph.s;
  el.dataset.e = paragraph.e;
  const cuts = new Set([paragraph.s, paragraph.e]);
  for (const item of spans) {
    if (item.s > paragraph.s) cuts.add(item.s);
    if (item.e < paragraph.e) cuts.add(item.e);
  }
  for (const item of [...hints, ...marks]) {
    if (item.s > paragraph.s) cuts.add(item.s);
    if (item.e < paragraph.e) cuts.add(item.e);
  }
  const points = [...cuts].sort((a, b) => a - b);
  if (!spans.length && !hints.length && !marks.length) {
    const seg = document.createElement("span");
    seg.dataset.s = paragraph.s;
    seg.textContent = text.slice(paragraph.s, paragraph.e);
    el.appendChild(seg);
    return el;
  }
  // Outer (longer) spans first, so that their underline is the lowest layer.
  const ordered = spans.slice().sort((a, b) => a.s - b.s || (b.e - b.s) - (a.e - a.s));
  for (let i = 0; i + 1 < points.length; i++) {
    const a = points[i];
    const b = points[i + 1];
    const seg = document.createElement("span");
    seg.dataset.s = a;
    seg.textContent = text.slice(a, b);
    const active = [];
    for (const item of ordered) if (item.s <= a && item.e >= b) active.push(item);
    if (active.length) {
      active.sort((x, y) => (y.e - y.s) - (x.e - x.s));
      const inner = active[active.length - 1];
      seg.className = "ann";
      seg.dataset.ids = active.map((x) => x.id).join(" ");
      seg.dataset.depth = active.length;
      const images = [];
      const sizes = [];
      const positions = [];
      active.forEach((x, depth) => {
        images.push(`linear-gradient(${x.colour}, ${x.colour})`);
        sizes.push("100% 2px");
        positions.push(`0 calc(100% - ${depth * STEP}px)`);
      });
      seg.style.backgroundColor = rgba(inner.colour, active.length > 1 ? 0.28 : 0.18);
      seg.style.backgroundImage = images.join(", ");
      seg.style.backgroundSize = sizes.join(", ");
      seg.style.backgroundPosition = positions.join(", ");
      seg.style.paddingBottom = `${(active.length - 1) * STEP + 1}px`;
      for (const x of active) {
        if (x.s === a) seg.classList.add("starts");
        if (x.e === b) seg.classList.add("ends");
      }
    }
    for (const mark of marks) if (mark.s <= a && mark.e >= b) seg.classList.add(mark.cls);
    for (const hint of hints) {
      if (hint.s <= a && hint.e >= b) {
        seg.classList.add("sugg");
        seg.dataset.sugg = hint.key;
        break;
      }
    }
    el.appendChild(seg);
  }
  return el;
}
