import "server-only";
import { Cron } from "croner";
import type { FunctionConfig } from "./protocol";

/** The event an Inngest server gives a function its cron trigger fires (`data.cron` names the trigger). */
export const CRON_EVENT = "inngest/scheduled.timer";

/** A cron trigger as Inngest writes it: `[TZ=<zone> ]<5 fields>`. */
export function parseCronTrigger(cron: string): { expression: string; timezone: string } {
  const m = /^TZ=(\S+)\s+(.+)$/.exec(cron.trim());
  return m ? { expression: (m[2] ?? "").trim(), timezone: m[1] ?? "UTC" } : { expression: cron.trim(), timezone: "UTC" };
}

/** The event id of one tick: the same on every replica, so the executor stores (and runs) it once. */
export function cronEventId(fnId: string, cron: string, at: Date): string {
  return `cron:${fnId}:${cron}:${at.toISOString()}`;
}

/**
 * The embedded executor's stand-in for the Inngest server's cron scheduler: for each cron trigger of
 * the synced functions, calls `fire` at each of its times. Ticks missed while the process was down
 * are not replayed (Inngest does not either); functions that must catch up do it themselves.
 */
export class CronClock {
  private timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(
    private readonly fns: readonly FunctionConfig[],
    private readonly fire: (fn: FunctionConfig, cron: string, at: Date) => Promise<void>,
    private readonly logger: Pick<Console, "error">,
  ) {}

  start(): void {
    for (const fn of this.fns) for (const t of fn.triggers) if (t.cron) this.schedule(fn, t.cron);
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private schedule(fn: FunctionConfig, cron: string): void {
    if (this.stopped) return;
    const { expression, timezone } = parseCronTrigger(cron);
    const next = new Cron(expression, { timezone, mode: "5-part", paused: true }).nextRun(new Date());
    if (!next) return;
    // setTimeout takes at most 2^31-1 ms: a far tick is reached in hops.
    const wait = Math.min(next.getTime() - Date.now(), 2 ** 31 - 1);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (this.stopped) return;
      if (Date.now() < next.getTime()) return this.schedule(fn, cron);
      this.fire(fn, cron, next).catch((e: unknown) => this.logger.error(`[engine] cron tick of ${fn.id} failed:`, e));
      this.schedule(fn, cron);
    }, Math.max(0, wait));
    timer.unref();
    this.timers.add(timer);
  }
}
