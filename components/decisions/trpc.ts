"use client";

import type { inferRouterOutputs } from "@trpc/server";
import type { TRPCOptionsProxy } from "@trpc/tanstack-react-query";
import { useTRPC } from "@/components/trpc-provider";
import type { DecisionPagesRouter } from "@/server/api/routers/decisions";

// The decision pages' procedures live under `decisions` in the root router. This hook is the app's
// one tRPC client, typed with just that router.
export function useDecisionsTrpc(): TRPCOptionsProxy<DecisionPagesRouter> {
  return useTRPC() as unknown as TRPCOptionsProxy<DecisionPagesRouter>;
}

/** What the decision procedures answer, as the client receives it (after JSON). */
export type DecisionOutputs = inferRouterOutputs<DecisionPagesRouter>["decisions"];
export type DecisionDetailData = DecisionOutputs["get"];
export type DecideOutcomeData = DecisionOutputs["decide"];
export type DecisionListItemData = DecisionOutputs["list"]["items"][number];
export type ReasoningObservation = DecisionDetailData["reasoning"][number];
