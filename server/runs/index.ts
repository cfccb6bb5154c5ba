import "server-only";

export { RunError, type RunErrorReason } from "./errors";
export { parseRunInput } from "./input";
export {
  cancelRun,
  getRun,
  listRuns,
  listRunsInput,
  rerun,
  startRun,
  startRunInput,
  type ListRunsInput,
  type RunNodeView,
  type RunServiceOptions,
  type RunSummary,
  type RunView,
  type StartRunInput,
} from "./service";
