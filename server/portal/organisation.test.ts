import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { testDatabases } from "@/test/databases";
import type { Database } from "@/server/db/database";
import { DEMO_LOGO_SVG, seedDemoOrganisation } from "./demo";
import { getBranding, getLogo, getOrganisation, updateOrganisation } from "./organisation";

const PNG_1x1 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

describe.each(testDatabases())("organisation settings on $name", (tdb) => {
  let database: Database;
  beforeAll(async () => {
    database = await tdb.open();
    await database.db.execute(sql`insert into "user" (id, name, email) values ('admin-1', 'Ada', 'ada@example.test')`);
  });
  afterAll(() => database?.close());

  it("has defaults until set, then seeds the demo shop once", async () => {
    expect(await getOrganisation(database)).toMatchObject({ name: "Customer service", configured: false, logo: null });
    expect(await getBranding(database)).toEqual({ name: "Customer service", colour: "#2259d6", logoSrc: null });
    expect(await seedDemoOrganisation(database)).toBe(true);
    expect(await seedDemoOrganisation(database)).toBe(false);
    const org = await getOrganisation(database);
    expect(org).toMatchObject({ name: "Northwind Outfitters", colour: "#1f5f4a", configured: true, logo: { kind: "upload", contentType: "image/svg+xml", bytes: Buffer.byteLength(DEMO_LOGO_SVG) } });
    expect((await getBranding(database)).logoSrc).toMatch(/^\/api\/v1\/portal\/logo\?v=\d+$/);
    const logo = await getLogo(database);
    expect(logo?.bytes.toString("utf8")).toBe(DEMO_LOGO_SVG);
    expect(logo?.etag).toMatch(/^"[0-9a-f]{32}"$/);
  });

  it("updates name and colour, keeps the logo unless told, and audits the change", async () => {
    const org = await updateOrganisation(database, { name: "  Northwind  ", colour: "#ABCDEF" }, { id: "admin-1" });
    expect(org).toMatchObject({ name: "Northwind", colour: "#abcdef", logo: { kind: "upload" } });
    const [audit] = await database.rows<{ actor_id: string; data: { before: { name: string }; after: { name: string; logo: string } } }>(
      sql`select actor_id, data from audit_log where action = 'organisation.settings_changed' order by id desc limit 1`,
    );
    expect(audit).toMatchObject({ actor_id: "admin-1", data: { before: { name: "Northwind Outfitters" }, after: { name: "Northwind", logo: "upload" } } });
  });

  it("takes a PNG upload, a same-host logo URL, or no logo", async () => {
    const png = await updateOrganisation(database, { name: "N", colour: "#000000", logo: { kind: "upload", contentType: "image/png", dataBase64: PNG_1x1 } });
    expect(png.logo).toEqual({ kind: "upload", contentType: "image/png", bytes: 70 });
    expect((await getLogo(database))?.contentType).toBe("image/png");
    const url = await updateOrganisation(database, { name: "N", colour: "#000000", logo: { kind: "url", url: "/brand/logo.svg?v=2" } });
    expect(url.logo).toEqual({ kind: "url", url: "/brand/logo.svg?v=2" });
    expect(await getLogo(database)).toBeNull();
    expect((await getBranding(database)).logoSrc).toBe("/brand/logo.svg?v=2");
    const none = await updateOrganisation(database, { name: "N", colour: "#000000", logo: { kind: "none" } });
    expect(none.logo).toBeNull();
  });

  it("refuses bad settings, naming the field", async () => {
    const cases: [unknown, string, RegExp][] = [
      [{ name: "", colour: "#000000" }, "name", /must not be empty/],
      [{ name: "N", colour: "red" }, "colour", /#1f5f4a/],
      [{ name: "N", colour: "#000000", logo: { kind: "url", url: "https://evil.example/logo.png" } }, "logo.url", /path on this site/],
      [{ name: "N", colour: "#000000", logo: { kind: "url", url: "//evil.example/logo.png" } }, "logo.url", /path on this site/],
      [{ name: "N", colour: "#000000", logo: { kind: "url", url: "/x\" onerror=\"alert(1)" } }, "logo.url", /path on this site/],
      [{ name: "N", colour: "#000000", logo: { kind: "upload", contentType: "text/html", dataBase64: "PGI+" } }, "logo.contentType", /PNG, JPEG/],
      [{ name: "N", colour: "#000000", logo: { kind: "upload", contentType: "image/png", dataBase64: Buffer.from("<svg></svg>").toString("base64") } }, "logo", /not a PNG image/],
      [{ name: "N", colour: "#000000", logo: { kind: "upload", contentType: "image/svg+xml", dataBase64: Buffer.from("<html><script>").toString("base64") } }, "logo", /not a SVG image/],
      [{ name: "N", colour: "#000000", logo: { kind: "upload", contentType: "image/png", dataBase64: Buffer.alloc(300 * 1024).toString("base64") } }, "logo.dataBase64", /at most 256 KB/],
    ];
    for (const [input, path, message] of cases) {
      const err = await updateOrganisation(database, input as never).catch((e: unknown) => e);
      expect({ path, problems: (err as { problems?: { path: string; message: string }[] }).problems?.map((p) => p.path) }).toEqual({ path, problems: [path] });
      expect((err as { problems: { message: string }[] }).problems[0]?.message).toMatch(message);
    }
    expect((await getOrganisation(database)).name).toBe("N");
  });
});
