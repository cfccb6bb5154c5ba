import "server-only";
import type { Database } from "@/server/db/database";
import { MAX_PORTAL_BODY_BYTES, submitPortalRequest, type SubmitOptions } from "./submit";

/** What the portal form shows after a submission: problems by field, a form-wide error, the values sent. */
export interface PortalFormState {
  problems: Record<string, string>;
  formError: string | null;
  values: Record<string, string>;
}

function minutes(seconds: number): string {
  const m = Math.ceil(seconds / 60);
  return m <= 1 ? "a minute" : `${m} minutes`;
}

/**
 * The portal form's server action without Next's request plumbing (app/p/[slug]/actions.ts adds
 * that): the same checks as the JSON endpoint through submitPortalRequest — rate limit, 64 KB,
 * blank and unstorable values — answered on the form. `redirect` is the status page to go to.
 */
export async function submitPortalForm(
  database: Database,
  slug: string,
  form: FormData,
  clientAddress: string,
  opts: SubmitOptions = {},
): Promise<{ redirect: string } | { state: PortalFormState }> {
  const values: Record<string, string> = {};
  for (const [key, value] of form.entries()) {
    // React adds its own `$ACTION…` entries to the form data.
    if (!key.startsWith("$") && typeof value === "string") values[key] = value;
  }
  const answer = (formError: string | null, problems: Record<string, string> = {}) => ({ state: { problems, formError, values } });
  try {
    const res = await submitPortalRequest(database, { slug, values, clientAddress }, opts);
    if (res.ok) return { redirect: res.statusPath };
    switch (res.reason) {
      case "invalid":
        return answer(null, Object.fromEntries(res.problems.map((p) => [p.field, p.message])));
      case "too_large":
        return answer(`Your request is longer than we can take (${MAX_PORTAL_BODY_BYTES / 1024} KB). Please shorten it and send it again.`);
      case "rate_limited":
        return answer(`You've sent several requests in a short time. Please try again in ${minutes(res.retryAfterSeconds)}.`);
      case "not_found":
      case "unavailable":
        return answer("This form isn't accepting requests right now. Please try again later.");
    }
  } catch (e) {
    console.error(`[portal] submission to ${slug} failed:`, e);
    return answer("Something went wrong on our side and your request was not sent. Please try again.");
  }
}
