import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TRPCError } from "@trpc/server";
import { testDatabases } from "@/test/databases";
import { openHarness, PERSONAS, type Harness, type Persona } from "@/test/app-harness";
import type { Role } from "@/lib/mission/schema";
import { appRouter, createCaller } from "./root";
import { createContext } from "./trpc";

/**
 * Who may call what. Every tRPC procedure must be listed: "public" (anyone), "signed-in" (any role),
 * "session" (any role, signed in with a browser session rather than an API key), or the role (or any of
 * the roles) it needs. A procedure missing here fails the test, so access is decided on purpose.
 */
export const TRPC_ACCESS: Record<string, "public" | "signed-in" | "session" | Role | Role[]> = {
  "missions.list": "signed-in",
  "missions.get": "signed-in",
  "missions.templates": "signed-in",
  "missions.create": "builder",
  "missions.rename": "builder",
  "missions.setArchived": "builder",
  "missions.saveDraft": "builder",
  "missions.saveVersion": "builder",
  "missions.versions": "signed-in",
  "missions.version": "signed-in",
  "missions.diff": "signed-in",
  "missions.import": "builder",
  "missions.export": "signed-in",
  "missions.listReviews": "signed-in",
  "missions.review": "signed-in",
  "missions.publish": ["builder", "approver", "admin"],
  "missions.reject": ["approver", "admin"],
  "users.me": "public",
  "users.whoami": "signed-in",
  "users.list": "admin",
  "users.create": "admin",
  "users.setRoles": "admin",
  "apiKeys.list": "signed-in",
  "apiKeys.create": "session",
  "apiKeys.revoke": "signed-in",
  "setup.createFirstAdmin": "public",
  "audit.list": "admin",
  "audit.facets": "admin",
  "audit.verify": "admin",
  "connectors.list": "admin",
  "connectors.get": "admin",
  "connectors.create": "admin",
  "connectors.update": "admin",
  "connectors.delete": "admin",
  "connectors.setEnabled": "admin",
  "connectors.test": "admin",
  "connectors.refresh": "admin",
  "connectors.approve": "admin",
  "connectors.setPolicy": "admin",
  "models.list": "admin",
  "models.createProvider": "admin",
  "models.updateProvider": "admin",
  "models.deleteProvider": "admin",
  "models.createModel": "admin",
  "models.updateModel": "admin",
  "models.deleteModel": "admin",
  "models.setDefault": "admin",
  "models.test": "admin",
  "knowledge.list": "admin",
  "knowledge.get": "admin",
  "knowledge.upload": "admin",
  "knowledge.delete": "admin",
  "knowledge.search": "admin",
  "knowledge.embeddings": "admin",
  "knowledge.collections": "admin",
  "knowledge.createCollection": "admin",
  "knowledge.grant": "admin",
  "knowledge.revoke": "admin",
  "knowledge.clause": "signed-in",
  "org.get": "admin",
  "org.update": "admin",
  "org.portals": "admin",
  "runs.start": "builder",
  "runs.cancel": "builder",
  "runs.rerun": "builder",
  "runs.get": "signed-in",
  "runs.list": "signed-in",
  "runs.facets": "signed-in",
  "testCases.list": "signed-in",
  "testCases.get": "signed-in",
  "testCases.create": "builder",
  "testCases.fromRun": "builder",
  "testCases.update": "builder",
  "testCases.delete": "builder",
  "testCases.check": "signed-in",
  "testCases.runSuite": "builder",
  "testCases.suiteRun": "signed-in",
  "testCases.suiteRuns": "signed-in",
  "testCases.gate": "signed-in",
  // Turning the suite gate on is a builder's; turning it off takes an approver or admin (setSuiteGate).
  "testCases.setGate": ["builder", "approver", "admin"],
  "modelComparisons.start": "builder",
  "modelComparisons.get": "signed-in",
  "modelComparisons.list": "signed-in",
  "observations.onRun": "signed-in",
  "observations.list": "signed-in",
  "decisions.list": "signed-in",
  "decisions.pendingCount": "signed-in",
  "decisions.get": "signed-in",
  "decisions.decide": "signed-in",
  "decisions.webhooks.list": "admin",
  "decisions.webhooks.create": "admin",
  "decisions.webhooks.setEnabled": "admin",
  "decisions.webhooks.remove": "admin",
  "decisions.webhooks.deliveries": "admin",
  "policies.list": "signed-in",
  "policies.get": "signed-in",
  "policies.toolRefs": "admin",
  "policies.create": "admin",
  "policies.update": "admin",
  "policies.remove": "admin",
  "triggers.schedules": "signed-in",
  "triggers.status": "signed-in",
  "triggers.setPaused": "builder",
  "triggers.createHook": "builder",
  "triggers.rotateHook": "builder",
  "triggers.revokeHook": "builder",
  "mcpTools.list": "admin",
  "mcpTools.revoke": "admin",
  "mcpTools.restore": "admin",
  "connectors.toolsForBuilder": "builder",
  "models.listForBuilder": "builder",
};

function allowed(rule: (typeof TRPC_ACCESS)[string], p: Persona): boolean {
  if (rule === "public") return true;
  if (p === "anonymous") return false;
  // "session": any role, but signed in with a browser session; the personas here use API keys.
  if (rule === "session") return false;
  return rule === "signed-in" || (Array.isArray(rule) ? rule.includes(p) : rule === p);
}

type AnyFn = (input?: unknown) => Promise<unknown>;

function procedureAt(caller: unknown, path: string): AnyFn {
  let cur = caller as Record<string, unknown>;
  for (const part of path.split(".")) cur = cur[part] as Record<string, unknown>;
  return cur as unknown as AnyFn;
}

describe.each(testDatabases())("tRPC access on $name", (tdb) => {
  let h: Harness;
  beforeAll(async () => {
    h = await openHarness(tdb);
  });
  afterAll(() => h.close());

  it("lists every procedure in the access table", () => {
    const procedures = Object.keys(appRouter._def.procedures).sort();
    expect(procedures).toEqual(Object.keys(TRPC_ACCESS).sort());
  });

  for (const persona of PERSONAS) {
    it(`gives ${persona} exactly the access its role allows`, async () => {
      const caller = createCaller(await createContext({ headers: h.headers(persona), database: h.database }));
      for (const [path, rule] of Object.entries(TRPC_ACCESS)) {
        let code: string | null = null;
        try {
          // A junk input: access is checked before input validation matters.
          await procedureAt(caller, path)({ id: "does-not-exist", userId: "nobody", name: "", number: 1, from: 1, to: 1, document: "{}" });
        } catch (e) {
          code = e instanceof TRPCError ? e.code : "OTHER";
        }
        const denied = code === "UNAUTHORIZED" || code === "FORBIDDEN";
        expect({ path, persona, denied }).toEqual({ path, persona, denied: !allowed(rule, persona) });
        if (denied) expect(code).toBe(persona === "anonymous" ? "UNAUTHORIZED" : "FORBIDDEN");
      }
    });
  }
});
