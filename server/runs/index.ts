import "server-only";

export { RunError, type RunErrorReason } from "./errors";
export { parseRunInput } from "./input";
export {
  cancelRun,
  getRun,
  listRuns,
  listRunsInput,
  rerun,
  rerunInput,
  startRun,
  startRunInput,
  type ListRunsInput,
  type RerunInput,
  type RunNodeView,
  type RunServiceOptions,
  type RunSummary,
  type RunView,
  type StartRunInput,
} from "./service";
