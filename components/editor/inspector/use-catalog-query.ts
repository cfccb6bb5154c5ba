"use client";

import { useMemo } from "react";
import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "@/components/trpc-provider";
import type { Catalog, CatalogTool } from "./catalog";

/**
 * Registered models and connector tools, for builders (the procedures are builder-only). Until
 * both have loaded the catalog is `loaded: false` and the inspector falls back to typed references.
 */
export function useCatalogQuery(enabled: boolean): Catalog {
  const trpc = useTRPC();
  const tools = useQuery({ ...trpc.connectors.toolsForBuilder.queryOptions(), enabled, staleTime: 60_000, refetchOnWindowFocus: false });
  const models = useQuery({ ...trpc.models.listForBuilder.queryOptions(), enabled, staleTime: 60_000, refetchOnWindowFocus: false });
  return useMemo<Catalog>(
    () => ({
      loaded: tools.isSuccess && models.isSuccess,
      models: models.data ?? [],
      tools: (tools.data ?? []).map(
        (t): CatalogTool => ({
          ref: t.ref,
          description: t.description,
          readOnly: t.readOnly,
          enabled: t.connectorEnabled,
          inputSchema: t.inputSchema as CatalogTool["inputSchema"],
        }),
      ),
    }),
    [tools.isSuccess, tools.data, models.isSuccess, models.data],
  );
}
