import "server-only";
import fs from "node:fs";
import path from "node:path";
import { dataDir, env } from "@/server/env";
import { openDatabase, type Database } from "@/server/db/database";
import { DataDirLockedError } from "@/server/db/data-dir-lock";
import { auditAnchor } from "@/server/db/schema";
import { deriveKey, loadSecretKey } from "@/server/crypto/secrets";
import { verifyAuditChain, type AuditVerification } from "./verify";
import { anchorKeyFrom, type AnchorKey } from "./anchor-key";
import { anchorSinkFrom, readLatestSinkAnchor, type AnchorSink } from "./anchor-sink";

/** Exit codes of `npm run audit:verify`. */
export const EXIT = { intact: 0, tampered: 1, cannotCheck: 2 } as const;

interface Output {
  out(line: string): void;
  err(line: string): void;
}

/**
 * The anchor key, without creating one: STEWARD_SECRET_KEY, else the key file the server generated
 * in the embedded data dir at its first start. Null when neither is there.
 */
function anchorKey(envKey: string | undefined, embeddedDir: string | null): AnchorKey | null {
  if (envKey) return anchorKeyFrom(deriveKey(envKey));
  if (!embeddedDir || !fs.existsSync(path.join(embeddedDir, "secret.key"))) return null;
  return anchorKeyFrom(loadSecretKey({ dataDir: embeddedDir }));
}

/**
 * Verifies the configured database's audit log (DATABASE_URL, else the embedded data dir): the
 * chain, its anchors under the installation's key, and the newest anchor in the anchor file
 * (STEWARD_AUDIT_ANCHOR, or its default next to the data dir). Says what it found; returns the exit code.
 */
export async function auditVerifyCli(io: Output): Promise<number> {
  let database: Database;
  let key: AnchorKey | null;
  let sink: AnchorSink;
  try {
    const e = env();
    const dir = dataDir();
    sink = anchorSinkFrom(e.STEWARD_AUDIT_ANCHOR, dir);
    if (e.DATABASE_URL) {
      key = anchorKey(e.STEWARD_SECRET_KEY, null);
      database = await openDatabase({ driver: "postgres", url: e.DATABASE_URL, max: 1 });
    } else {
      // Opening a missing dir would create an empty database and report an intact, empty chain.
      if (!fs.existsSync(path.join(dir, "PG_VERSION"))) {
        io.err(`✖ There is no embedded database at ${dir}. Set STEWARD_DATA_DIR to the server's data directory, or DATABASE_URL for PostgreSQL.`);
        return EXIT.cannotCheck;
      }
      key = anchorKey(e.STEWARD_SECRET_KEY, dir);
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
    const result = await verifyAuditChain(database, { key, sink });
    if (!result.ok) {
      io.err(describeFailure(result));
      return EXIT.tampered;
    }
    if (!key && ((await database.db.select({ id: auditAnchor.id }).from(auditAnchor).limit(1)).length > 0 || (sink.kind === "file" && (await readLatestSinkAnchor(sink.path))))) {
      io.err(
        `✖ The chain of ${result.count} entries is intact, but its anchors could not be checked: their key is not available.\n` +
          `  Set STEWARD_SECRET_KEY to the server's key${database.driver === "pglite" ? " (or keep the data dir's secret.key)" : ""} and run this again.`,
      );
      return EXIT.cannotCheck;
    }
    const lines = [`✔ Audit chain intact: ${result.count} ${result.count === 1 ? "entry" : "entries"} verified.`];
    if (result.anchor) lines.push(`  Latest anchor: #${result.anchor.id}, entry ${result.anchor.headId}, taken at ${result.anchor.at}.`);
    for (const note of result.notes) lines.push(`  Note: ${note}`);
    io.out(lines.join("\n"));
    return EXIT.intact;
  } catch (e) {
    io.err(`✖ Could not verify the audit chain: ${(e as Error).message}`);
    return EXIT.cannotCheck;
  } finally {
    await database.close();
  }
}

function describeFailure(result: Extract<AuditVerification, { ok: false }>): string {
  const b = result.firstBad;
  const lines =
    b && b.id === result.firstBadId
      ? [`✖ Audit chain broken at entry ${b.id} (${b.action}, ${b.at}):`, `  ${result.reason}.`]
      : result.kind === "forged_anchor"
        ? [`✖ Audit anchor forged: ${result.reason}.`]
        : result.kind === "anchor_deleted"
          ? [`✖ Audit anchor deleted: ${result.reason}.`]
          : [`✖ Audit log tampered: ${result.reason}.`];
  if (result.firstBadId !== null) lines.push(`  ${result.verified} ${result.verified === 1 ? "entry" : "entries"} before it verified.`);
  for (const note of result.notes) lines.push(`  Note: ${note}`);
  return lines.join("\n");
}
