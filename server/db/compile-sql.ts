import { entityKind, type Name, type Param, type SQL, type StringChunk } from "drizzle-orm";

// Raw statements (Database.rows) are `sql` templates: text, values, nested templates, sql.join,
// sql.raw and sql.identifier. drizzle turns one into text and parameters by testing each chunk
// against a dozen entity kinds, walking each class chain, and copying its settings at every level:
// about 5% of the JavaScript thread in a profile of the server under the API bench, five times
// what this costs (npm run bench request-path). This compiles those chunks in one walk, with
// drizzle's PostgreSQL output, and gives up (null) on any other drizzle entity (a column, a table,
// a placeholder…), which drizzle's own builder then takes. compile-sql.test.ts and, across the
// suite, test/compiled-sql-setup.ts hold the two to the same text and parameters.
// Chunks are told apart by their drizzle entity kind, never by class: Next.js bundles each server
// layer with its own copy of drizzle, so a template may be built with another copy's classes.

export interface CompiledQuery {
  text: string;
  params: unknown[];
}

/** Thrown inside the walk when a chunk is not one of the kinds above. */
const GIVE_UP = Symbol("give up");

/** `query` as PostgreSQL text with $n parameters, as drizzle's PgDialect writes it; null when drizzle must. */
export function compileSql(query: SQL): CompiledQuery | null {
  if (inlines(query)) return null;
  const out: CompiledQuery = { text: "", params: [] };
  try {
    walk(query.queryChunks, out);
  } catch (e) {
    if (e === GIVE_UP) return null;
    throw e;
  }
  return out;
}

function walk(chunks: readonly unknown[], out: CompiledQuery): void {
  for (const chunk of chunks) {
    if (chunk === undefined) continue;
    if (chunk === null || typeof chunk !== "object") {
      if (typeof chunk === "function") throw GIVE_UP;
      param(chunk, out);
      continue;
    }
    if (Array.isArray(chunk)) {
      out.text += "(";
      chunk.forEach((item, i) => {
        walk([item], out);
        if (i < chunk.length - 1) out.text += ", ";
      });
      out.text += ")";
      continue;
    }
    switch (kindOf(chunk)) {
      case "StringChunk":
        out.text += (chunk as StringChunk).value.join("");
        break;
      case "SQL":
        if (inlines(chunk as SQL)) throw GIVE_UP;
        walk((chunk as SQL).queryChunks, out);
        break;
      case "Name":
        out.text += `"${(chunk as Name).value.replace(/"/g, '""')}"`;
        break;
      case "Param": {
        const p = chunk as Param;
        if (kindOf(p.value) === "Placeholder") throw GIVE_UP;
        const mapped: unknown = p.value === null ? null : p.encoder.mapToDriverValue(p.value);
        if (kindOf(mapped) === "SQL") walk([mapped], out);
        else param(mapped, out);
        break;
      }
      case undefined:
        // A query builder is not an entity but writes itself: drizzle knows how.
        if (typeof (chunk as { getSQL?: unknown }).getSQL === "function") throw GIVE_UP;
        // A Date, a Buffer, a plain object: a parameter, as drizzle passes it.
        param(chunk, out);
        break;
      default:
        // A column, table, view, subquery, alias or placeholder: drizzle knows how to write it.
        throw GIVE_UP;
    }
  }
}

function param(value: unknown, out: CompiledQuery): void {
  out.params.push(value);
  out.text += `$${out.params.length}`;
}

/** sql.inlineParams() was called on it (drizzle keeps the flag private). */
const inlines = (q: SQL): boolean => (q as unknown as { shouldInlineParams: boolean }).shouldInlineParams;

/** The drizzle entity kind of `value`'s class ("SQL", "StringChunk", …); undefined for anything else. */
function kindOf(value: unknown): string | undefined {
  if (value === null || typeof value !== "object") return undefined;
  const kind = (value.constructor as unknown as Record<symbol, unknown> | undefined)?.[entityKind];
  return typeof kind === "string" ? kind : undefined;
}
