import "server-only";

export interface Clause {
  clauseId: string;
  title: string;
}

/** Policy clause ids look like `REF-2.2` or `SHIP-10`. */
const CLAUSE_ID = /\b[A-Z][A-Z0-9]{1,9}-\d+(?:\.\d+)*\b/g;
const ID_KEYS = ["clauseId", "clause_id", "clause", "id"];
const TITLE_KEYS = ["title", "name", "heading"];

/**
 * Clauses a knowledge search returned: objects that carry a clause-shaped id (and a title when they
 * have one), else any clause ids in the text.
 */
export function clausesIn(result: unknown): Clause[] {
  const found = new Map<string, Clause>();
  const visit = (v: unknown, depth: number) => {
    if (depth > 8 || v === null || typeof v !== "object") return;
    if (Array.isArray(v)) {
      for (const x of v) visit(x, depth + 1);
      return;
    }
    const o = v as Record<string, unknown>;
    const id = ID_KEYS.map((k) => o[k]).find((x): x is string => typeof x === "string" && new RegExp(`^${CLAUSE_ID.source}$`).test(x));
    if (id && !found.has(id)) {
      const title = TITLE_KEYS.map((k) => o[k]).find((x): x is string => typeof x === "string") ?? "";
      found.set(id, { clauseId: id, title });
    }
    for (const x of Object.values(o)) visit(x, depth + 1);
  };
  const parsed = typeof result === "string" ? tryJson(result) : result;
  visit(parsed, 0);
  if (!found.size) {
    const text = typeof result === "string" ? result : JSON.stringify(result ?? "");
    for (const m of text.matchAll(CLAUSE_ID)) if (!found.has(m[0])) found.set(m[0], { clauseId: m[0], title: "" });
  }
  return [...found.values()];
}

/** The clauses that `said` (the answer, its text and reasoning) actually mentions. */
export function citedClauses(clauses: Clause[], said: string): Clause[] {
  return clauses.filter((c) => new RegExp(`(^|[^A-Za-z0-9.-])${c.clauseId.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?![0-9]|\\.[0-9])`).test(said));
}

function tryJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}
