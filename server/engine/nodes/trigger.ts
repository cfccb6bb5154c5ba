import "server-only";
import type { NodeHandler } from "./types";

/** The trigger's output is the run input; its state is written by the run's first step. */
export const triggerNode: NodeHandler<"trigger"> = async (run) => ({ output: run.plan.input });
