import fs from "node:fs";
import path from "node:path";
import { spawn } from "node:child_process";
import { test, expect, signIn, shot } from "./fixtures";
import { ROOT, E2E_DIST, serverLogPath } from "./server";

function exampleFromDocs(): string {
  const md = fs.readFileSync(path.join(ROOT, "docs/mission-format.md"), "utf8");
  const blocks = [...md.matchAll(/```json\n([\s\S]*?)\n```/g)].map((m) => m[1]!);
  const full = blocks.find((b) => b.includes('"steward.mission/v1"') && b.includes('"issue_refund"'));
  if (!full) throw new Error("docs/mission-format.md has no full refund mission JSON block");
  return full;
}

test("sign-in page lists demo credentials and rejects a wrong password", async ({ page }) => {
  await page.goto("/missions");
  await expect(page).toHaveURL(/\/sign-in/);
  await expect(page.getByTestId("demo-credentials")).toContainText("builder@steward.local");
  await page.getByLabel("Email").fill("builder@steward.local");
  await page.getByLabel("Password").fill("wrong-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByText("Wrong email or password.")).toBeVisible();
  await shot(page, "foundation-01-sign-in");
});

test("a builder creates a mission, imports the documented example and exports the same graph", async ({ page }) => {
  await signIn(page, "builder");
  await expect(page.getByRole("heading", { name: "Missions" })).toBeVisible();
  await shot(page, "foundation-02-missions");

  await page.getByTestId("new-mission").click();
  await page.getByLabel("Name").fill("Warranty claims");
  await page.getByTestId("create-mission-submit").click();
  await page.waitForURL(/\/missions\/[^/]+$/);
  await page.goto("/missions");
  await expect(page.getByRole("link", { name: "Warranty claims" })).toBeVisible();

  const example = exampleFromDocs();
  const original = JSON.parse(example) as { name: string };
  await page.getByTestId("import-mission").click();
  await page.getByTestId("import-text").fill(example);
  await shot(page, "foundation-03-import");
  await page.getByTestId("import-submit").click();
  await page.waitForURL(/\/missions\/[^/]+$/);
  await page.goto("/missions");
  const row = page.getByTestId("mission-row").filter({ hasText: original.name }).first();
  await expect(row).toBeVisible();

  const download = page.waitForEvent("download");
  await row.getByRole("button", { name: `Export ${original.name}` }).click();
  const file = await (await download).path();
  expect(JSON.parse(fs.readFileSync(file, "utf8"))).toEqual(original);
});

test("importing a broken document lists every problem and saves nothing", async ({ page }) => {
  await signIn(page, "builder");
  // Count only once the list has loaded (the demo mission is always there).
  await expect(page.getByTestId("mission-row").first()).toBeVisible();
  const before = await page.getByTestId("mission-row").count();
  const broken = {
    format: "steward.mission/v1",
    name: "Broken",
    nodes: [
      { id: "trigger", kind: "trigger", position: { x: 0, y: 0 }, data: { fields: [], channels: ["manual"] } },
      { id: "a", kind: "worker", position: { x: 200, y: 0 }, data: { maxSteps: 0 } },
      { id: "b", kind: "teleport", position: { x: 400, y: 0 }, data: {} },
    ],
    edges: [
      { id: "e1", source: "trigger", target: "a" },
      { id: "e2", source: "a", target: "ghost" },
    ],
  };
  await page.getByTestId("import-mission").click();
  await page.getByTestId("import-text").fill(JSON.stringify(broken, null, 2));
  await page.getByTestId("import-submit").click();
  const problems = page.getByTestId("problem");
  await expect(problems.first()).toBeVisible();
  const texts = await problems.allTextContents();
  expect(texts.length).toBeGreaterThanOrEqual(4);
  expect(texts.join("\n")).toMatch(/maxSteps/);
  expect(texts.join("\n")).toMatch(/teleport|kind/);
  expect(texts.join("\n")).toMatch(/ghost/);
  expect(texts.join("\n")).toMatch(/verdict/i);
  await shot(page, "foundation-04-import-problems");
  await page.getByRole("button", { name: "Cancel" }).click();
  await page.reload();
  await expect(page.getByTestId("mission-row")).toHaveCount(before);
});

test("a file over the document limit is refused when chosen, in the limit's own words, and fills nothing", async ({ page }) => {
  await signIn(page, "builder");
  await page.getByTestId("import-mission").click();
  // 1.5 MB: over the 1 MB limit, under the 2 MB the dialog once let through to the text box.
  await page.getByLabel("File").setInputFiles({ name: "huge.json", mimeType: "application/json", buffer: Buffer.alloc(1_500_000, " ") });
  await expect(page.getByText("huge.json is 1.5 MB; mission documents are at most 1 MB.")).toBeVisible();
  await expect(page.getByTestId("import-text")).toHaveValue("");
  await expect(page.getByTestId("import-submit")).toBeDisabled();
});

test("each demo user sees only what their role allows", async ({ browser }) => {
  const expectations = {
    admin: { nav: ["missions", "runs", "decisions", "settings", "audit"], canCreate: false },
    builder: { nav: ["missions", "runs"], canCreate: true },
    approver: { nav: ["missions", "runs", "decisions"], canCreate: false },
    viewer: { nav: ["missions", "runs"], canCreate: false },
  } as const;
  for (const [who, exp] of Object.entries(expectations) as [keyof typeof expectations, (typeof expectations)[keyof typeof expectations]][]) {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await signIn(page, who);
    for (const item of ["missions", "runs", "decisions", "settings", "audit"]) {
      await expect(page.getByTestId(`nav-${item}`), `${who} nav ${item}`).toHaveCount((exp.nav as readonly string[]).includes(item) ? 1 : 0);
    }
    await expect(page.getByTestId("new-mission"), `${who} new mission`).toHaveCount(exp.canCreate ? 1 : 0);
    await page.goto("/settings/users");
    if (who === "admin") await expect(page.getByTestId("user-row").first()).toBeVisible();
    else await expect(page.getByText("Settings are for admins")).toBeVisible();
    await ctx.close();
  }
});

test("an admin creates an API key that works against the REST API, then revokes it", async ({ page, request }) => {
  await signIn(page, "admin", "/settings/api-keys");
  await page.getByTestId("new-api-key").click();
  await page.getByLabel("Name").fill("CI integration");
  await page.getByRole("button", { name: "Create key" }).click();
  const key = (await page.getByTestId("created-api-key").textContent())?.trim() ?? "";
  expect(key).toMatch(/^stw_/);
  await shot(page, "foundation-05-api-key");
  await page.getByRole("button", { name: "Done" }).click();
  const ok = await request.get("/api/v1/missions", { headers: { authorization: `Bearer ${key}` } });
  expect(ok.status()).toBe(200);
  await page.getByTestId("api-key-row").filter({ hasText: "CI integration" }).getByRole("button", { name: "Revoke" }).click();
  await expect(page.getByTestId("api-key-row").filter({ hasText: "CI integration" })).toContainText("Revoked");
  const refused = await request.get("/api/v1/missions", { headers: { authorization: `Bearer ${key}` } });
  expect(refused.status()).toBe(401);
});

test("a second process on the same data dir is refused while the first keeps serving", async ({ page, baseURL }) => {
  const log = fs.readFileSync(serverLogPath(), "utf8");
  const dataDir = /embedded PGlite \(([^)]+)\)/.exec(log)?.[1];
  expect(dataDir, "server log names its data dir").toBeTruthy();
  const child = spawn(process.execPath, [path.join(ROOT, "node_modules/next/dist/bin/next"), "start", "-p", "3299"], {
    cwd: ROOT,
    env: { ...process.env, STEWARD_DIST_DIR: E2E_DIST, STEWARD_DATA_DIR: dataDir!, PORT: "3299", NODE_ENV: "production" },
  });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (out += d.toString()));
  // The server only opens the database at its first request or at start-up (instrumentation).
  const code = await new Promise<number | null>((resolve) => {
    const t = setTimeout(() => {
      child.kill("SIGKILL");
      resolve(null);
    }, 60_000);
    child.on("exit", (c) => {
      clearTimeout(t);
      resolve(c);
    });
    void fetch("http://127.0.0.1:3299/sign-in").catch(() => undefined);
  });
  expect(code).toBe(1);
  expect(out).toMatch(/already in use by process \d+/);
  await signIn(page, "viewer");
  await expect(page.getByRole("heading", { name: "Missions" })).toBeVisible();
  expect(baseURL).toBeTruthy();
});
