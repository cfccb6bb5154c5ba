import "server-only";
import { DataDirLockedError } from "@/server/db/data-dir-lock";
import { dataDir, env } from "@/server/env";
import { backup, BackupError, restore, type BackupTarget } from "./backup";

interface Output {
  out(line: string): void;
  err(line: string): void;
}

function configuredTarget(): BackupTarget {
  const e = env();
  return e.DATABASE_URL ? { driver: "postgres", url: e.DATABASE_URL } : { driver: "pglite", dataDir: dataDir() };
}

/** `npm run backup -- <file>` and `npm run restore -- <file>`: says what it did; returns the exit code. */
export async function backupCli(command: "backup" | "restore", args: string[], io: Output): Promise<number> {
  const file = args.find((a) => !a.startsWith("-"));
  if (!file) {
    io.err(`✖ Name the backup file: npm run ${command} -- <file>`);
    return 2;
  }
  try {
    const target = configuredTarget();
    const where = target.driver === "postgres" ? "PostgreSQL (DATABASE_URL)" : `the embedded data dir ${target.dataDir}`;
    if (command === "backup") {
      backup(target, file);
      io.out(`✔ Backed up ${where} to ${file}`);
    } else {
      await restore(target, file);
      io.out(`✔ Restored ${file} into ${where}. Check it with npm run audit:verify, then start the server.`);
    }
    return 0;
  } catch (e) {
    if (e instanceof DataDirLockedError) {
      io.err(`✖ The embedded database at ${e.dir} is in use by a running Steward server (process ${e.ownerPid}). Stop it, run this again, then start it.`);
      return 2;
    }
    io.err(`✖ ${e instanceof BackupError ? e.message : `The ${command} failed: ${(e as Error).message}`}`);
    return 1;
  }
}
