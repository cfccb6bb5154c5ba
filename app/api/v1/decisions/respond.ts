import "server-only";
import { DecisionError } from "@/server/decisions";
import { json } from "@/server/rest/handler";

/**
 * Runs a decisions route body; a DecisionError answers with its HTTP family (404, 403, 409, 400)
 * and also its specific `reason` (e.g. `already_voted`, `separation_of_duties`), so integrations
 * can tell the cases apart. Anything else goes to the shared REST error mapping.
 */
export async function withDecisionErrors(fn: () => Promise<Response>): Promise<Response> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof DecisionError) {
      return json({ error: { code: e.code, reason: e.reason, message: e.message, problems: e.problems } }, e.status);
    }
    throw e;
  }
}
