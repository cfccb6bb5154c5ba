import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TRPCError } from "@trpc/server";
import { testDatabases } from "@/test/databases";
import { openHarness, type Harness, type Persona } from "@/test/app-harness";
import { createCallerFactory, createContext, router } from "../trpc";
import { knowledgeRouter } from "./knowledge";
import { orgRouter } from "./org";

const createCaller = createCallerFactory(router({ knowledge: knowledgeRouter, org: orgRouter }));

// Anything written under the data dir (read once by env()) stays out of the working tree.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "steward-knowledge-router-"));
process.env.STEWARD_DATA_DIR = dir;
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe.each(testDatabases())("knowledge and org procedures on $name", (tdb) => {
  let h: Harness;
  beforeAll(async () => {
    h = await openHarness(tdb);
  });
  afterAll(() => h.close());
  const as = async (p: Persona) => createCaller(await createContext({ headers: h.headers(p), database: h.database }));
  const code = (e: unknown) => (e instanceof TRPCError ? e.code : String(e));

  it("lets an admin upload, list, read, search and delete documents", async () => {
    const admin = await as("admin");
    const up = await admin.knowledge.upload({ content: "## WAR-1 Coverage\nTwo years on all parts.\n", title: "Warranty" });
    expect(up).toMatchObject({ outcome: "created", clauseIds: ["WAR-1"], document: { slug: "warranty", updatedBy: "admin@test.local" } });
    expect((await admin.knowledge.list()).map((d) => d.slug)).toEqual(["warranty"]);
    expect((await admin.knowledge.get({ id: "warranty" })).clauses[0]?.title).toBe("Coverage");
    expect((await admin.knowledge.search({ query: "parts coverage" }))[0]?.id).toBe("WAR-1");

    // Citation links: anyone signed in may read a clause.
    expect(await (await as("viewer")).knowledge.clause({ id: "war-1" })).toMatchObject({ id: "WAR-1", documentTitle: "Warranty" });
    expect(code(await (await as("viewer")).knowledge.clause({ id: "NOPE-1" }).catch((e: unknown) => e))).toBe("NOT_FOUND");

    // Collections and grants: admin only, bad input names the field.
    expect(await admin.knowledge.createCollection({ slug: "hr", title: "HR handbook" })).toMatchObject({ slug: "hr", grants: [] });
    expect(await admin.knowledge.grant({ collection: "hr", missionId: "*" })).toMatchObject({ slug: "hr", grants: ["*"] });
    expect((await admin.knowledge.collections()).map((c) => [c.slug, c.grants])).toEqual([
      ["policies", []],
      ["hr", ["*"]],
    ]);
    expect(await admin.knowledge.revoke({ collection: "hr", missionId: "*" })).toMatchObject({ grants: [] });
    expect(code(await admin.knowledge.grant({ collection: "hr", missionId: "no-such-mission" }).catch((e: unknown) => e))).toBe("NOT_FOUND");
    expect(code(await admin.knowledge.createCollection({ slug: "Bad Slug", title: "x" }).catch((e: unknown) => e))).toBe("BAD_REQUEST");
    expect(code(await (await as("builder")).knowledge.grant({ collection: "hr", missionId: "*" }).catch((e: unknown) => e))).toBe("FORBIDDEN");

    const bad = await admin.knowledge.upload({ content: "" }).catch((e: unknown) => e);
    expect(code(bad)).toBe("BAD_REQUEST");
    await admin.knowledge.delete({ id: up.document.id });
    expect(await admin.knowledge.list()).toEqual([]);
  });

  it("lets an admin set the organisation, and no one else", async () => {
    const admin = await as("admin");
    expect(await admin.org.update({ name: "Northwind", colour: "#1F5F4A" })).toMatchObject({ name: "Northwind", colour: "#1f5f4a" });
    expect((await admin.org.get()).name).toBe("Northwind");
    expect(await admin.org.portals()).toEqual([]);
    for (const p of ["builder", "approver", "viewer"] as const) {
      const c = await as(p);
      expect(code(await c.org.update({ name: "x", colour: "#000000" }).catch((e: unknown) => e))).toBe("FORBIDDEN");
      expect(code(await c.knowledge.upload({ content: "x", title: "x" }).catch((e: unknown) => e))).toBe("FORBIDDEN");
      expect(code(await c.knowledge.list().catch((e: unknown) => e))).toBe("FORBIDDEN");
    }
    expect(code(await (await as("anonymous")).knowledge.clause({ id: "x" }).catch((e: unknown) => e))).toBe("UNAUTHORIZED");
  });
});
