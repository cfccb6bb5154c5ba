import fs from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import { test, expect, signIn, shot, USERS } from "./fixtures";
import { startServer } from "./server";

interface ExportedEntry {
  id: number;
  action: string;
  actorLabel: string;
  prevHash: string;
  hash: string;
}

test("an admin reads, filters, verifies and exports the audit log", async ({ page, browser }) => {
  // Someone else signs in first, in their own browser: that is an audited act the admin should see.
  const other = await browser.newContext();
  await signIn(await other.newPage(), "builder");
  await other.close();

  await signIn(page, "admin");
  // Enough audited acts to need a second page: API keys created through the app's own API.
  for (let i = 0; i < 55; i++) {
    const res = await page.request.post("/api/trpc/apiKeys.create", { data: { name: `audit e2e key ${i}` } });
    expect(res.ok(), await res.text()).toBe(true);
  }

  await page.getByTestId("nav-audit").click();
  await expect(page).toHaveURL(/\/audit$/);
  await expect(page.getByRole("heading", { name: "Audit log" })).toBeVisible();
  const rows = page.getByTestId("audit-row");
  await expect(rows).toHaveCount(50);
  // Newest first: the last key created is on top.
  await expect(rows.first()).toContainText("api_key.created");
  await expect(rows.first()).toContainText("admin@steward.local");
  await shot(page, "audit-01-log");

  await page.getByTestId("load-more").click();
  await expect.poll(() => rows.count()).toBeGreaterThan(50);
  await expect(page.getByTestId("load-more")).toBeHidden();
  await expect(page.getByTestId("audit-count")).toContainText("(all)");

  // Filter: sign-ins by the builder.
  await page.getByTestId("audit-filter-action").selectOption("auth.sign_in");
  await page.getByTestId("audit-filter-actor").fill("builder@");
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toHaveAttribute("data-action", "auth.sign_in");
  await expect(rows.first()).toContainText("builder@steward.local");
  await rows.first().click();
  await expect(page.getByTestId("audit-details")).toContainText("Hash");
  await expect(page.getByTestId("audit-details")).toContainText("userAgent");
  await shot(page, "audit-02-filtered");

  // A group filter and today's date range keep every sign-in of both people.
  await page.getByTestId("audit-filter-actor").fill("");
  await page.getByTestId("audit-filter-action").selectOption("auth.*");
  const today = new Date();
  const day = `${today.getFullYear()}-${String(today.getMonth() + 1).padStart(2, "0")}-${String(today.getDate()).padStart(2, "0")}`;
  await page.getByTestId("audit-filter-from").fill(day);
  await page.getByTestId("audit-filter-to").fill(day);
  await expect.poll(() => rows.count()).toBeGreaterThanOrEqual(2);
  for (const action of await rows.evaluateAll((els) => els.map((e) => e.getAttribute("data-action")))) expect(action).toBe("auth.sign_in");

  // Export the filtered set as JSON Lines.
  const download = page.waitForEvent("download");
  await page.getByTestId("export-jsonl").click();
  const file = await (await download).path();
  const lines = fs.readFileSync(file, "utf8").trim().split("\n");
  const exported = lines.map((l) => JSON.parse(l) as ExportedEntry);
  expect(exported.length).toBe(await rows.count());
  expect(exported.every((e) => e.action === "auth.sign_in")).toBe(true);
  expect(exported.map((e) => e.actorLabel)).toEqual(expect.arrayContaining(["builder@steward.local", "admin@steward.local"]));
  expect(exported.every((e) => /^[0-9a-f]{64}$/.test(e.hash))).toBe(true);

  // A filter that matches nothing says so.
  await page.getByTestId("audit-filter-from").fill("2001-01-01");
  await page.getByTestId("audit-filter-to").fill("2001-01-02");
  await expect(page.getByText("No entries match these filters")).toBeVisible();
  await page.getByRole("button", { name: "Clear filters" }).first().click();
  await expect.poll(() => rows.count()).toBeGreaterThanOrEqual(50);

  // Verify the chain.
  await page.getByTestId("verify-chain").click();
  const result = page.getByTestId("verify-result");
  await expect(result).toContainText(/Chain intact — \d+ entries/);
  const verified = Number(/Chain intact — (\d+) entries/.exec((await result.textContent()) ?? "")?.[1]);
  // At least the 55 keys and the two sign-ins above.
  expect(verified).toBeGreaterThanOrEqual(57);
  await shot(page, "audit-03-verified");

  // The unfiltered export is the whole chain, oldest first, each entry pointing at the one before.
  const all = await page.request.get("/api/v1/audit");
  expect(all.headers()["content-type"]).toMatch(/application\/x-ndjson/);
  const chain = (await all.text()).trim().split("\n").map((l) => JSON.parse(l) as ExportedEntry);
  expect(chain.length).toBe(verified);
  chain.slice(1).forEach((e, i) => expect(e.prevHash).toBe(chain[i]!.hash));
});

test("a builder has no Audit in the navigation and is told the log is for admins", async ({ page }) => {
  await signIn(page, "builder");
  await expect(page.getByTestId("nav-missions")).toBeVisible();
  await expect(page.getByTestId("nav-audit")).toHaveCount(0);
  await page.goto("/audit");
  await expect(page.getByRole("heading", { name: "The audit log is for admins" })).toBeVisible();
  await expect(page.getByTestId("audit-table")).toHaveCount(0);
  await expect(page.getByTestId("verify-chain")).toHaveCount(0);
  await shot(page, "audit-04-builder");
  const res = await page.request.get("/api/v1/audit");
  expect(res.status()).toBe(403);
});

test("an entry altered in the database turns Verify chain red and names it", async ({ page }) => {
  test.setTimeout(240_000);
  // A server of our own, so its database can be stopped and tampered with as an attacker would.
  const port = Number(process.env.E2E_PORT ?? 3210) + 1;
  const first = await startServer({ port });
  const dataDir = first.dataDir;
  try {
    await first.stop();
    const pg = new PGlite(dataDir);
    const { rows } = await pg.query<{ id: number; action: string }>("select id::int as id, action from audit_log order by id limit 2");
    const victim = rows[1]!;
    await pg.exec("alter table audit_log disable trigger audit_log_append_only");
    await pg.query(`update audit_log set data = '{"email": "mallory@example.com"}'::jsonb where id = $1`, [victim.id]);
    await pg.exec("alter table audit_log enable trigger audit_log_append_only");
    await pg.close();

    const again = await startServer({ port, dataDir });
    try {
      await page.goto(`${again.url}/sign-in?next=/audit`);
      await page.getByLabel("Email").fill(USERS.admin.email);
      await page.getByLabel("Password").fill(USERS.admin.password);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.waitForURL(/\/audit$/);
      await page.getByTestId("verify-chain").click();
      const result = page.getByTestId("verify-result");
      await expect(result).toContainText(`Chain broken at entry #${victim.id} — ${victim.action}`);
      await expect(result).toContainText("its contents no longer match its hash: the entry was altered after it was written", { ignoreCase: true });
      await shot(page, "audit-05-tampered");
    } finally {
      await again.stop();
    }
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
