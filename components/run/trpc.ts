"use client";

import type { TRPCClient } from "@trpc/client";
import type { TRPCOptionsProxy } from "@trpc/tanstack-react-query";
import { useTRPC, useTRPCClient } from "@/components/trpc-provider";
import type { RunPagesRouter } from "@/server/api/routers/runs";

// The run pages' procedures live under `runs` and `observations` in the root router. These hooks
// are the app's one tRPC client, typed with just those two routers.

export function useRunTrpc(): TRPCOptionsProxy<RunPagesRouter> {
  return useTRPC() as unknown as TRPCOptionsProxy<RunPagesRouter>;
}

export function useRunTrpcClient(): TRPCClient<RunPagesRouter> {
  return useTRPCClient() as unknown as TRPCClient<RunPagesRouter>;
}
