import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { testDatabases } from "@/test/databases";
import { openHarness, type Harness } from "@/test/app-harness";
import type { EngineEvent } from "@/server/contracts/events";
import { resetEngineDeps, setEngineDeps } from "@/server/engine/deps";
import { seedMission } from "@/server/engine/testing/harness";
import { PEER_HEADER } from "@/server/portal/client-address";
import { submitPortalForm } from "@/server/portal/form-action";
import { instantPortal, refundPortal } from "@/server/portal/testing";
import * as submissions from "./[slug]/submissions/route";

// Findings 7 and 10 of issue #18 on the public portal, through the JSON route and the form
// action's handler: NUL or a lone surrogate gave a 500; the form action skipped the 64 KB limit the
// JSON route enforces; a value of only spaces passed a required field; invalid submissions were
// not rate-limited.

interface Problems {
  error: string;
  problems: { field: string; message: string }[];
}

const good = { orderId: "1042", email: "dana@example.com", reason: "The jacket arrived too small." };

describe.each(testDatabases())("portal submissions with hostile input on $name", (tdb) => {
  let h: Harness;
  const sent: EngineEvent[] = [];
  let address = 0;
  /** Each test speaks from its own address (what the server's socket stamp would say). */
  const nextAddress = () => `192.0.2.${++address}`;

  beforeAll(async () => {
    h = await openHarness(tdb);
    setEngineDeps({ send: async (events) => void sent.push(...[events].flat()) });
    await seedMission(h.database, refundPortal("refunds"));
    await seedMission(h.database, instantPortal("open-text"));
  });
  afterAll(async () => {
    resetEngineDeps();
    await h?.close();
  });

  const runs = async () => Number((await h.database.rows<{ n: number }>(sql`select count(*)::int as n from run`))[0]?.n);
  function postJson(slug: string, body: string, from: string, type = "application/json") {
    const req = new Request(`http://localhost/api/v1/portal/${slug}/submissions`, { method: "POST", headers: { "content-type": type, [PEER_HEADER]: from }, body });
    return submissions.POST(req, { params: Promise.resolve({ slug }) });
  }
  function form(values: Record<string, string>): FormData {
    const f = new FormData();
    f.set("$ACTION_REF_1", "");
    for (const [k, v] of Object.entries(values)) f.set(k, v);
    return f;
  }

  it("answers NUL and lone surrogates with 400 naming the field, on the JSON route and the form", async () => {
    const before = await runs();
    const nul = await postJson("refunds", JSON.stringify({ ...good, reason: "a\u0000b" }), nextAddress());
    expect(nul.status).toBe(400);
    expect(((await nul.json()) as Problems).problems).toEqual([{ field: "reason", message: "Reason contains a character that can't be sent (a NUL or a broken character). Please remove it." }]);
    const lone = await postJson("refunds", `{"orderId":"10\\ud800","email":"dana@example.com","reason":"ok"}`, nextAddress());
    expect(lone.status).toBe(400);
    expect(((await lone.json()) as Problems).problems.map((p) => p.field)).toEqual(["orderId"]);

    const answered = await submitPortalForm(h.database, "refunds", form({ ...good, orderId: "1042\u0000" }), nextAddress());
    expect(answered).toEqual({ state: { problems: { orderId: "Order number contains a character that can't be sent (a NUL or a broken character). Please remove it." }, formError: null, values: { ...good, orderId: "1042\u0000" } } });
    expect(await runs()).toBe(before);
  });

  it("refuses more than 64 KB from the form as the JSON route does", async () => {
    const before = await runs();
    const big = { orderId: "x".repeat(70_000), email: "dana@example.com" };
    expect((await postJson("open-text", JSON.stringify(big), nextAddress())).status).toBe(413);
    const answered = await submitPortalForm(h.database, "open-text", form(big), nextAddress());
    expect("state" in answered && answered.state.formError).toBe("Your request is longer than we can take (64 KB). Please shorten it and send it again.");
    expect(await runs()).toBe(before);
  });

  it("does not take spaces for an answer to a required field", async () => {
    const before = await runs();
    const blank = await postJson("refunds", JSON.stringify({ ...good, orderId: "   ", reason: "\t\n" }), nextAddress());
    expect(blank.status).toBe(400);
    expect(((await blank.json()) as Problems).problems).toEqual([
      { field: "orderId", message: "Order number is required." },
      { field: "reason", message: "Reason is required." },
    ]);
    const answered = await submitPortalForm(h.database, "refunds", form({ ...good, email: "  " }), nextAddress());
    expect("state" in answered && answered.state.problems).toEqual({ email: "Email is required." });
    expect(await runs()).toBe(before);
  });

  it("counts invalid and unreadable submissions against the address's limit", async () => {
    const from = nextAddress();
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await postJson("refunds", JSON.stringify({ ...good, email: "nope" }), from)).status);
    for (let i = 0; i < 3; i++) statuses.push((await postJson("refunds", "{ not json", from)).status);
    for (let i = 0; i < 2; i++) {
      const answered = await submitPortalForm(h.database, "refunds", form({ ...good, email: "nope" }), from);
      statuses.push("state" in answered && answered.state.problems.email ? 400 : 0);
    }
    expect(statuses).toEqual([...Array(8).fill(400), 400, 400]);
    // Ten tries used: a valid one is now refused too, on both entries.
    const valid = await postJson("refunds", JSON.stringify(good), from);
    expect(valid.status).toBe(429);
    expect(Number(valid.headers.get("retry-after"))).toBeGreaterThan(0);
    const viaForm = await submitPortalForm(h.database, "refunds", form(good), from);
    expect("state" in viaForm && viaForm.state.formError).toMatch(/^You've sent several requests in a short time/);
    // Another address is not affected.
    expect((await postJson("refunds", JSON.stringify(good), nextAddress())).status).toBe(201);
  });
});
