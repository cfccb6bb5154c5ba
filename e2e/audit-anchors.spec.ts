import fs from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import { test, expect, shot, USERS } from "./fixtures";
import { startServer, type StartedServer } from "./server";

interface AnchorLine {
  type: string;
  anchor: number;
  headId: number;
}

function anchorLines(file: string): AnchorLine[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as AnchorLine);
}

async function signInAt(server: StartedServer, page: import("@playwright/test").Page) {
  await page.goto(`${server.url}/sign-in?next=/audit`);
  await page.getByLabel("Email").fill(USERS.admin.email);
  await page.getByLabel("Password").fill(USERS.admin.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((u) => u.pathname === "/audit");
}

// Finding 5 of issue #18: entries deleted from the end of the log, with the anchors in the database
// and audit_head moved back to match, verified as intact. The anchor file next to the data dir keeps
// what the server signed, and the running server refuses to sign over the gap.
test("entries deleted while the server was down are named from the anchor file", async ({ page }) => {
  test.setTimeout(420_000);
  // Clear of the ports next to E2E_PORT, which parallel suites on this machine use as their own.
  const port = Number(process.env.E2E_PORT ?? 3210) + 100;
  const env = { STEWARD_AUDIT_ANCHOR_INTERVAL_MS: "1000" };
  const first = await startServer({ port, env });
  const dataDir = first.dataDir;
  const anchors = `${dataDir}-audit-anchors.jsonl`;
  try {
    // The server anchors what the log holds as it starts.
    await expect.poll(() => anchorLines(anchors).length, { timeout: 30_000 }).toBeGreaterThan(0);
    const atStart = anchorLines(anchors).at(-1)!.headId;
    expect(first.output()).toContain(`audit anchors: ${anchors}, every 1 s`);

    await signInAt(first, page);
    // A few audited acts, from the signed-in page itself (its cookie and origin).
    for (let i = 0; i < 3; i++) {
      const status = await page.evaluate(async (name) => {
        const res = await fetch("/api/trpc/apiKeys.create", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name }) });
        return res.status;
      }, `anchored key ${i}`);
      expect(status).toBe(200);
    }
    await page.getByTestId("verify-chain").click();
    await expect(page.getByTestId("verify-result")).toContainText(/Chain intact — \d+ entries/);
    await shot(page, "audit-06-anchored");
    // The server signs the head again within its interval (stopping signs it once more too, but a
    // loaded machine may take longer to stop than the harness waits before SIGKILL).
    await expect.poll(() => anchorLines(anchors).at(-1)!.headId, { timeout: 30_000 }).toBeGreaterThanOrEqual(atStart + 4);
    await first.stop();
    const atStop = anchorLines(anchors).at(-1)!.headId;
    expect(atStop).toBeGreaterThanOrEqual(atStart + 4);

    // Everything after the first anchor deleted, the anchors in the database too, the head moved back.
    const pg = new PGlite(dataDir);
    await pg.exec("alter table audit_log disable trigger user; alter table audit_anchor disable trigger user");
    await pg.query("delete from audit_log where id > $1", [atStart]);
    await pg.exec("delete from audit_anchor");
    await pg.query("update audit_head h set id = l.id, hash = l.hash, prev_hash = l.prev_hash from audit_log l where l.id = $1", [atStart]);
    await pg.exec("alter table audit_log enable trigger user; alter table audit_anchor enable trigger user");
    await pg.close();

    const again = await startServer({ port, dataDir, env });
    try {
      // The server will not sign a log that lost what it signed before.
      await expect.poll(() => again.output(), { timeout: 30_000 }).toMatch(new RegExp(`not anchoring the audit log: the head is at entry \\d+, behind entry ${atStop}`));
      // Signing in again is an audited act after the gap.
      await page.context().clearCookies();
      await signInAt(again, page);
      await page.getByTestId("verify-chain").click();
      const result = page.getByTestId("verify-result");
      await expect(result).toContainText(`Chain broken at entry #${atStart + 1}`);
      await expect(result).toContainText(`entry ${atStart} and those before it match anchor`);
      await expect(result).toContainText(new RegExp(`signed the log up to entry ${atStop}|no longer match anchor`));
      await expect(result).toContainText(`(the anchor file ${anchors} holds it)`);
      await shot(page, "audit-07-truncated");
      expect(anchorLines(anchors).at(-1)!.headId).toBe(atStop);
    } finally {
      await again.stop();
    }
  } finally {
    await first.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.rmSync(anchors, { force: true });
  }
});
