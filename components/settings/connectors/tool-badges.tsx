import { Badge } from "@/components/ui/card";
import type { ToolAnnotations, ToolPolicy } from "@/server/connectors/tool-port";

const EXTRA_HINTS = [
  { key: "destructiveHint", label: "destructive", tone: "red", title: "The server says this tool may delete or overwrite data." },
  { key: "idempotentHint", label: "idempotent", tone: "blue", title: "The server says calling it twice with the same arguments has no further effect." },
  { key: "openWorldHint", label: "open-world", tone: "violet", title: "The server says this tool reaches systems outside its own (the web, other services)." },
] as const;

/**
 * The MCP hints as badges: read-only or not first (silence counts as "writes", the safe reading),
 * then whichever of the other hints the server declared true.
 */
export function AnnotationBadges({ annotations }: { annotations: ToolAnnotations }) {
  return (
    <span className="inline-flex flex-wrap gap-1" data-testid="annotations">
      {annotations.readOnlyHint === true ? (
        <Badge tone="green" title="The server says this tool changes nothing.">
          read-only
        </Badge>
      ) : (
        <Badge tone="amber" title={annotations.readOnlyHint === false ? "The server says this tool changes state." : "The server does not say this tool is read-only, so it is treated as changing state."}>
          writes
        </Badge>
      )}
      {EXTRA_HINTS.filter((h) => annotations[h.key] === true).map((h) => (
        <Badge key={h.key} tone={h.tone} title={h.title}>
          {h.label}
        </Badge>
      ))}
    </span>
  );
}

export const POLICY_LABELS: Record<ToolPolicy, string> = { autonomous: "Autonomous", gated: "Gated", disallowed: "Disallowed" };

export const POLICY_HELP: Record<ToolPolicy, string> = {
  autonomous: "Workers call it without asking.",
  gated: "Every call waits in the Decision Queue for a person.",
  disallowed: "Never offered to Workers.",
};

export function PolicyBadge({ policy }: { policy: ToolPolicy }) {
  const tone = policy === "autonomous" ? "green" : policy === "gated" ? "amber" : "red";
  return (
    <Badge tone={tone} title={POLICY_HELP[policy]} data-testid="policy-badge">
      {policy}
    </Badge>
  );
}
