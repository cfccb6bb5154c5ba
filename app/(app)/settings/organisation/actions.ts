"use server";

import { revalidatePath } from "next/cache";
import type { OrganisationFormState } from "@/components/portal/organisation-form";
import { userActor } from "@/server/audit/record";
import { can, requirePageUser } from "@/server/auth/page-user";
import { getDatabase } from "@/server/db/client";
import { LOGO_TYPES, PortalError, updateOrganisation, type LogoType, type UpdateOrganisationInput } from "@/server/portal";
import { unstorableTextReason } from "@/lib/storable-text";

export async function saveOrganisation(_prev: OrganisationFormState, form: FormData): Promise<OrganisationFormState> {
  const user = await requirePageUser("/settings/organisation");
  if (!can(user, "admin")) throw new Error("Organisation settings need the admin role");

  // Text the database cannot store (a NUL, a lone surrogate) is the person's to fix, not a 500.
  for (const [field, subject] of [["name", "The name"], ["colour", "The colour"], ["logoUrl", "The logo"]] as const) {
    const bad = unstorableTextReason(String(form.get(field) ?? ""));
    if (bad) return { status: "error", message: null, problems: { [field === "logoUrl" ? "logo" : field]: `${subject} ${bad}.` } };
  }
  const mode = String(form.get("logoMode") ?? "none");
  let logo: UpdateOrganisationInput["logo"] = { kind: "none" };
  if (mode === "url") logo = { kind: "url", url: String(form.get("logoUrl") ?? "") };
  if (mode === "upload") {
    const file = form.get("logoFile");
    if (file instanceof File && file.size > 0) {
      if (!(LOGO_TYPES as readonly string[]).includes(file.type)) return { status: "error", message: null, problems: { logo: "Choose a PNG, JPEG, GIF, WebP or SVG image." } };
      logo = { kind: "upload", contentType: file.type as LogoType, dataBase64: Buffer.from(await file.arrayBuffer()).toString("base64") };
    } else logo = { kind: "keep" };
  }

  try {
    await updateOrganisation(await getDatabase(), { name: String(form.get("name") ?? ""), colour: String(form.get("colour") ?? ""), logo }, userActor(user));
  } catch (e) {
    if (e instanceof PortalError) {
      const problems: Record<string, string> = {};
      for (const p of e.problems) {
        const field = p.path.split(".")[0] ?? "";
        const subject = field === "name" ? "The name" : field === "colour" ? "The colour" : "The logo";
        problems[field] ??= `${subject} ${p.message}.`;
      }
      return { status: "error", message: e.problems.length ? null : e.message, problems };
    }
    throw e;
  }
  revalidatePath("/settings/organisation");
  return { status: "saved", message: null, problems: {} };
}
