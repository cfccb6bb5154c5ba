import "server-only";
import fs from "node:fs";
import path from "node:path";
import { DataDirLockedError } from "@/server/db/data-dir-lock";
import { deriveKey } from "@/server/crypto/secrets";
import { dataDir, env } from "@/server/env";
import { migrateToPostgres, MigrateError } from "./migrate-to-postgres";

interface Output {
  out(line: string): void;
  err(line: string): void;
}

const USAGE = "STEWARD_DATA_DIR=<data dir> DATABASE_URL=postgres://… STEWARD_SECRET_KEY=… npm run migrate-to-postgres";

/**
 * `npm run migrate-to-postgres`: the data dir (STEWARD_DATA_DIR) into the empty database at
 * DATABASE_URL. Exit 0 = moved, 1 = failed (nothing written), 2 = usage, or a server holds the data dir.
 */
export async function migrateToPostgresCli(io: Output): Promise<number> {
  const e = env();
  if (!e.DATABASE_URL) {
    io.err(`✖ Name the target database: ${USAGE}`);
    return 2;
  }
  const dir = dataDir();
  // Connector and model secrets in the data dir are encrypted with its key: PostgreSQL needs the same one.
  const keyFile = path.join(dir, "secret.key");
  const fileKey = fs.existsSync(keyFile) ? fs.readFileSync(keyFile, "utf8").trim() : undefined;
  if (fileKey && e.STEWARD_SECRET_KEY && !deriveKey(fileKey).equals(deriveKey(e.STEWARD_SECRET_KEY))) {
    io.err(`✖ STEWARD_SECRET_KEY is not the key the data dir's secrets are encrypted with (${keyFile}): set it to that key, or the moved connector and model secrets could not be read.`);
    return 1;
  }
  try {
    io.out(`Moving the embedded data dir ${dir} to PostgreSQL (DATABASE_URL)…`);
    const report = await migrateToPostgres(dir, e.DATABASE_URL, io.out);
    io.out(`✔ Moved ${report.rows} rows in ${report.tables} tables. Check the audit chain with npm run audit:verify (with DATABASE_URL), then start the server with DATABASE_URL.`);
    if (fileKey && !e.STEWARD_SECRET_KEY) {
      io.out(`  Start it with STEWARD_SECRET_KEY set to the data dir's key (export STEWARD_SECRET_KEY=$(cat ${keyFile})): the moved secrets are encrypted with it. People sign in again.`);
    }
    return 0;
  } catch (err) {
    if (err instanceof DataDirLockedError) {
      io.err(`✖ The embedded database at ${err.dir} is in use by a running Steward server (process ${err.ownerPid}). Stop it, run this again, then start the server on PostgreSQL.`);
      return 2;
    }
    io.err(`✖ ${err instanceof MigrateError ? err.message : `The migration failed, and nothing was written: ${(err as Error).message}`}`);
    return 1;
  }
}
