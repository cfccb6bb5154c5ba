import "server-only";
import crypto from "node:crypto";
import { sql } from "drizzle-orm";
import { z } from "zod";
import { zodProblems } from "@/lib/errors";
import { recordAudit, type AuditActor } from "@/server/audit/record";
import type { Database } from "@/server/db/database";
import { PortalError } from "./errors";

export const LOGO_TYPES = ["image/png", "image/jpeg", "image/gif", "image/webp", "image/svg+xml"] as const;
export type LogoType = (typeof LOGO_TYPES)[number];
export const MAX_LOGO_BYTES = 256 * 1024;

/** What portals show before an admin has named the organisation. */
export const DEFAULT_ORGANISATION = { name: "Customer service", colour: "#2259d6" } as const;

export const colourSchema = z
  .string()
  .trim()
  .regex(/^#[0-9a-fA-F]{6}$/, "must be a colour like #1f5f4a")
  .transform((s) => s.toLowerCase());

/** A logo "on the same host": a path such as /brand/logo.svg, never another origin. */
export const sameHostPathSchema = z
  .string()
  .trim()
  .max(500, "must be at most 500 characters")
  .regex(/^\/(?![/\\])[A-Za-z0-9._~%!$&'()*+,;=:@/-]*(\?[A-Za-z0-9._~%!$&'()*+,;=:@/?-]*)?$/, "must be a path on this site, like /brand/logo.png");

const logoInput = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("keep") }),
  z.object({ kind: z.literal("none") }),
  z.object({ kind: z.literal("url"), url: sameHostPathSchema }),
  z.object({
    kind: z.literal("upload"),
    contentType: z.enum(LOGO_TYPES, { error: "must be a PNG, JPEG, GIF, WebP or SVG image" }),
    dataBase64: z.string().max(Math.ceil((MAX_LOGO_BYTES * 4) / 3) + 8, `must be at most ${MAX_LOGO_BYTES / 1024} KB`),
  }),
]);

export const updateOrganisationInput = z.object({
  name: z.string().trim().min(1, "must not be empty").max(120, "must be at most 120 characters"),
  colour: colourSchema,
  logo: logoInput.default({ kind: "keep" }),
});
export type UpdateOrganisationInput = z.input<typeof updateOrganisationInput>;

export type LogoView = { kind: "upload"; contentType: LogoType; bytes: number } | { kind: "url"; url: string } | null;

export interface OrganisationView {
  name: string;
  colour: string;
  logo: LogoView;
  /** False until an admin (or the demo) has set it: portals then show the defaults. */
  configured: boolean;
  updatedAt: string | null;
}

/** What a portal page needs to look like the organisation. */
export interface Branding {
  name: string;
  colour: string;
  /** A same-host URL of the logo, or null. */
  logoSrc: string | null;
}

interface Row {
  name: string;
  colour: string;
  logo_type: LogoType | null;
  logo_bytes: number | null;
  logo_url: string | null;
  updated_at: string;
}

async function row(database: Database): Promise<Row | undefined> {
  const [r] = await database.rows<Row>(
    sql`select name, colour, logo_type, (length(decode(logo_data, 'base64')))::int as logo_bytes, logo_url, updated_at::text as updated_at
        from organisation where id = 'default'`,
  );
  return r;
}

function view(r: Row | undefined): OrganisationView {
  if (!r) return { ...DEFAULT_ORGANISATION, logo: null, configured: false, updatedAt: null };
  const logo: LogoView = r.logo_type ? { kind: "upload", contentType: r.logo_type, bytes: Number(r.logo_bytes ?? 0) } : r.logo_url ? { kind: "url", url: r.logo_url } : null;
  return { name: r.name, colour: r.colour, logo, configured: true, updatedAt: new Date(r.updated_at).toISOString() };
}

export async function getOrganisation(database: Database): Promise<OrganisationView> {
  return view(await row(database));
}

/** The uploaded logo is served by /api/v1/portal/logo; `v` changes with it, so browsers may cache it. */
export const LOGO_ROUTE = "/api/v1/portal/logo";

export async function getBranding(database: Database): Promise<Branding> {
  const org = await getOrganisation(database);
  const logoSrc = org.logo?.kind === "upload" ? `${LOGO_ROUTE}?v=${Date.parse(org.updatedAt ?? "") || 0}` : org.logo?.kind === "url" ? org.logo.url : null;
  return { name: org.name, colour: org.colour, logoSrc };
}

/** The file's first bytes must say what its content type claims. */
function looksLike(type: LogoType, bytes: Buffer): boolean {
  const head = bytes.subarray(0, 16);
  switch (type) {
    case "image/png":
      return head.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    case "image/jpeg":
      return head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff;
    case "image/gif":
      return head.subarray(0, 4).toString("latin1") === "GIF8";
    case "image/webp":
      return head.subarray(0, 4).toString("latin1") === "RIFF" && head.subarray(8, 12).toString("latin1") === "WEBP";
    case "image/svg+xml":
      return /^\s*(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*(<!DOCTYPE svg[^>]*>\s*)?<svg[\s>]/i.test(bytes.subarray(0, 2048).toString("utf8").replace(/^\uFEFF/, ""));
  }
}

/** Decodes and checks an uploaded logo; problems name the `logo` field. */
export function decodeLogo(contentType: LogoType, dataBase64: string): Buffer {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(dataBase64)) throw new PortalError("bad_request", "logo: is not base64", [{ path: "logo", message: "is not a valid upload" }]);
  const bytes = Buffer.from(dataBase64, "base64");
  if (!bytes.length) throw new PortalError("bad_request", "logo: is empty", [{ path: "logo", message: "is an empty file" }]);
  if (bytes.length > MAX_LOGO_BYTES) {
    throw new PortalError("payload_too_large", `logo: must be at most ${MAX_LOGO_BYTES / 1024} KB`, [{ path: "logo", message: `must be at most ${MAX_LOGO_BYTES / 1024} KB (this one is ${Math.ceil(bytes.length / 1024)} KB)` }]);
  }
  if (!looksLike(contentType, bytes)) {
    throw new PortalError("bad_request", `logo: is not a ${contentType} image`, [{ path: "logo", message: `is not a ${contentType.replace("image/", "").replace("+xml", "").toUpperCase()} image` }]);
  }
  return bytes;
}

/** Sets the organisation's name, colour and (unless `keep`) logo. */
export async function updateOrganisation(database: Database, raw: UpdateOrganisationInput, actor: AuditActor | null = null): Promise<OrganisationView> {
  const parsed = updateOrganisationInput.safeParse(raw);
  if (!parsed.success) throw new PortalError("bad_request", "Invalid organisation settings", zodProblems(parsed.error.issues));
  const input = parsed.data;
  const logo = input.logo;
  const upload = logo.kind === "upload" ? decodeLogo(logo.contentType, logo.dataBase64) : null;
  const before = view(await row(database));
  await database.db.transaction(async (tx) => {
    await tx.execute(
      sql`insert into organisation (id, name, colour, updated_by, updated_at) values ('default', ${input.name}, ${input.colour}, ${actor?.id ?? null}, now())
          on conflict (id) do update set name = excluded.name, colour = excluded.colour, updated_by = excluded.updated_by, updated_at = now()`,
    );
    if (logo.kind === "none") await tx.execute(sql`update organisation set logo_data = null, logo_type = null, logo_url = null where id = 'default'`);
    if (logo.kind === "url") await tx.execute(sql`update organisation set logo_data = null, logo_type = null, logo_url = ${logo.url} where id = 'default'`);
    if (logo.kind === "upload" && upload) {
      await tx.execute(sql`update organisation set logo_data = ${upload.toString("base64")}, logo_type = ${logo.contentType}, logo_url = null where id = 'default'`);
    }
    await recordAudit(tx, {
      action: "organisation.settings_changed",
      actor,
      targetType: "organisation",
      targetId: "default",
      data: {
        before: { name: before.name, colour: before.colour, logo: before.logo?.kind ?? "none" },
        after: { name: input.name, colour: input.colour, logo: logo.kind === "keep" ? (before.logo?.kind ?? "none") : logo.kind },
        ...(upload ? { logoSha256: crypto.createHash("sha256").update(upload).digest("hex") } : {}),
      },
    });
  });
  return getOrganisation(database);
}

/** The uploaded logo's bytes, for the logo route. */
export async function getLogo(database: Database): Promise<{ contentType: LogoType; bytes: Buffer; etag: string } | null> {
  const [r] = await database.rows<{ logo_data: string | null; logo_type: LogoType | null; updated_at: string }>(
    sql`select logo_data, logo_type, updated_at::text as updated_at from organisation where id = 'default'`,
  );
  if (!r?.logo_data || !r.logo_type) return null;
  const bytes = Buffer.from(r.logo_data, "base64");
  return { contentType: r.logo_type, bytes, etag: `"${crypto.createHash("sha256").update(bytes).digest("hex").slice(0, 32)}"` };
}
