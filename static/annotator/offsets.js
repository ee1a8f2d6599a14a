// Offsets: the API and the database count Unicode code points, the browser's strings count UTF-16 units.
// An OffsetIndex converts between the two for one text in O(log n), using the positions of its astral
// characters (the only ones that take two UTF-16 units).

export class OffsetIndex {
  constructor(text) {
    this.text = text;
    this.astralU16 = []; // UTF-16 index of each astral character, ascending
    this.astralCp = []; // its code-point index
    let cp = 0;
    for (let u = 0; u < text.length; u++, cp++) {
      const code = text.charCodeAt(u);
      if (code >= 0xd800 && code <= 0xdbff && u + 1 < text.length) {
        const next = text.charCodeAt(u + 1);
        if (next >= 0xdc00 && next <= 0xdfff) {
          this.astralU16.push(u);
          this.astralCp.push(cp);
          u++;
        }
      }
    }
    this.cpLength = cp;
  }

  // Number of entries of the sorted array that are < value.
  static countBelow(sorted, value) {
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid] < value) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  toU16(cp) {
    return cp + OffsetIndex.countBelow(this.astralCp, cp);
  }

  // A UTF-16 offset inside a surrogate pair is moved to the start of that character.
  toCp(u16) {
    const before = OffsetIndex.countBelow(this.astralU16, u16);
    if (before > 0 && this.astralU16[before - 1] === u16 - 1) return u16 - before;
    return u16 - before;
  }

  // Round a UTF-16 offset that falls between two halves of a surrogate pair down (start) or up (end).
  align(u16, up = false) {
    const i = OffsetIndex.countBelow(this.astralU16, u16);
    if (i > 0 && this.astralU16[i - 1] === u16 - 1) return up ? u16 + 1 : u16 - 1;
    return u16;
  }
}

const WORD = /[\p{L}\p{N}\p{M}]/u;
const JOINER = /['’\-‐]/u;

// Is the character (a whole code point) starting at UTF-16 index i a word character?
function wordAt(text, i) {
  if (i < 0 || i >= text.length) return false;
  return WORD.test(String.fromCodePoint(text.codePointAt(i)));
}

function wordBefore(text, i) {
  if (i <= 0) return false;
  let j = i - 1;
  const code = text.charCodeAt(j);
  if (code >= 0xdc00 && code <= 0xdfff && j > 0) j -= 1;
  return wordAt(text, j);
}

function charLengthAt(text, i) {
  return text.codePointAt(i) > 0xffff ? 2 : 1;
}

function charLengthBefore(text, i) {
  const code = text.charCodeAt(i - 1);
  return code >= 0xdc00 && code <= 0xdfff && i >= 2 ? 2 : 1;
}

// Snap a UTF-16 range [start, end) to whole words: trim spaces and punctuation at both ends, then grow a
// cut word to its full length. Combining marks and Arabic letters count as word characters. A selection
// with no word character in it (an emoji, a dash) is only trimmed of white space.
export function snapToWords(text, start, end) {
  let s = start;
  let e = end;
  while (s < e && !wordAt(text, s)) s += charLengthAt(text, s);
  while (e > s && !wordBefore(text, e)) e -= charLengthBefore(text, e);
  if (s >= e) return trimSpace(text, start, end);
  // A selection that began on an apostrophe or hyphen inside a word ("Libya|'s") takes the whole word.
  if (s > start && JOINER.test(text[s - 1] || "") && wordBefore(text, s - 1)) s -= 1;
  if (e < end && JOINER.test(text[e] || "") && wordAt(text, e + 1)) e += 1;
  // Starting right after an apostrophe inside a word ("Libya'|s") is a cut word too.
  if (/['’]/u.test(text[s - 1] || "") && wordBefore(text, s - 1)) s -= 1;
  while (s > 0 && wordBefore(text, s)) s -= charLengthBefore(text, s);
  while (e < text.length && wordAt(text, e)) e += charLengthAt(text, e);
  return [s, e];
}

export function trimSpace(text, start, end) {
  let s = start;
  let e = end;
  while (s < e && /\s/u.test(text[s])) s++;
  while (e > s && /\s/u.test(text[e - 1])) e--;
  return [s, e];
}

// Inside a word for keyboard moves: word characters, and an apostrophe between two of them (Libya's).
function inWord(text, i) {
  return wordAt(text, i) || (/['’]/u.test(text[i] || "") && wordBefore(text, i) && wordAt(text, i + 1));
}

function inWordBefore(text, i) {
  return i > 0 && inWord(text, i - charLengthBefore(text, i));
}

// The end of the word after UTF-16 offset i (skipping what is between), and the start of the word before it.
export function nextWordEnd(text, i) {
  let j = i;
  while (j < text.length && !inWord(text, j)) j += charLengthAt(text, j);
  while (j < text.length && inWord(text, j)) j += charLengthAt(text, j);
  return j;
}

export function previousWordStart(text, i) {
  let j = i;
  while (j > 0 && !inWordBefore(text, j)) j -= charLengthBefore(text, j);
  while (j > 0 && inWordBefore(text, j)) j -= charLengthBefore(text, j);
  return j;
}

export function nextWordStart(text, i) {
  let j = i;
  while (j < text.length && inWord(text, j)) j += charLengthAt(text, j);
  while (j < text.length && !inWord(text, j)) j += charLengthAt(text, j);
  return j;
}

export function previousWordEnd(text, i) {
  let j = i;
  while (j > 0 && inWordBefore(text, j)) j -= charLengthBefore(text, j);
  while (j > 0 && !inWordBefore(text, j)) j -= charLengthBefore(text, j);
  return j;
}

// Map a DOM boundary point inside the document to a UTF-16 offset into the article text. Every piece of
// text sits in an element carrying data-s (its UTF-16 start); paragraphs carry data-s and data-e.
export function pointToOffset(root, node, offset) {
  if (node.nodeType === Node.TEXT_NODE) {
    const holder = node.parentElement.closest("[data-s]");
    if (!holder || !root.contains(holder)) return null;
    let before = 0;
    for (let n = holder.firstChild; n && n !== node; n = n.nextSibling) before += n.textContent.length;
    return Number(holder.dataset.s) + before + offset;
  }
  const element = node.nodeType === Node.ELEMENT_NODE ? node : node.parentElement;
  if (element === root || !root.contains(element)) {
    const children = [...root.children].filter((c) => c.dataset.s !== undefined);
    if (!children.length) return 0;
    const child = root.childNodes[offset];
    if (child && child.dataset && child.dataset.s !== undefined) return Number(child.dataset.s);
    const last = offset >= root.childNodes.length;
    return last ? Number(children[children.length - 1].dataset.e) : Number(children[0].dataset.s);
  }
  const holder = element.closest("[data-s]");
  if (!holder) return null;
  const child = element.childNodes[offset];
  if (child) {
    const inner = child.nodeType === Node.ELEMENT_NODE && child.dataset.s !== undefined ? child : null;
    if (inner) return Number(inner.dataset.s);
    return pointToOffset(root, child.nodeType === Node.TEXT_NODE ? child : child.firstChild || child, 0);
  }
  const start = Number(holder.dataset.s);
  return holder.dataset.e !== undefined ? Number(holder.dataset.e) : start + holder.textContent.length;
}
