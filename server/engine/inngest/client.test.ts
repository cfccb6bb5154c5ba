import { afterEach, describe, expect, it } from "vitest";
import { createEngineClient } from "./client";

// The SDK reads its environment name and headers on every request it makes to the "server" (in
// embedded mode every step's checkpoint) by enumerating all of process.env, which is slow in Node:
// under load it was 5–10% of the server's CPU. The embedded client reads them once.
describe("the embedded engine client", () => {
  const realEnv = process.env;
  afterEach(() => {
    process.env = realEnv;
  });

  /** process.env, counting how often it is enumerated. */
  function countEnumerations(extra: Record<string, string>): { count: number } {
    const counter = { count: 0 };
    process.env = new Proxy(
      { ...realEnv, ...extra },
      {
        ownKeys(target) {
          counter.count++;
          return Reflect.ownKeys(target);
        },
      },
    );
    return counter;
  }

  it("reads the process environment once, not on each request it sends", () => {
    const counter = countEnumerations({ INNGEST_ENV: "branch-7" });
    const client = createEngineClient({ mode: "embedded", signingKey: "signkey-test-00", fetch: globalThis.fetch });
    const afterFirst = (() => {
      expect(client.env).toBe("branch-7");
      return counter.count;
    })();
    for (let i = 0; i < 20; i++) {
      expect(client.env).toBe("branch-7");
      expect(client.headers["x-inngest-env"]).toBe("branch-7");
    }
    expect(counter.count).toBe(afterFirst);
  });

  it("hands out a copy of its headers, so a caller changing them changes no one else's", () => {
    const client = createEngineClient({ mode: "embedded", signingKey: "signkey-test-00", fetch: globalThis.fetch });
    const first = client.headers;
    first["x-changed"] = "yes";
    expect(client.headers["x-changed"]).toBeUndefined();
    expect(client.headers["User-Agent"]).toMatch(/^inngest-js:v/);
  });
});
