import "server-only";
import { capValue, truncateStrings, truncateText } from "@/lib/bounded";
import type { MissionGraph } from "@/lib/mission/schema";
import { runValueLink } from "@/server/observations/run-values";

// What an approver reads before the proposed values: the request that started the run (its
// trigger's fields, by their labels) and what the Workers before the decision found. Both come
// from people or models and can be large, so each value is bounded for display: the whole stays
// on the run (its values download).

/** A string of the request or of a finding, as the decision page shows it. */
export const CONTEXT_TEXT_MAX_CHARS = 4_000;
/** Any one value of the request, or one Worker's findings, after its strings were cut. */
export const CONTEXT_VALUE_MAX_BYTES = 16_000;

export interface RequestField {
  name: string;
  /** The trigger field's label ("Order number"), else its name made readable. */
  label: string;
  type: string;
  value: unknown;
}

export interface DecisionRequest {
  /** The trigger's label ("Refund request"). */
  title: string;
  fields: RequestField[];
}

export interface FindingField {
  name: string;
  label: string;
  description: string;
}

export interface DecisionFinding {
  nodeId: string;
  label: string;
  /** The Worker's typed output, bounded (a stand-in with a download link when too large). */
  output: unknown;
  /** Its declared outputs, in the order the builder gave them. */
  fields: FindingField[];
}

/** `orderTotal` → `Order total`, `days_since_delivery` → `Days since delivery`, `orderId` → `Order ID`. */
export function readableName(name: string): string {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/[_-]+/g, " ")
    .trim()
    .toLowerCase()
    .split(/\s+/)
    .map((w) => (w === "id" ? "ID" : w));
  const text = words.join(" ");
  return text ? text[0]!.toUpperCase() + text.slice(1) : name;
}

function bounded(value: unknown, download: string): unknown {
  if (typeof value === "string") return truncateText(value, CONTEXT_TEXT_MAX_CHARS);
  return capValue(truncateStrings(value, CONTEXT_TEXT_MAX_CHARS), CONTEXT_VALUE_MAX_BYTES, download);
}

/** The run's input as the trigger names it: its declared fields first, in order, then anything else it holds. */
export function decisionRequest(graph: MissionGraph | null, input: Record<string, unknown>, runId: string): DecisionRequest {
  const trigger = graph?.nodes.find((n) => n.kind === "trigger");
  const declared = trigger?.kind === "trigger" ? trigger.data.fields : [];
  const link = runValueLink(runId, "input");
  const fields: RequestField[] = declared
    .filter((f) => f.name in input)
    .map((f) => ({ name: f.name, label: f.label.trim() || readableName(f.name), type: f.type, value: bounded(input[f.name], link) }));
  for (const [name, value] of Object.entries(input)) {
    if (!declared.some((f) => f.name === name)) fields.push({ name, label: readableName(name), type: "json", value: bounded(value, link) });
  }
  return { title: trigger?.data.label || "Request", fields };
}

/** One Worker's output as a finding: bounded, with its declared fields' labels and descriptions. */
export function decisionFinding(graph: MissionGraph, nodeId: string, output: unknown, runId: string): DecisionFinding {
  const node = graph.nodes.find((n) => n.id === nodeId);
  const outputs = node?.kind === "worker" ? node.data.outputs : [];
  return {
    nodeId,
    label: node?.data.label || nodeId,
    output: bounded(output, runValueLink(runId, `node.${nodeId}`)),
    fields: outputs.map((o) => {
      // A label, when the mission format gives outputs one; else the name made readable.
      const given = (o as { label?: unknown }).label;
      return { name: o.name, label: typeof given === "string" && given.trim() ? given.trim() : readableName(o.name), description: o.description };
    }),
  };
}
