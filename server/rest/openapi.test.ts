import { describe, expect, it } from "vitest";
import { checkDocumentedResponse } from "@/test/openapi-responses";
import { REST_ACCESS } from "@/test/rest-routes";
import { openApiDocument } from "./openapi";

describe("OpenAPI document", () => {
  const doc = openApiDocument("http://localhost:3000");
  const paths = doc.paths as Record<string, Record<string, unknown>>;

  it("is OpenAPI 3.1, generated from the routes' zod schemas", () => {
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.servers).toEqual([{ url: "http://localhost:3000" }]);
    expect(JSON.stringify(doc.components?.schemas?.MissionGraph)).toContain("steward.mission/v1");
    // The decisions query is the route's own zod schema: its enum and default come through.
    expect(JSON.stringify((paths["/api/v1/decisions"]?.get as { parameters: unknown }).parameters)).toContain('"default":"pending"');
  });

  it("documents every REST route the access test knows, and nothing else", () => {
    const documented = Object.entries(paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`));
    const known = REST_ACCESS.map((r) => `${r.method} ${r.path.replace(/\/x(\/|$)/, "/{id}$1").replace(/\/versions\/1\//, "/versions/{number}/")}`);
    // Public routes take no API key, so the access test does not list them.
    known.push("POST /api/v1/hooks/{hookId}");
    expect(documented.sort()).toEqual([...new Set(known)].sort());
  });

  describe("checking a real answer against it", () => {
    const get = (path: string) => new Request(`http://localhost${path}`);
    const summary = { id: "m1", name: "Refunds", description: "", latestVersion: 1, publishedVersion: 1, awaitingReview: null, nodeCount: 3, updatedAt: "2026-12-06T07:00:00.000Z", archivedAt: null };

    it("accepts an answer the document describes", async () => {
      await expect(checkDocumentedResponse(get("/api/v1/missions"), Response.json({ missions: [summary] }))).resolves.toBeUndefined();
      await expect(checkDocumentedResponse(get("/api/v1/missions/m1"), Response.json({ error: { code: "not_found", message: "No mission m1" } }, { status: 404 }))).resolves.toBeUndefined();
    });

    it("refuses a body that drifted, a status or a route it does not list", async () => {
      const { nodeCount: _dropped, ...withoutCount } = summary;
      void _dropped;
      await expect(checkDocumentedResponse(get("/api/v1/missions"), Response.json({ missions: [withoutCount] }))).rejects.toThrow(/GET \/api\/v1\/missions answered 200 with a body the OpenAPI document does not allow: .*nodeCount/);
      await expect(checkDocumentedResponse(get("/api/v1/missions"), Response.json({ missions: [{ ...summary, latestVersion: "1" }] }))).rejects.toThrow(/latestVersion.*must be integer/);
      await expect(checkDocumentedResponse(get("/api/v1/missions"), Response.json({ error: { code: "x", message: "y" } }, { status: 418 }))).rejects.toThrow(/answered 418, which the OpenAPI document does not list/);
      await expect(checkDocumentedResponse(get("/api/v1/nowhere"), Response.json({}))).rejects.toThrow(/GET \/api\/v1\/nowhere is not in the OpenAPI document/);
      await expect(checkDocumentedResponse(new Request("http://localhost/api/v1/policies", { method: "DELETE" }), new Response(null, { status: 204 }))).rejects.toThrow(/DELETE \/api\/v1\/policies is not in the OpenAPI document/);
    });
  });
});
