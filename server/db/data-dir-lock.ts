import fs from "node:fs";
import path from "node:path";

export class DataDirLockedError extends Error {
  constructor(
    readonly dir: string,
    readonly ownerPid: number,
  ) {
    super(
      `The data directory ${dir} is already in use by process ${ownerPid}. ` +
        `Only one Steward process may own an embedded (PGlite) data directory: two writers lose data silently. ` +
        `Stop the other process, point STEWARD_DATA_DIR at another directory, or use DATABASE_URL for PostgreSQL.`,
    );
    this.name = "DataDirLockedError";
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Takes an exclusive, process-lifetime lock on an embedded data directory.
 * A lock left by a dead process is taken over; a live owner makes this throw.
 */
export function lockDataDir(dir: string): () => void {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, "steward.lock");
  for (let tries = 0; tries < 3; tries++) {
    try {
      const fd = fs.openSync(file, "wx");
      fs.writeSync(fd, JSON.stringify({ pid: process.pid, startedAt: new Date().toISOString() }));
      fs.closeSync(fd);
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        try {
          const owner = JSON.parse(fs.readFileSync(file, "utf8")) as { pid?: number };
          if (owner.pid === process.pid) fs.unlinkSync(file);
        } catch {
          // already gone
        }
      };
      process.once("exit", release);
      return release;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      let pid = 0;
      try {
        pid = Number((JSON.parse(fs.readFileSync(file, "utf8")) as { pid?: number }).pid ?? 0);
      } catch {
        // unreadable or half-written lock: treat as stale below
      }
      if (pid && pid !== process.pid && alive(pid)) throw new DataDirLockedError(dir, pid);
      if (pid === process.pid) throw new DataDirLockedError(dir, pid);
      fs.rmSync(file, { force: true });
    }
  }
  throw new Error(`Could not lock data directory ${dir}`);
}
