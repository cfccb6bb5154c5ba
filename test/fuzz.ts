// Mutations of well-formed inputs, the way a hostile client or a careless integration sends them:
// NUL characters, lone surrogates, 2 MB strings, deep nesting, wrong types, odd keys. Deterministic
// from a seed, so a failure names an input that can be replayed.

/** mulberry32: a small seeded PRNG. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const BIG = "x".repeat(2_000_000);

function deep(depth: number, leaf: unknown): unknown {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { a: v };
  return v;
}

/** Hostile values: each is something a text, number or object field might be sent instead. */
const HOSTILE: ((r: () => number) => unknown)[] = [
  () => "a\u0000b",
  () => "\u0000",
  () => "lone \uD800 surrogate",
  () => "\uDFFF",
  () => "ok\uD83D",
  () => BIG,
  () => `${BIG}\u0000`,
  () => deep(2_000, "x"),
  () => deep(60, "\u0000"),
  () => 1e308,
  () => -1,
  () => Number.MAX_SAFE_INTEGER + 2,
  () => null,
  () => true,
  () => [],
  () => ({}),
  () => "",
  () => "   ",
  () => ({ __proto__: { polluted: true }, constructor: { prototype: { x: 1 } } }),
  () => JSON.parse('{"__proto__": {"polluted": true}}') as unknown,
  (r) => "é".repeat(Math.floor(r() * 70_000)),
  () => "'); drop table run; --",
  () => "${jndi:ldap://x}",
  () => "<script>alert(1)</script>",
  () => "\u202e\u200b\ufeff",
  () => Array.from({ length: 10_000 }, (_, i) => i),
];

export function hostile(r: () => number): unknown {
  return HOSTILE[Math.floor(r() * HOSTILE.length)]!(r);
}

function pick<T>(r: () => number, items: readonly T[]): T {
  return items[Math.floor(r() * items.length)]!;
}

/**
 * A copy of `value` with one to three places replaced by hostile values, keys added or removed, or
 * the whole thing swapped for a hostile value.
 */
export function mutate(value: unknown, r: () => number): unknown {
  if (r() < 0.08) return hostile(r);
  const copy = structuredClone(value) as unknown;
  const edits = 1 + Math.floor(r() * 3);
  for (let i = 0; i < edits; i++) mutateOnce(copy, r);
  return copy;
}

function mutateOnce(root: unknown, r: () => number): void {
  // Walk to a random container, then change one of its entries.
  let cur = root;
  for (let hops = Math.floor(r() * 6); hops > 0; hops--) {
    const children = containerEntries(cur).filter(([, v]) => v !== null && typeof v === "object");
    if (!children.length) break;
    cur = pick(r, children)[1];
  }
  if (cur === null || typeof cur !== "object") return;
  const entries = containerEntries(cur);
  const roll = r();
  if (Array.isArray(cur)) {
    if (roll < 0.2 || !cur.length) cur.push(hostile(r));
    else if (roll < 0.3) cur.splice(Math.floor(r() * cur.length), 1);
    else cur[Math.floor(r() * cur.length)] = hostile(r);
    return;
  }
  const obj = cur as Record<string, unknown>;
  if (roll < 0.15 || !entries.length) obj[pick(r, ["\u0000", "x\uD800", "__proto__", "constructor", "k".repeat(5_000), "extra"])] = hostile(r);
  else if (roll < 0.3) delete obj[pick(r, entries)[0]];
  else obj[pick(r, entries)[0]] = hostile(r);
}

function containerEntries(v: unknown): [string, unknown][] {
  if (Array.isArray(v)) return v.map((x, i) => [String(i), x]);
  if (v && typeof v === "object") return Object.entries(v);
  return [];
}

/** A JSON body for `fetch`; a value JSON cannot carry (a lone surrogate is fine, it escapes) stays as sent. */
export function body(value: unknown): string {
  return JSON.stringify(value) ?? "null";
}
