import "server-only";
import { computeValues } from "@/lib/mission/kinds/transform";
import { markQuickStep, setDirectStatesSoon } from "../held-states";
import { PermanentError } from "../step-port";
import { evaluateField } from "./evaluate";
import type { NodeHandler } from "./types";

/**
 * Computes the node's named values from expressions, each checked against its declared type.
 * Output: { <name>: value, … }. A value that does not evaluate or has the wrong type fails the
 * node at once (another try would give the same), naming the value.
 */
export const transformNode: NodeHandler<"transform"> = async (run) => {
  const { node } = run;
  const output = await run.step.run(`node:${node.id}`, async () => {
    markQuickStep(`node:${node.id}`);
    const scope = run.scope();
    const values: Record<string, unknown> = {};
    for (const [i, computed] of computeValues(node.data.values, (j, src) => evaluateField(node.id, `values[${j}].expression`, src, scope)).entries()) {
      if (!computed.ok) {
        // An evaluation failure already names the node and field.
        const prefix = `${node.id}.values[${i}]`;
        throw new PermanentError(computed.problem.startsWith(prefix) ? computed.problem : `${prefix} (${computed.name}): ${computed.problem}`);
      }
      values[computed.name] = computed.value;
    }
    const shown = Object.entries(values).map(([name, value]) => `${name} = ${JSON.stringify(value)}`);
    await setDirectStatesSoon(run.database, run.runId, [
      {
        nodeId: node.id,
        to: "succeeded",
        output: values,
        attempt: run.attempt,
        text: shown.length ? `${node.id} computed ${shown.join(", ")}` : `${node.id} computed nothing`,
        data: { values },
      },
    ]);
    return values;
  });
  return { output };
};
