import "server-only";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import postgres from "postgres";
import { lockDataDir } from "@/server/db/data-dir-lock";

/** Where the database is: the server's own configuration (DATABASE_URL, else STEWARD_DATA_DIR). */
export type BackupTarget = { driver: "postgres"; url: string } | { driver: "pglite"; dataDir: string };

export class BackupError extends Error {
  override name = "BackupError";
}

function run(command: string, args: string[]): void {
  const res = spawnSync(command, args, { encoding: "utf8" });
  if (res.error) throw new BackupError(`${command} could not be run (${res.error.message}): install it, or put it on PATH.`);
  if (res.status !== 0) throw new BackupError(`${command} failed (exit ${res.status}): ${res.stderr.trim().slice(0, 2000)}`);
}

/** The first bytes of a backup: `PGDMP` for pg_dump's custom format, gzip's magic for a data dir archive. */
function formatOf(file: string): "pg_dump" | "tar.gz" | null {
  const head = Buffer.alloc(5);
  const fd = fs.openSync(file, "r");
  try {
    fs.readSync(fd, head, 0, 5, 0);
  } finally {
    fs.closeSync(fd);
  }
  if (head.toString("latin1") === "PGDMP") return "pg_dump";
  if (head[0] === 0x1f && head[1] === 0x8b) return "tar.gz";
  return null;
}

/**
 * Writes a backup of the database to `file`. PostgreSQL: `pg_dump --format=custom`, consistent
 * while the servers run (one snapshot). PGlite: the data dir (database, secret.key, auth.secret) as
 * a .tar.gz, taken under the data dir's lock, so only while no server has it open: stop, back up,
 * start (docs/deployment.md). The file is written beside its final name and renamed, so a failed
 * backup never leaves a truncated file under that name.
 */
export function backup(target: BackupTarget, file: string): void {
  const out = path.resolve(file);
  const partial = `${out}.partial`;
  fs.rmSync(partial, { force: true });
  try {
    if (target.driver === "postgres") {
      run("pg_dump", ["--format=custom", "--no-owner", "--no-privileges", `--file=${partial}`, `--dbname=${target.url}`]);
    } else {
      const dir = path.resolve(target.dataDir);
      if (!fs.existsSync(path.join(dir, "PG_VERSION"))) throw new BackupError(`There is no embedded database at ${dir}: set STEWARD_DATA_DIR to the server's data directory.`);
      // Throws DataDirLockedError while a server has it open: a copy of a live PGlite dir is not consistent.
      const release = lockDataDir(dir);
      try {
        run("tar", ["-czf", partial, "--exclude=steward.lock", "-C", path.dirname(dir), path.basename(dir)]);
      } finally {
        release();
      }
    }
    fs.renameSync(partial, out);
  } finally {
    fs.rmSync(partial, { force: true });
  }
}

/**
 * Restores `file` into the configured database, which must be empty: a fresh PostgreSQL database
 * (created with `createdb`), or a data dir that does not exist yet. Refuses anything else, so a
 * restore never mixes two histories or overwrites the live one.
 */
export async function restore(target: BackupTarget, file: string): Promise<void> {
  const from = path.resolve(file);
  if (!fs.existsSync(from)) throw new BackupError(`There is no backup at ${from}.`);
  const format = formatOf(from);
  if (target.driver === "postgres") {
    if (format !== "pg_dump") throw new BackupError(`${from} is not a pg_dump custom-format backup${format === "tar.gz" ? " (it is an embedded data dir archive: restore it with STEWARD_DATA_DIR, without DATABASE_URL)" : ""}.`);
    const sql = postgres(target.url, { max: 1, onnotice: () => {} });
    try {
      const [row] = await sql<{ n: number }[]>`select count(*)::int as n from information_schema.tables where table_schema in ('public', 'drizzle')`;
      if ((row?.n ?? 0) > 0) throw new BackupError("The target database is not empty: restore into a fresh database (createdb), then point DATABASE_URL at it.");
    } finally {
      await sql.end();
    }
    run("pg_restore", ["--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction", `--dbname=${target.url}`, from]);
    return;
  }
  if (format !== "tar.gz") throw new BackupError(`${from} is not an embedded data dir archive${format === "pg_dump" ? " (it is a pg_dump backup: restore it with DATABASE_URL)" : ""}.`);
  const dir = path.resolve(target.dataDir);
  if (fs.existsSync(dir) && fs.readdirSync(dir).length > 0) throw new BackupError(`${dir} is not empty: restore into a new STEWARD_DATA_DIR, or move this one aside first.`);
  // Unpacked beside the target and renamed into place: a failed restore leaves no half data dir.
  const staging = fs.mkdtempSync(path.join(path.dirname(dir), ".steward-restore-"));
  try {
    run("tar", ["-xzf", from, "-C", staging]);
    const [top, ...more] = fs.readdirSync(staging);
    if (!top || more.length || !fs.existsSync(path.join(staging, top, "PG_VERSION"))) throw new BackupError(`${from} does not hold one embedded data dir.`);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(path.join(staging, top), dir);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}
