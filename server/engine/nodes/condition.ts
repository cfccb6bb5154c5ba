import "server-only";
import { ELSE_PORT_ID } from "@/lib/mission/node-kinds";
import { markQuickStep, setDirectStatesSoon } from "../held-states";
import { PermanentError } from "../step-port";
import { evaluateField } from "./evaluate";
import type { NodeHandler } from "./types";

/** Branches in order; the first whose expression is true is taken, else `else`. */
export const conditionNode: NodeHandler<"condition"> = async (run) => {
  const { node } = run;
  const result = await run.step.run(`node:${node.id}`, async () => {
    markQuickStep(`node:${node.id}`);
    const scope = run.scope();
    let branch = ELSE_PORT_ID;
    for (const [i, b] of node.data.branches.entries()) {
      const value = evaluateField(node.id, `branches[${i}].expression`, b.expression, scope);
      if (typeof value !== "boolean") {
        throw new PermanentError(`${node.id}.branches[${i}].expression (${b.id}): must give true or false, gave ${JSON.stringify(value)}`);
      }
      if (value) {
        branch = b.id;
        break;
      }
    }
    await setDirectStatesSoon(run.database, run.runId, [
      { nodeId: node.id, to: "succeeded", output: { branch }, attempt: run.attempt, text: `${node.id} took ${branch}`, data: { branch } },
    ]);
    return { branch };
  });
  return { output: result, port: result.branch };
};
