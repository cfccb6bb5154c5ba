"use client";

import type { inferRouterOutputs } from "@trpc/server";
import { useTRPC } from "@/components/trpc-provider";
import type { AppRouter } from "@/server/api/root";

/** The app's one tRPC client; the decision pages use its `decisions` procedures. */
export const useDecisionsTrpc = useTRPC;

/** What the decision procedures answer, as the client receives it (after JSON). */
export type DecisionOutputs = inferRouterOutputs<AppRouter>["decisions"];
export type DecisionDetailData = DecisionOutputs["get"];
export type DecideOutcomeData = DecisionOutputs["decide"];
export type DecisionListItemData = DecisionOutputs["list"]["items"][number];
export type ReasoningObservation = DecisionDetailData["reasoning"][number];
