import type { Page } from "@playwright/test";
import { test, expect, signIn, shot } from "./fixtures";

// The public portal as a customer meets it: the organisation's branding, a form generated from the
// refund mission's trigger, messages on bad input, and a status page at an unguessable address.

const LOGO_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect width="64" height="64" rx="14" fill="#1f5f4a"/><circle cx="44" cy="20" r="6" fill="#f4c35a"/><path d="M8 48 L25 22 L33 34 L39 27 L56 48 Z" fill="#fff"/></svg>`;

const STATUS_URL = /\/p\/refunds\/status\/[A-Za-z0-9_-]{22}$/;

async function fieldError(page: Page, name: string) {
  return page.getByTestId(`portal-error-${name}`);
}

test.describe.configure({ mode: "serial" });

test("an admin sets the organisation's name, colour and logo for portals", async ({ page }) => {
  await signIn(page, "admin", "/settings/organisation");
  await page.goto("/settings/organisation");
  await expect(page.getByRole("link", { name: "Organisation" })).toHaveAttribute("aria-current", "page");
  await page.getByTestId("org-name").fill("Northwind Outfitters");
  await page.getByTestId("org-colour").fill("#1f5f4a");
  await page.getByRole("button", { name: "Upload" }).click();
  await page.getByTestId("org-logo-file").setInputFiles({ name: "northwind.svg", mimeType: "image/svg+xml", buffer: Buffer.from(LOGO_SVG) });
  await page.getByTestId("org-save").click();
  await expect(page.getByTestId("org-saved")).toBeVisible();
  await expect(page.getByTestId("org-portals")).toContainText("/p/refunds");
  await shot(page, "portal-01-organisation-settings");

  // A bad colour is refused on the field, and nothing is saved.
  await page.getByTestId("org-colour").fill("green");
  await page.getByTestId("org-save").click();
  await expect(page.getByText("The colour must be a colour like #1f5f4a.")).toBeVisible();
  await page.reload();
  await expect(page.getByTestId("org-colour")).toHaveValue("#1f5f4a");
});

test("a customer asks for a refund: bad input gets messages, good input a status page", async ({ browser }) => {
  const customer = await browser.newContext();
  const page = await customer.newPage();
  await page.goto("/p/refunds");
  await expect(page).toHaveTitle("Request a refund · Northwind Outfitters");
  await expect(page.getByTestId("portal-org-name")).toHaveText("Northwind Outfitters");
  await expect(page.getByTestId("portal-title")).toHaveText("Request a refund");
  await expect(page.locator('[data-testid="portal"] header img')).toHaveAttribute("src", /\/api\/v1\/portal\/logo\?v=\d+/);
  const logo = await page.request.get((await page.locator('[data-testid="portal"] header img').getAttribute("src")) ?? "");
  expect(logo.headers()["content-type"]).toBe("image/svg+xml");
  await shot(page, "portal-02-form");

  // Nothing filled in: every field says what it needs.
  await page.getByTestId("portal-submit").click();
  await expect(page.getByTestId("portal-form-summary")).toHaveText("3 fields need your attention.");
  await expect(await fieldError(page, "orderId")).toHaveText("Order number is required.");
  await expect(await fieldError(page, "email")).toHaveText("Email is required.");
  await expect(await fieldError(page, "reason")).toHaveText("Reason is required.");
  await expect(page.getByTestId("portal-field-orderId")).toBeFocused();
  await shot(page, "portal-03-missing-fields");

  // A bad email and a reason over its limit.
  await page.getByTestId("portal-field-orderId").fill("1042");
  await page.getByTestId("portal-field-email").fill("dana-at-example.com");
  await page.getByTestId("portal-field-reason").fill("x".repeat(2001));
  await page.getByTestId("portal-submit").click();
  await expect(await fieldError(page, "orderId")).toBeHidden();
  await expect(await fieldError(page, "email")).toHaveText("Enter an email address like name@example.com.");
  await expect(await fieldError(page, "reason")).toHaveText("Reason must be at most 2,000 characters (now 2,001).");
  await expect(page.getByText("2,001 / 2,000")).toBeVisible();
  await expect(page).toHaveURL(/\/p\/refunds$/);
  await shot(page, "portal-04-bad-input");

  // Fixed: the request is sent and the customer lands on the status page.
  await page.getByTestId("portal-field-email").fill("dana@example.com");
  await expect(await fieldError(page, "email")).toBeHidden();
  await page.getByTestId("portal-field-reason").fill("The jacket arrived in the wrong size. I opened it to try it on and would like to return it.");
  await expect(await fieldError(page, "reason")).toBeHidden();
  await page.getByTestId("portal-submit").click();
  await page.waitForURL(STATUS_URL);
  await expect(page.getByTestId("portal-headline")).toHaveText(/We've received your request|Your request is under review/);
  await expect(page.getByTestId("portal-step-received")).toHaveAttribute("data-state", "done");
  await expect(page.getByTestId("portal-reference")).toHaveText(/^Reference [0-9A-F]{8}$/);
  // The run reaches the approval; the page follows by itself.
  await expect(page.getByTestId("portal-headline")).toHaveText("Your request is under review", { timeout: 60_000 });
  await expect(page.getByTestId("portal-step-under_review")).toHaveAttribute("data-state", "current");
  await expect(page.getByTestId("portal-step-decided")).toHaveAttribute("data-state", "upcoming");
  await shot(page, "portal-05-under-review");

  // Nothing internal on the customer's page: no node names, reasoning, clause ids or their own details.
  const text = (await page.locator("body").innerText()).toLowerCase();
  for (const internal of ["ground the request", "propose a decision", "ref-1.", "replay", "dana@example.com", "1042", "approver", "worker"]) expect(text).not.toContain(internal);
  expect(await page.locator('meta[name="robots"]').getAttribute("content")).toContain("noindex");

  // Another request's status is not reachable by changing the link.
  const url = page.url();
  const other = url.replace(/.$/, (c) => (c === "A" ? "B" : "A"));
  expect((await page.request.get(other)).status()).toBe(404);
  await customer.close();
});

test("the status page shows the decision once an approver has made it", async ({ browser }) => {
  const customer = await browser.newContext();
  const page = await customer.newPage();
  await page.goto("/p/refunds");
  await page.getByTestId("portal-field-orderId").fill("1042");
  await page.getByTestId("portal-field-email").fill("dana@example.com");
  const reason = `Opened, but I changed my mind. Please refund what you can. (${Date.now()})`;
  await page.getByTestId("portal-field-reason").fill(reason);
  await page.getByTestId("portal-submit").click();
  await page.waitForURL(STATUS_URL);
  await expect(page.getByTestId("portal-headline")).toHaveText("Your request is under review", { timeout: 60_000 });
  const reference = ((await page.getByTestId("portal-reference").textContent()) ?? "").replace("Reference ", "");

  // The approver lowers the amount and approves (through the decisions API), as often as the run
  // asks: the refund approval, then any gated tool call after it.
  const approver = await browser.newContext();
  const ap = await approver.newPage();
  await signIn(ap, "approver", "/missions");
  type Pending = { id: string; runId: string; missionId: string; nodeId: string; kind: string; createdAt: string };
  // The customer cannot see which run is theirs (by design); the approver finds it by its input.
  let runId: string | null = null;
  await expect
    .poll(
      async () => {
        const res = await ap.request.get("/api/v1/decisions?status=pending");
        const { decisions } = (await res.json()) as { decisions: Pending[] };
        // Ours is the run whose input carries this customer's reason.
        for (const d of decisions.filter((x) => x.missionId === "refund-adjudication" && !runId)) {
          const detail = (await (await ap.request.get(`/api/v1/decisions/${d.id}`)).json()) as { run: { input: { reason?: string } } };
          if (detail.run.input.reason === reason) {
            runId = d.runId;
            break;
          }
        }
        const d = decisions.filter((x) => x.runId === runId).sort((a, b) => a.createdAt.localeCompare(b.createdAt))[0];
        if (d) {
          const body = d.kind === "approval" && d.nodeId === "refund" ? { approve: true, values: { amount: 40 } } : { approve: true };
          const decided = await ap.request.post(`/api/v1/decisions/${d.id}`, { data: body });
          expect(decided.ok(), `${JSON.stringify(d)}: ${await decided.text()}`).toBe(true);
        }
        await page.reload();
        return page.getByTestId("portal-status").getAttribute("data-stage");
      },
      { timeout: 90_000, intervals: [1_000] },
    )
    .toBe("decided");
  await approver.close();

  await expect(page.getByTestId("portal-headline")).toHaveText("Your request has been partly approved");
  await expect(page.getByTestId("portal-decision")).toHaveAttribute("data-outcome", "partial");
  await expect(page.getByTestId("portal-amount")).toHaveText("€40.00");
  await expect(page.getByTestId("portal-reference")).toHaveText(`Reference ${reference}`);
  for (const step of ["received", "under_review", "decided"]) await expect(page.getByTestId(`portal-step-${step}`)).toHaveAttribute("data-state", "done");
  await shot(page, "portal-06-decided");
  await customer.close();
});

test("without JavaScript the server checks the form and answers on it", async ({ browser }) => {
  const ctx = await browser.newContext({ javaScriptEnabled: false });
  const page = await ctx.newPage();
  await page.goto("/p/refunds");
  await page.getByTestId("portal-field-orderId").fill("1042");
  await page.getByTestId("portal-field-email").fill("not-an-email");
  await page.getByTestId("portal-field-reason").fill("It broke.");
  await page.getByTestId("portal-submit").click();
  await expect(await fieldError(page, "email")).toHaveText("Enter an email address like name@example.com.");
  await expect(page.getByTestId("portal-field-orderId")).toHaveValue("1042");
  await expect(page).toHaveURL(/\/p\/refunds$/);
  await ctx.close();
});

test("the JSON endpoint validates like the form and never answers 5xx", async ({ request }) => {
  const bad = await request.post("/api/v1/portal/refunds/submissions", { data: { orderId: "1042", email: "nope", reason: "x".repeat(2001), extra: "1" } });
  expect(bad.status()).toBe(400);
  expect(((await bad.json()) as { problems: { field: string }[] }).problems.map((p) => p.field)).toEqual(["extra", "email", "reason"]);
  const missing = await request.post("/api/v1/portal/nope/submissions", { data: {} });
  expect(missing.status()).toBe(404);
  const ok = await request.post("/api/v1/portal/refunds/submissions", { data: { orderId: "1043", email: "lee@example.com", reason: "Too late, I know." } });
  expect(ok.status()).toBe(201);
  const { statusUrl } = (await ok.json()) as { statusUrl: string };
  expect(statusUrl).toMatch(STATUS_URL);
  const status = await request.get(`/api/v1/portal/refunds/status/${statusUrl.split("/").at(-1)}`);
  expect(status.status()).toBe(200);
  expect(((await status.json()) as { stage: string }).stage).toMatch(/received|under_review|decided/);
});

test("an unknown portal and an unknown status link get a friendly 404", async ({ page }) => {
  const res = await page.goto("/p/no-such-form");
  expect(res?.status()).toBe(404);
  await expect(page.getByTestId("portal-not-found")).toContainText("We couldn't find that page");
  await expect(page.getByTestId("portal-org-name")).toHaveText("Northwind Outfitters");
  await shot(page, "portal-07-not-found");
  const status = await page.goto("/p/refunds/status/AAAAAAAAAAAAAAAAAAAAAA");
  expect(status?.status()).toBe(404);
  await expect(page.getByTestId("portal-not-found")).toBeVisible();
});
