import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { eq } from "drizzle-orm";
import { testDatabases } from "@/test/databases";
import { openHarness, type Harness } from "@/test/app-harness";
import { apiKey } from "@/server/db/schema";
import { API_KEY_CACHE_MS } from "./api-key-cache";
import { createApiKey, revokeApiKey, userForApiKey } from "./api-keys";
import { setRoles } from "./users";

process.env.STEWARD_SECRET_KEY ??= "d".repeat(64);

// A verified key is believed for API_KEY_CACHE_MS (the REST path paid three statements per request
// for it). What must not change: a revoked key and changed roles take effect promptly.
describe.each(testDatabases())("API keys remembered for a moment, on $name", (tdb) => {
  let h: Harness;
  beforeAll(async () => {
    h = await openHarness(tdb);
  });
  afterAll(() => h?.close());
  afterEach(() => vi.useRealTimers());

  const newKey = async (name: string) => (await createApiKey(h.database.db, { name }, h.userId("builder"))).key;
  const lastUsed = async (key: string) => {
    const [row] = await h.database.db.select({ at: apiKey.lastUsedAt }).from(apiKey).where(eq(apiKey.prefix, key.slice(0, 10)));
    return row?.at ?? null;
  };

  it("refuses a key on the next request once it is revoked here", async () => {
    const key = await newKey("revoked here");
    const u = await userForApiKey(h.database.db, key);
    expect(u).toMatchObject({ id: h.userId("builder"), roles: ["builder"] });
    await revokeApiKey(h.database.db, u!.apiKey!.id);
    expect(await userForApiKey(h.database.db, key)).toBeNull();
  });

  it("refuses a key revoked by another replica within API_KEY_CACHE_MS", async () => {
    const key = await newKey("revoked elsewhere");
    expect(await userForApiKey(h.database.db, key)).not.toBeNull();
    // Another server process revokes it: only the database knows.
    await h.database.db.update(apiKey).set({ revokedAt: new Date() }).where(eq(apiKey.prefix, key.slice(0, 10)));
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() + API_KEY_CACHE_MS });
    expect(await userForApiKey(h.database.db, key)).toBeNull();
  });

  it("uses the owner's roles as changed, on the next request", async () => {
    const key = await newKey("roles change");
    expect((await userForApiKey(h.database.db, key))?.roles).toEqual(["builder"]);
    await setRoles(h.database.db, h.userId("builder"), ["viewer"]);
    expect((await userForApiKey(h.database.db, key))?.roles).toEqual(["viewer"]);
    await setRoles(h.database.db, h.userId("builder"), ["builder"]);
  });

  it("answers from memory within API_KEY_CACHE_MS, and hands out copies", async () => {
    const key = await newKey("cached");
    const first = await userForApiKey(h.database.db, key);
    first!.roles.push("admin");
    // A statement counter on the database object: none may run for a remembered key.
    const db = h.database.db as unknown as { select: (...a: unknown[]) => unknown };
    const select = db.select;
    let selects = 0;
    db.select = (...a: unknown[]) => {
      selects++;
      return select.apply(db, a);
    };
    try {
      const again = await userForApiKey(h.database.db, key);
      expect(again?.roles).toEqual(["builder"]);
    } finally {
      db.select = select;
    }
    expect(selects).toBe(0);
  });

  it("writes last_used_at when a key is first used, not on every request", async () => {
    const key = await newKey("last used");
    expect(await lastUsed(key)).toBeNull();
    await userForApiKey(h.database.db, key);
    const first = await lastUsed(key);
    expect(first).not.toBeNull();
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() + API_KEY_CACHE_MS });
    await userForApiKey(h.database.db, key);
    expect((await lastUsed(key))?.getTime()).toBe(first!.getTime());
  });
});
