import "server-only";
import { sql } from "drizzle-orm";
import type { Database } from "@/server/db/database";
import { updateOrganisation } from "./organisation";

export const DEMO_ORGANISATION = { name: "Northwind Outfitters", colour: "#1f5f4a" } as const;

/** Mountains under a low sun: a mark for the demo's outdoor shop. */
export const DEMO_LOGO_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64" role="img" aria-label="Northwind Outfitters">
<rect width="64" height="64" rx="14" fill="#1f5f4a"/>
<circle cx="44" cy="20" r="6" fill="#f4c35a"/>
<path d="M8 48 L25 22 L33 34 L39 27 L56 48 Z" fill="#ffffff"/>
<path d="M25 22 L29.5 29 L26.5 27.5 L23 30.5 Z" fill="#cfe3da"/>
</svg>
`;

/** Demo mode: the shop's name, colour and logo on portals, unless an admin has set them. */
export async function seedDemoOrganisation(database: Database): Promise<boolean> {
  const [existing] = await database.rows<{ id: string }>(sql`select id from organisation where id = 'default'`);
  if (existing) return false;
  await updateOrganisation(database, {
    ...DEMO_ORGANISATION,
    logo: { kind: "upload", contentType: "image/svg+xml", dataBase64: Buffer.from(DEMO_LOGO_SVG).toString("base64") },
  });
  return true;
}
