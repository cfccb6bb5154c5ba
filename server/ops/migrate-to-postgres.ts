import "server-only";
import fs from "node:fs";
import path from "node:path";
import postgres from "postgres";
import { sql } from "drizzle-orm";
import { openDatabase, type Database } from "@/server/db/database";

// `npm run migrate-to-postgres`: moves an embedded (PGlite) data dir into an empty PostgreSQL
// database. Both are brought to this build's schema by the usual migrations first, so every table
// has the same columns in the same order on both sides; then each table's rows go over as their
// text form (`row::text`, parsed back with the PostgreSQL table's own row type), which carries every
// value exactly as stored — timestamps, jsonb, bytea, the audit log's hashes — with no driver in
// between to convert it. One transaction: a failure leaves the target as empty as it was.

export class MigrateError extends Error {
  override name = "MigrateError";
}

const BATCH = 1_000;

/** Tables that hold what people made or did: a target with rows in any of them is refused. */
const HELD_BY_PEOPLE = ["user", "mission", "run", "decision", "audit_log", "audit_anchor", "connector"];

export interface MigrateReport {
  tables: number;
  rows: number;
  /** Rows per table, on both sides after the copy (they are equal, or it failed). */
  counts: Record<string, number>;
}

/** Tables in an order where each comes after those its foreign keys point to. */
function dependencyOrder(tables: string[], edges: { t: string; r: string }[]): string[] {
  const done = new Set<string>();
  const order: string[] = [];
  const visit = (t: string, path: string[]) => {
    if (done.has(t)) return;
    if (path.includes(t)) throw new MigrateError(`Foreign keys form a cycle: ${[...path, t].join(" → ")}`);
    for (const e of edges) if (e.t === t && e.r !== t) visit(e.r, [...path, t]);
    done.add(t);
    order.push(t);
  };
  for (const t of [...tables].sort()) visit(t, []);
  return order;
}

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

async function columnsOf(rows: (q: string) => Promise<Record<string, unknown>[]>, table: string): Promise<{ name: string; generated: boolean }[]> {
  const cols = await rows(
    `select column_name as name, is_generated <> 'NEVER' as generated from information_schema.columns
     where table_schema = 'public' and table_name = '${table.replace(/'/g, "''")}' order by ordinal_position`,
  );
  return cols.map((c) => ({ name: String(c.name), generated: c.generated === true }));
}

/**
 * Copies every row of the data dir at `dataDir` into the PostgreSQL database at `url`, which must
 * hold nothing people made (a fresh `createdb`, or one a server only started on). Refuses while a server holds the data dir
 * (DataDirLockedError from opening it).
 */
export async function migrateToPostgres(dataDir: string, url: string, log: (line: string) => void = () => {}): Promise<MigrateReport> {
  const dir = path.resolve(dataDir);
  if (!fs.existsSync(path.join(dir, "PG_VERSION"))) throw new MigrateError(`There is no embedded database at ${dir}: set STEWARD_DATA_DIR to the server's data directory.`);
  const pg = postgres(url, { max: 1, onnotice: () => {} });
  let source: Database | undefined;
  try {
    // Migrations seed some rows and a server's first start adds a few (its functions, a setup
    // token): those are replaced. What people made is not: then the target is refused.
    for (const { t } of await pg<{ t: string }[]>`select table_name as t from information_schema.tables where table_schema = 'public' and table_name in ${pg(HELD_BY_PEOPLE)}`) {
      const [row] = await pg.unsafe<{ filled: boolean }[]>(`select exists (select 1 from ${ident(t)}) as filled`);
      if (row?.filled) throw new MigrateError(`The target database is not empty (table ${t} has rows): migrate into a fresh database (createdb), then point DATABASE_URL at it.`);
    }

    // Opening the data dir takes its lock and applies any migration it lacks; opening the target
    // creates this build's schema there (or finds it).
    source = await openDatabase({ driver: "pglite", dataDir: dir });
    const target = await openDatabase({ driver: "postgres", url, max: 1 });
    await target.close();
    const from = source;
    const sourceRows = (q: string) => from.rows<Record<string, unknown>>(sql.raw(q));
    const targetRows = async (q: string) => [...(await pg.unsafe(q))] as Record<string, unknown>[];

    const tables = (await targetRows(`select table_name as t from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`)).map((r) => String(r.t));
    const edges = (await targetRows(
      `select conrelid::regclass::text as t, confrelid::regclass::text as r from pg_constraint where contype = 'f' and connamespace = 'public'::regnamespace`,
    )).map((e) => ({ t: String(e.t).replace(/^"|"$/g, ""), r: String(e.r).replace(/^"|"$/g, "") }));
    const order = dependencyOrder(tables, edges);
    const columns = new Map<string, { name: string; generated: boolean }[]>();
    for (const t of order) {
      const cols = await columnsOf(targetRows, t);
      const a = (await columnsOf(sourceRows, t)).map((c) => c.name).join(",");
      const b = cols.map((c) => c.name).join(",");
      if (a !== b) throw new MigrateError(`Table ${t} differs between the data dir (${a}) and PostgreSQL (${b}): run both on the same Steward version.`);
      columns.set(t, cols);
    }

    const counts: Record<string, number> = {};
    // The pool's one connection is the transaction's from here: every query below goes through `tx`.
    await pg.begin(async (tx) => {
      // What the migrations seeded there comes over from the data dir too.
      for (const t of [...order].reverse()) await tx.unsafe(`delete from ${ident(t)}`);
      for (const t of order) {
        // Generated columns are computed again from the others.
        const cols = (columns.get(t) ?? []).filter((c) => !c.generated).map((c) => ident(c.name));
        const insert = `insert into ${ident(t)} (${cols.join(", ")}) select ${cols.map((c) => `(r).${c}`).join(", ")}
                        from (select x::${ident(t)} as r from unnest($1::text[]) with ordinality as u(x, i) order by i) s`;
        let copied = 0;
        for (;;) {
          const batch = await sourceRows(`select t::text as r from ${ident(t)} t order by ctid limit ${BATCH} offset ${copied}`);
          if (!batch.length) break;
          await tx.unsafe(insert, [batch.map((b) => String(b.r))]);
          copied += batch.length;
        }
        // Serial columns go on after the highest id copied.
        const serials = await tx.unsafe<{ col: string; seq: string }[]>(
          `select column_name as col, pg_get_serial_sequence($1, column_name) as seq from information_schema.columns
           where table_schema = 'public' and table_name = $2 and column_default like 'nextval(%'`,
          [ident(t), t],
        );
        for (const s of serials) {
          if (s.seq) await tx.unsafe(`select setval($1, coalesce((select max(${ident(s.col)}) from ${ident(t)}), 0) + 1, false)`, [s.seq]);
        }
        counts[t] = copied;
        if (copied) log(`  ${t}: ${copied} rows`);
      }
      // The same rows on both sides, table by table, before the transaction commits.
      for (const t of order) {
        const [row] = await tx.unsafe<{ n: number }[]>(`select count(*)::int as n from ${ident(t)}`);
        if (row?.n !== counts[t]) throw new MigrateError(`Table ${t}: ${counts[t]} rows read, ${row?.n} in PostgreSQL.`);
      }
    });
    return { tables: order.length, rows: Object.values(counts).reduce((a, b) => a + b, 0), counts };
  } finally {
    await source?.close();
    await pg.end();
  }
}
