import { createContext, useContext } from "react";

/** Models and connector tools the inspector can offer; empty until an admin registers some. */
export interface CatalogTool {
  /** `<connector>.<tool>` */
  ref: string;
  description: string;
  /** From the tool's MCP annotations: true only when it declares readOnlyHint and not destructiveHint. */
  readOnly: boolean;
  /** Whether its connector is enabled (runs can only call tools of enabled connectors). */
  enabled: boolean;
  /** JSON Schema of the tool's arguments. */
  inputSchema?: { properties?: Record<string, { type?: string; description?: string }>; required?: string[] };
}

export interface CatalogModel {
  id: string;
  label: string;
}

export interface Catalog {
  /** False until both lists have loaded (and always for people who cannot edit). */
  loaded: boolean;
  models: readonly CatalogModel[];
  tools: readonly CatalogTool[];
}

export const EMPTY_CATALOG: Catalog = { loaded: false, models: [], tools: [] };

export const CatalogContext = createContext<Catalog>(EMPTY_CATALOG);

export function useCatalog(): Catalog {
  return useContext(CatalogContext);
}
