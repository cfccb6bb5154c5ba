/**
 * Renames a top-level identifier in a CEL expression (`reason.amount` → `reason_2.amount`) without
 * touching string literals, member names (`x.reason`) or other identifiers. Used when a node's id
 * changes or a pasted node gets a fresh id, so references follow the node.
 */
export function renameRootIdentifier(src: string, from: string, to: string): string {
  if (from === to || !src.includes(from)) return src;
  let out = "";
  let i = 0;
  let lastSignificant = "";
  while (i < src.length) {
    const ch = src[i] as string;
    // String literals, including raw (r"…"), bytes (b"…") and triple-quoted ones.
    const prefix = /[rRbB]/.test(ch) && (src[i + 1] === '"' || src[i + 1] === "'") ? 1 : 0;
    const quote = src[i + prefix];
    if ((quote === '"' || quote === "'") && (prefix === 0 || !isIdentChar(src[i - 1]))) {
      const raw = prefix === 1 && /[rR]/.test(ch);
      const triple = src.startsWith(quote.repeat(3), i + prefix);
      const close = triple ? quote.repeat(3) : quote;
      let j = i + prefix + close.length;
      while (j < src.length && !src.startsWith(close, j)) j += !raw && src[j] === "\\" ? 2 : 1;
      j = Math.min(src.length, j + close.length);
      out += src.slice(i, j);
      lastSignificant = quote;
      i = j;
      continue;
    }
    if (/[A-Za-z_]/.test(ch)) {
      let j = i + 1;
      while (j < src.length && isIdentChar(src[j])) j++;
      const word = src.slice(i, j);
      out += word === from && lastSignificant !== "." ? to : word;
      lastSignificant = "a";
      i = j;
      continue;
    }
    if (/[0-9]/.test(ch)) {
      // Numbers, including 1e5 and 0x1F, are copied whole so their letters are not identifiers.
      let j = i + 1;
      while (j < src.length && /[0-9A-Za-z_.]/.test(src[j] as string)) j++;
      out += src.slice(i, j);
      lastSignificant = "0";
      i = j;
      continue;
    }
    out += ch;
    if (!/\s/.test(ch)) lastSignificant = ch;
    i++;
  }
  return out;
}

function isIdentChar(ch: string | undefined): boolean {
  return ch !== undefined && /[A-Za-z0-9_]/.test(ch);
}
