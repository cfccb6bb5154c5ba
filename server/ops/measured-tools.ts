import "server-only";
import type { ToolPort } from "@/server/connectors/tool-port";
import { metrics } from "./metrics";

/**
 * The engine's tool port, timed: every call (actions and Workers' own calls) lands in
 * steward_connector_call_duration_seconds and, when it answered an error or threw, in
 * steward_connector_call_errors_total. Wrapped at boot, so the engine and connectors are untouched.
 */
export function measuredToolPort(port: ToolPort): ToolPort {
  return {
    listTools: (refs) => port.listTools(refs),
    unavailableReason: port.unavailableReason?.bind(port),
    async callTool(ref, args, opts) {
      const m = metrics();
      // A ref is `<connector>.<tool>`; the connector alone keeps the label set small.
      const connector = ref.split(".")[0] ?? ref;
      const end = m.connectorCalls.startTimer({ connector });
      try {
        const result = await port.callTool(ref, args, opts);
        const outcome = result.isError ? "tool_error" : "ok";
        end({ outcome });
        if (result.isError) m.connectorErrors.inc({ connector, outcome });
        return result;
      } catch (e) {
        end({ outcome: "failed" });
        m.connectorErrors.inc({ connector, outcome: "failed" });
        throw e;
      }
    },
  };
}
