"use server";

import { headers } from "next/headers";
import { redirect } from "next/navigation";
import type { PortalFormState } from "@/server/portal/form-action";
import { getDatabase } from "@/server/db/client";
import { clientAddress, installPeerAddressStamp, submitPortalForm as submit, trustProxy } from "@/server/portal";

installPeerAddressStamp();

/** The portal form's server action: server/portal/form-action.ts, answered on the form or redirected to the status page. */
export async function submitPortalForm(slug: string, _prev: PortalFormState, form: FormData): Promise<PortalFormState> {
  const address = clientAddress(await headers(), { trustProxy: trustProxy() });
  const res = await submit(await getDatabase(), slug, form, address);
  if ("redirect" in res) redirect(res.redirect);
  return res.state;
}
