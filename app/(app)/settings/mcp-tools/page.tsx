import type { Metadata } from "next";
import { McpToolsSettings } from "@/components/settings/mcp-tools-settings";

export const metadata: Metadata = { title: "MCP tools" };

export default function McpToolsPage() {
  return <McpToolsSettings />;
}
