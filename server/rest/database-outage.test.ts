import { describe, expect, it } from "vitest";
import postgres from "postgres";
import { errorResponse } from "./handler";

// A request that meets a database outage (a restart, a failover, a partition) is answered 503 with
// Retry-After, so clients and load balancers retry, not 500 as if the server were broken.
describe("REST answers during a database outage", () => {
  async function refusedQueryError(): Promise<unknown> {
    // Port 1 on loopback: nothing listens, the connection is refused as when PostgreSQL is down.
    const client = postgres("postgres://steward:steward@127.0.0.1:1/steward", { max: 1, connect_timeout: 2, onnotice: () => {} });
    try {
      await client`select 1`;
      throw new Error("the query should not have reached a database");
    } catch (e) {
      return e;
    } finally {
      await client.end({ timeout: 0 });
    }
  }

  it("a refused connection is 503 with Retry-After, also when wrapped as the ORM wraps it", async () => {
    const refused = await refusedQueryError();
    for (const e of [refused, new Error("Failed query: select 1", { cause: refused })]) {
      const res = errorResponse(e);
      expect(res.status).toBe(503);
      expect(res.headers.get("retry-after")).toBe("2");
      expect(await res.json()).toEqual({ error: { code: "unavailable", message: "The database is not reachable right now. Try again in a few seconds." } });
    }
  });

  it("PostgreSQL shutting down (57P01) is 503; any other failure is still 500", async () => {
    expect(errorResponse(Object.assign(new Error("terminating connection due to administrator command"), { code: "57P01" })).status).toBe(503);
    expect(errorResponse(Object.assign(new Error("duplicate key"), { code: "23505" })).status).toBe(500);
    expect(errorResponse(new TypeError("x is undefined")).status).toBe(500);
  });
});
