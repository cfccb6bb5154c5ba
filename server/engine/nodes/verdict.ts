import "server-only";
import { outcomeLabel } from "@/lib/mission/schema";
import { boundVerdict } from "@/server/observations/bounds";
import { markQuickStep, setRunVerdictSoon } from "../held-states";
import type { DirectChange } from "../state";
import { PermanentError } from "../step-port";
import { evaluateField } from "./evaluate";
import type { NodeHandler } from "./types";

/** Evaluates outcome and summary; the outcome must be one of the node's outcomes. The first verdict to run wins. */
export const verdictNode: NodeHandler<"verdict"> = async (run) => {
  const { node } = run;
  const verdict = await run.step.run(`node:${node.id}`, async () => {
    markQuickStep(`node:${node.id}`);
    const scope = run.scope();
    const { outcomes } = node.data;
    let outcome: unknown;
    if (node.data.outcome.trim()) outcome = evaluateField(node.id, "outcome", node.data.outcome, scope);
    else if (outcomes.length === 1) outcome = outcomes[0];
    else throw new PermanentError(`${node.id}.outcome: no expression to choose between ${outcomes.join(", ")}`);
    if (typeof outcome !== "string" || !outcomes.includes(outcome)) {
      throw new PermanentError(`${node.id}.outcome: gave ${JSON.stringify(outcome)}, which is not one of ${outcomes.join(", ")}`);
    }
    const raw = node.data.summary.trim() ? evaluateField(node.id, "summary", node.data.summary, scope) : "";
    // A summary is a sentence for people: one that repeats a large value is cut, with a marker.
    const value = boundVerdict({ outcome, summary: typeof raw === "string" ? raw : (JSON.stringify(raw) ?? "") });
    const { summary } = value;
    const own: DirectChange = {
      nodeId: node.id,
      to: "succeeded",
      output: value,
      attempt: run.attempt,
      // People read the rail: the outcome's label ("auto-approved"); the run records its identifier.
      text: `Verdict: ${outcomeLabel(node.data, outcome)}${summary ? ` — ${summary}` : ""}`,
      data: value,
    };
    // Held with what the quick steps before it hold: written with the run's end when nothing runs
    // after it, else with the next flush, in order.
    await setRunVerdictSoon(run.database, run.runId, value, own);
    return value;
  });
  return { output: verdict };
};
