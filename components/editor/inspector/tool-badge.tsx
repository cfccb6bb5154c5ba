"use client";

import { Badge } from "@/components/ui/card";
import { useCatalog, type CatalogTool } from "./catalog";

/** What a tool picker shows when no connector is registered (the Worker's and the Action's). */
export const NO_CONNECTORS = "No connectors registered yet — an admin adds them in Settings → Connectors.";

/** Read-only or state-changing, from the tool's MCP annotations; nothing while the catalog is unknown. */
export function ToolBadge({ tool }: { tool: CatalogTool | undefined }) {
  const catalog = useCatalog();
  if (!catalog.loaded) return null;
  if (!tool) return <Badge tone="red">not registered</Badge>;
  return (
    <>
      {tool.enabled ? null : <Badge tone="slate">connector off</Badge>}
      {tool.readOnly ? <Badge tone="green">read-only</Badge> : <Badge tone="amber">state-changing</Badge>}
    </>
  );
}
