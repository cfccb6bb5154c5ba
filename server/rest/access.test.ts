import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabases } from "@/test/databases";
import { openHarness, PERSONAS, type Harness, type Persona } from "@/test/app-harness";
import type { Role } from "@/lib/mission/schema";
import { INTERNAL_REST_ACCESS, REST_ACCESS } from "@/test/rest-routes";
import * as missions from "@/app/api/v1/missions/route";

function allowed(rule: "signed-in" | Role | Role[], p: Persona) {
  return p !== "anonymous" && (rule === "signed-in" || (Array.isArray(rule) ? rule.includes(p) : rule === p));
}

describe.each(testDatabases())("REST access on $name", (tdb) => {
  let h: Harness;
  beforeAll(async () => {
    h = await openHarness(tdb);
  });
  afterAll(() => h.close());

  for (const persona of PERSONAS) {
    it(`gives ${persona} exactly the access its role allows`, async () => {
      for (const r of [...REST_ACCESS, ...INTERNAL_REST_ACCESS]) {
        const req = new Request(`http://localhost${r.path}`, { method: r.method, headers: h.headers(persona), body: r.body === undefined ? undefined : JSON.stringify(r.body) });
        const res = await r.handler(req, { params: Promise.resolve({ id: "x" }) });
        const expected = allowed(r.rule, persona) ? "granted" : persona === "anonymous" ? 401 : 403;
        const got = res.status === 401 || res.status === 403 ? res.status : "granted";
        expect({ route: `${r.method} ${r.path}`, persona, got }).toEqual({ route: `${r.method} ${r.path}`, persona, got: expected });
        expect(res.status).toBeLessThan(500);
      }
    });
  }

  it("refuses an unknown or revoked key", async () => {
    const res = await missions.GET(new Request("http://localhost/api/v1/missions", { headers: { authorization: "Bearer stw_nope" } }));
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/API key/);
  });
});
