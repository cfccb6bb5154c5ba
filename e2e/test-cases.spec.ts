import { test, expect, shot, signIn } from "./fixtures";

/**
 * Test cases (issue #16): a builder saves a finished refund run as a test case from its run page;
 * the mission's test cases show its input, its outcome and the Workers' values it expects, the
 * refund the commerce server gave and how the approval was answered.
 */

test.use({ actionTimeout: 15_000 });

const MISSION = "refund-adjudication";

test("a finished refund run saved as a test case keeps its input, outcome, values, tool results and approvals", async ({ page, browser }) => {
  await signIn(page, "builder", "/runs");
  const reason = `It arrived damaged, I opened it (${Date.now()})`;
  const started = await page.request.post(`/api/v1/missions/${MISSION}/runs`, {
    // Order 1045, which no other spec refunds: the journeys on this server refund most of 1042.
    data: { orderId: "1045", email: "sam.okafor@example.com", reason },
    headers: { origin: new URL(page.url()).origin },
  });
  expect(started.status(), await started.text()).toBe(202);
  const { runId } = (await started.json()) as { runId: string };

  // The approver answers every decision the run asks for: the refund (lowered to 40), then any gated call.
  const approver = await browser.newContext();
  const ap = await approver.newPage();
  await signIn(ap, "approver", "/missions");
  type Pending = { id: string; runId: string; nodeId: string; kind: string; createdAt: string };
  await expect
    .poll(
      async () => {
        const { decisions } = (await (await ap.request.get("/api/v1/decisions?status=pending")).json()) as { decisions: Pending[] };
        const d = decisions.filter((x) => x.runId === runId).sort((a, b) => a.createdAt.localeCompare(b.createdAt))[0];
        if (d) {
          const body = d.kind === "approval" && d.nodeId === "refund" ? { approve: true, values: { amount: 40 } } : { approve: true };
          const decided = await ap.request.post(`/api/v1/decisions/${d.id}`, { data: body, headers: { origin: new URL(ap.url()).origin } });
          expect(decided.ok(), await decided.text()).toBe(true);
        }
        const run = (await (await page.request.get(`/api/v1/runs/${runId}`)).json()) as { status: string };
        return run.status;
      },
      { timeout: 90_000, intervals: [1_000] },
    )
    .toBe("succeeded");
  await approver.close();

  await page.goto(`/runs/${runId}`);
  await expect(page.getByTestId("run-status")).toHaveAttribute("data-status", "succeeded");
  await page.getByTestId("run-save-test-case").click();
  await expect(page.getByText(/^Saved test case “partial: run /)).toBeVisible();
  await shot(page, "test-cases-01-saved-from-run");
  await page.getByRole("button", { name: "Open test cases" }).click();
  await page.waitForURL(new RegExp(`/missions/${MISSION}/tests`));

  const saved = page.getByTestId("test-case").filter({ has: page.getByRole("link", { name: runId.slice(0, 8) }) });
  await expect(saved).toHaveCount(1);
  const expects = saved.getByTestId("test-case-expectations");
  await expect(expects).toContainText("Outcome: partial");
  await expect(expects).toContainText('reason.decision == "partial"');
  await expect(expects).toContainText("reason.amount == 42.5");
  await expect(expects).toContainText("ground.orderTotal == 85");
  await expect(saved).toContainText(reason);
  await expect(saved.getByTestId("test-case-tool-results")).toContainText("commerce.issue_refund");
  await expect(saved.getByTestId("test-case-approvals")).toContainText("refund");
  await shot(page, "test-cases-02-list");

  // The editor links to the mission's test cases.
  await page.goto(`/missions/${MISSION}`);
  await page.getByTestId("editor-tests").click();
  await page.waitForURL(new RegExp(`/missions/${MISSION}/tests$`));
  await expect(page.getByTestId("test-case").filter({ has: page.getByRole("link", { name: runId.slice(0, 8) }) })).toHaveCount(1);
});
