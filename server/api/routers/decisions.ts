import "server-only";
import { z } from "zod";
import { userActor } from "@/server/audit/record";
import { decideAs, decideRequest } from "@/server/decisions/decide-as";
import { countPendingFor, getDecisionDetail, listDecisionInbox, listDecisionsInput } from "@/server/decisions/inbox";
import { getEngineDeps } from "@/server/engine/deps";
import { createWebhook, createWebhookInput, deleteWebhook, listDeliveries, listWebhooks, setWebhookEnabled } from "@/server/notifications/webhooks";
import { startNotificationLoop } from "@/server/notifications/loop";
import { adminProcedure, authedProcedure, router, viewerProcedure } from "../trpc";

// The Decision Queue's procedures, thin over server/decisions/inbox.ts (the read model) and
// decide-as.ts (the vote); the REST routes under app/api/v1/decisions call the same functions.

const decisionId = z.object({ decisionId: z.string().min(1, "must not be empty").max(100) });

const webhooksRouter = router({
  /** Every webhook with its delivery counts. */
  list: adminProcedure.query(({ ctx }) => listWebhooks(ctx.database)),
  /** Returns the signing secret once. */
  create: adminProcedure.input(createWebhookInput).mutation(({ ctx, input }) => createWebhook(ctx.database, input, userActor(ctx.user))),
  setEnabled: adminProcedure
    .input(z.object({ id: z.string().min(1).max(100), enabled: z.boolean() }))
    .mutation(({ ctx, input }) => setWebhookEnabled(ctx.database, input.id, input.enabled, userActor(ctx.user))),
  remove: adminProcedure.input(z.object({ id: z.string().min(1).max(100) })).mutation(({ ctx, input }) => deleteWebhook(ctx.database, input.id, userActor(ctx.user))),
  /** Recent deliveries, newest first. */
  deliveries: adminProcedure
    .input(z.object({ webhookId: z.string().min(1).max(100).optional(), limit: z.number().int().min(1).max(200).default(50) }).default({ limit: 50 }))
    .query(({ ctx, input }) => listDeliveries(ctx.database, input)),
});

export const decisionsRouter = router({
  /** The inbox (any signed-in user; `scope: "mine"` keeps the decisions their roles may decide). */
  list: viewerProcedure.input(listDecisionsInput.default({ status: "pending", scope: "mine", limit: 100 })).query(({ ctx, input }) => listDecisionInbox(ctx.database, ctx.user, input)),
  /** The navigation badge: pending decisions the user can act on now. Polled, so it also starts the notification loop. */
  pendingCount: viewerProcedure.query(async ({ ctx }) => {
    void startNotificationLoop()?.catch((e: unknown) => console.error("[notifications] could not start:", e instanceof Error ? e.message : e));
    return { count: await countPendingFor(ctx.database, ctx.user) };
  }),
  /** One decision with its reasoning, rules and what this user may do with it. */
  get: viewerProcedure.input(decisionId).query(({ ctx, input }) => getDecisionDetail(ctx.database, input.decisionId, ctx.user)),
  /**
   * Approve or reject. Open to any signed-in user because the role a decision needs is per decision
   * (the node's approver role, or the role an escalation handed it to); decide() refuses the others.
   */
  decide: authedProcedure.input(decisionId.extend(decideRequest.shape)).mutation(({ ctx, input }) => {
    const { decisionId: id, ...rest } = input;
    return decideAs(ctx.database, ctx.user, id, rest, getEngineDeps().send);
  }),
  webhooks: webhooksRouter,
});

