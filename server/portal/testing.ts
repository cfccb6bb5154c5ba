import type { MissionGraph } from "@/lib/mission/schema";
import { refundMission } from "@/lib/mission/templates/refund";
import { edges, mission, node } from "@/server/engine/testing/missions";

// Missions for portal tests.

/** The demo refund mission, offered at `slug`. */
export function refundPortal(slug: string): MissionGraph {
  const graph = refundMission();
  const trigger = graph.nodes.find((n) => n.kind === "trigger");
  if (trigger?.kind !== "trigger" || !trigger.data.portal) throw new Error("the refund template has no portal trigger");
  trigger.data.portal.slug = slug;
  return graph;
}

/** trigger (portal) → verdict: decides at once, for load tests. */
export function instantPortal(slug: string, outcome = "approve"): MissionGraph {
  return mission(
    `instant ${slug}`,
    [
      node.trigger("start", {
        channels: ["portal", "api"],
        portal: { slug, title: "Instant answer", intro: "" },
        fields: [
          { name: "orderId", label: "Order number", type: "string" },
          { name: "email", label: "Email", type: "email" },
        ],
      }),
      node.verdict("done", { outcomes: ["approve", "deny"], outcome: `'${outcome}'`, summary: "'internal summary for ' + trigger.email" }),
    ],
    edges("start->done"),
  );
}
