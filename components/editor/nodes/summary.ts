import { outcomeLabel, type MissionNode } from "@/lib/mission/schema";

const CHANNEL_LABELS: Record<string, string> = { manual: "manual", portal: "portal", api: "API" };

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** The one line a node card shows under its title: what this node is set up to do. */
export function nodeSummary(node: MissionNode): string {
  switch (node.kind) {
    case "trigger": {
      const channels = node.data.channels.map((c) => CHANNEL_LABELS[c] ?? c).join(", ");
      return `${plural(node.data.fields.length, "input")} · ${channels || "no channel"}`;
    }
    case "worker": {
      const parts = [plural(node.data.outputs.length, "output"), plural(node.data.tools.length, "tool")];
      if (node.data.model) parts.push(node.data.model);
      return parts.join(" · ");
    }
    case "condition": {
      const first = node.data.branches[0];
      if (!first) return "No branches yet";
      const more = node.data.branches.length > 1 ? ` (+${node.data.branches.length - 1} more)` : "";
      return `If ${first.expression || "…"}${more}`;
    }
    case "approval": {
      const who = node.data.requiredApprovals > 1 ? `${node.data.requiredApprovals} ${node.data.approverRole}s` : `an ${node.data.approverRole}`;
      return `${node.data.title || "Untitled decision"} · ${who} · ${node.data.timeout}`;
    }
    case "action": {
      const args = Object.keys(node.data.args).length;
      return node.data.tool ? `${node.data.tool}(${plural(args, "arg")})` : "No tool chosen";
    }
    case "verdict":
      return node.data.outcomes.map((o) => outcomeLabel(node.data, o)).join(" / ") || "No outcomes";
  }
}
