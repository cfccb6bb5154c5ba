import { describe, expect, it } from "vitest";
import { openApiDocument } from "./openapi";
import { REST_ACCESS } from "@/test/rest-routes";

describe("OpenAPI document", () => {
  const doc = openApiDocument("http://localhost:3000");
  it("is OpenAPI 3.1 with the mission graph schema", () => {
    expect(doc.openapi).toBe("3.1.0");
    expect(JSON.stringify(doc.components.schemas.MissionGraph)).toContain("steward.mission/v1");
  });
  it("documents every REST route the access test knows", () => {
    const paths = Object.keys(doc.paths);
    for (const r of REST_ACCESS) {
      const templ = r.path.replace(/\/x(\/|$)/, "/{id}$1").replace(/\/versions\/1\//, "/versions/{number}/");
      expect(paths, `${r.method} ${r.path}`).toContain(templ);
      const op = (doc.paths as Record<string, Record<string, unknown>>)[templ]?.[r.method.toLowerCase()];
      expect(op, `${r.method} ${templ}`).toBeTruthy();
    }
  });
});
