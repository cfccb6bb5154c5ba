import "server-only";
import fs from "node:fs";
import path from "node:path";
import { dataDir, env } from "@/server/env";
import { openDatabase, type Database } from "@/server/db/database";
import { DataDirLockedError } from "@/server/db/data-dir-lock";
import { verifyAuditChain } from "./verify";

/** Exit codes of `npm run audit:verify`. */
export const EXIT = { intact: 0, tampered: 1, cannotCheck: 2 } as const;

interface Output {
  out(line: string): void;
  err(line: string): void;
}

/**
 * Verifies the configured database's audit chain (DATABASE_URL, else the embedded data dir) and
 * says what it found. Returns the exit code.
 */
export async function auditVerifyCli(io: Output): Promise<number> {
  let database: Database;
  try {
    const e = env();
    if (e.DATABASE_URL) {
      database = await openDatabase({ driver: "postgres", url: e.DATABASE_URL, max: 1 });
    } else {
      const dir = dataDir();
      // Opening a missing dir would create an empty database and report an intact, empty chain.
      if (!fs.existsSync(path.join(dir, "PG_VERSION"))) {
        io.err(`✖ There is no embedded database at ${dir}. Set STEWARD_DATA_DIR to the server's data directory, or DATABASE_URL for PostgreSQL.`);
        return EXIT.cannotCheck;
      }
      database = await openDatabase({ driver: "pglite", dataDir: dir });
    }
  } catch (e) {
    if (e instanceof DataDirLockedError) {
      io.err(
        `✖ The embedded database at ${e.dir} is in use by a running Steward server (process ${e.ownerPid}).\n` +
          `  Only one process may open it. Either stop the server and run this again, or, while it runs,\n` +
          `  sign in as an admin, open /audit and press "Verify chain".`,
      );
      return EXIT.cannotCheck;
    }
    io.err(`✖ Could not open the database: ${(e as Error).message}`);
    return EXIT.cannotCheck;
  }
  try {
    const result = await verifyAuditChain(database);
    if (result.ok) {
      io.out(`✔ Audit chain intact: ${result.count} ${result.count === 1 ? "entry" : "entries"} verified.`);
      return EXIT.intact;
    }
    const b = result.firstBad;
    io.err(`✖ Audit chain broken at entry ${b.id} (${b.action}, ${b.at}):\n  ${result.reason}.\n  ${result.count - 1} entries before it verified.`);
    return EXIT.tampered;
  } catch (e) {
    io.err(`✖ Could not verify the audit chain: ${(e as Error).message}`);
    return EXIT.cannotCheck;
  } finally {
    await database.close();
  }
}
