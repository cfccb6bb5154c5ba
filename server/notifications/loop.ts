import "server-only";
import { sql } from "drizzle-orm";
import type { Database } from "@/server/db/database";
import { appUrl, env } from "@/server/env";
import { deliverDue, enqueueDecisionNotifications, type DeliveryOptions, type DeliveryResult } from "./delivery";

export interface NotificationLoopOptions {
  /** How often to look for new pending decisions and due deliveries. */
  intervalMs?: number;
  /** The app's public URL, for the links in webhook bodies. */
  appUrl?: string;
  delivery?: Partial<DeliveryOptions>;
}

export interface NotificationLoop {
  /** One pass: queue notifications for new pending decisions, then send what is due. */
  tick(): Promise<{ queued: number; sent: DeliveryResult[] }>;
  stop(): Promise<void>;
}

/** A loop on `database`; ticks on a timer unless `intervalMs` is 0 (tests call tick()). */
export function createNotificationLoop(database: Database, opts: NotificationLoopOptions = {}): NotificationLoop {
  const interval = opts.intervalMs ?? 2_000;
  let running: Promise<{ queued: number; sent: DeliveryResult[] }> | null = null;
  let stopped = false;

  const tick = () => {
    // One pass at a time: a slow receiver must not pile up overlapping passes.
    running ??= (async () => {
      try {
        // Most installs have no webhooks: one cheap read instead of two queries every pass.
        const [busy] = await database.rows<{ active: boolean }>(
          sql`select exists (select 1 from notification_webhook where enabled) or exists (select 1 from notification_delivery where status = 'pending') as active`,
        );
        if (!busy?.active) return { queued: 0, sent: [] };
        const queued = await enqueueDecisionNotifications(database, opts.appUrl ?? appUrl());
        const sent = await deliverDue(database, opts.delivery);
        return { queued, sent };
      } finally {
        running = null;
      }
    })();
    return running;
  };

  const timer =
    interval > 0
      ? setInterval(() => {
          if (stopped) return;
          tick().catch((e: unknown) => console.error("[notifications] delivery pass failed:", e instanceof Error ? e.message : e));
        }, interval)
      : null;
  timer?.unref();

  return {
    tick,
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}

declare global {
  // One loop per process, whichever bundle layer starts it.
  var __stewardNotificationLoop: Promise<NotificationLoop> | undefined;
}

/**
 * Starts the process's notification loop once (boot calls it; the decision routes call it too, so
 * notifications flow even before boot wires it). Never during `next build`.
 */
export function startNotificationLoop(opts: NotificationLoopOptions = {}): Promise<NotificationLoop> | null {
  if (env().NEXT_PHASE === "phase-production-build") return null;
  globalThis.__stewardNotificationLoop ??= (async () => {
    const { getDatabase } = await import("@/server/db/client");
    return createNotificationLoop(await getDatabase(), opts);
  })().catch((e: unknown) => {
    globalThis.__stewardNotificationLoop = undefined;
    throw e;
  });
  return globalThis.__stewardNotificationLoop;
}

export async function stopNotificationLoop(): Promise<void> {
  const loop = globalThis.__stewardNotificationLoop;
  globalThis.__stewardNotificationLoop = undefined;
  await (await loop?.catch(() => null))?.stop();
}
