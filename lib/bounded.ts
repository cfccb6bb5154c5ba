// Bounds for values a run stores and ships: text is cut with a marker that says how much there
// was, and a value too large to show whole stands in as a TruncatedValue (its size, a preview and
// where to download it). Shared by the server (what is stored and sent) and the run page (what it
// shows). Sizes are decimal: 1 KB = 1,000 bytes, 1 MB = 1,000,000 bytes.

/** The bytes of a value's JSON (UTF-8). */
export function jsonBytes(value: unknown): number {
  const text = JSON.stringify(value);
  return text === undefined ? 0 : byteLength(text);
}

function byteLength(text: string): number {
  return new TextEncoder().encode(text).length;
}

/** `512 bytes`, `16 KB`, `1.9 MB`. */
export function formatBytes(bytes: number): string {
  if (bytes < 1_000) return `${bytes} bytes`;
  if (bytes < 1_000_000) return `${trim(bytes / 1_000)} KB`;
  return `${trim(bytes / 1_000_000)} MB`;
}

const trim = (n: number) => (n >= 100 ? String(Math.round(n)) : n.toFixed(1).replace(/\.0$/, ""));

const MARKER = /… \[truncated: [\d.]+ (?:bytes|KB|MB) in all\]$/;

/**
 * The first `max` characters of `text`, never splitting a surrogate pair, then a marker naming the
 * whole size. Text already cut to `max` is returned as it is, so cutting twice changes nothing.
 */
export function truncateText(text: string, max: number): string {
  if (text.length <= max) return text;
  const marked = MARKER.exec(text);
  if (marked && marked.index <= max) return text;
  let cut = Math.max(0, max);
  const last = text.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut -= 1;
  return `${text.slice(0, cut)}… [truncated: ${formatBytes(byteLength(text))} in all]`;
}

/** Every string inside `value` (object keys excepted) cut to `max` characters with truncateText. */
export function truncateStrings<T>(value: T, max: number): T {
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") return truncateText(v, max);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(value) as T;
}

/** What stands in for a value too large to store or ship whole. */
export interface TruncatedValue {
  $truncated: {
    /** The size of the whole value's JSON. */
    bytes: number;
    /** The start of that JSON. */
    preview: string;
    /** Where the whole value can be downloaded, when it is kept. */
    download?: string;
  };
}

const PREVIEW_CHARS = 2_000;

export function isTruncated(value: unknown): value is TruncatedValue {
  if (!value || typeof value !== "object" || Array.isArray(value)) return false;
  const t = (value as { $truncated?: unknown }).$truncated;
  return !!t && typeof t === "object" && typeof (t as { bytes?: unknown }).bytes === "number";
}

/** `value` when its JSON is at most `maxBytes`, else a TruncatedValue with a preview (and `download`, when given). */
export function capValue(value: unknown, maxBytes: number, download?: string): unknown {
  const text = JSON.stringify(value);
  // Cheap first: a JSON string has at most 3 UTF-8 bytes per UTF-16 unit.
  if (text === undefined || text.length * 3 <= maxBytes) return value;
  const bytes = byteLength(text);
  if (bytes <= maxBytes) return value;
  const preview = truncateText(text, PREVIEW_CHARS);
  return { $truncated: { bytes, preview, ...(download ? { download } : {}) } } satisfies TruncatedValue;
}
