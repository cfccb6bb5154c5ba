"use server";

import { headers } from "next/headers";
import { redirect } from "next/navigation";
import type { PortalFormState } from "@/components/portal/portal-form";
import { getDatabase } from "@/server/db/client";
import { clientAddress, installPeerAddressStamp, submitPortalRequest, trustProxy } from "@/server/portal";

installPeerAddressStamp();

function minutes(seconds: number): string {
  const m = Math.ceil(seconds / 60);
  return m <= 1 ? "a minute" : `${m} minutes`;
}

/** The portal form's server action: the same checks as the JSON endpoint, answered on the form. */
export async function submitPortalForm(slug: string, _prev: PortalFormState, form: FormData): Promise<PortalFormState> {
  const values: Record<string, string> = {};
  for (const [key, value] of form.entries()) {
    // React adds its own `$ACTION…` entries to the form data.
    if (!key.startsWith("$") && typeof value === "string") values[key] = value;
  }
  const database = await getDatabase();
  const address = clientAddress(await headers(), { trustProxy: trustProxy() });
  let statusPath: string;
  try {
    const res = await submitPortalRequest(database, { slug, values, clientAddress: address });
    if (!res.ok) {
      switch (res.reason) {
        case "invalid":
          return { problems: Object.fromEntries(res.problems.map((p) => [p.field, p.message])), formError: null, values };
        case "rate_limited":
          return { problems: {}, formError: `You've sent several requests in a short time. Please try again in ${minutes(res.retryAfterSeconds)}.`, values };
        case "not_found":
        case "unavailable":
          return { problems: {}, formError: "This form isn't accepting requests right now. Please try again later.", values };
      }
    }
    statusPath = res.statusPath;
  } catch (e) {
    console.error(`[portal] submission to ${slug} failed:`, e);
    return { problems: {}, formError: "Something went wrong on our side and your request was not sent. Please try again.", values };
  }
  redirect(statusPath);
}
