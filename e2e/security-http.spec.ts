import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Page } from "@playwright/test";
import { test, expect, signIn, shot, USERS } from "./fixtures";

// Issue #18 against the real server and a real browser: a page on another origin (here another
// port of the same host, which browsers treat as the same site and send cookies to) tries to
// frame Steward (finding 11) and to make a signed-in browser change state (finding 4); a client
// claims another address when signing in (finding 3).

/** The attacker's site: pages by path, set by each test. */
const pages = new Map<string, string>();
let attacker: http.Server;
let evil = "";

test.beforeAll(async () => {
  attacker = http.createServer((req, res) => {
    const page = pages.get(new URL(req.url ?? "/", "http://x").pathname);
    res.writeHead(page ? 200 : 404, { "content-type": "text/html; charset=utf-8" });
    res.end(page ?? "not here");
  });
  await new Promise<void>((r) => attacker.listen(0, "127.0.0.1", r));
  evil = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}`;
});
test.afterAll(() => new Promise<void>((r) => attacker.close(() => r())));

const attr = (s: string) => s.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");

/** A page on the attacker's origin that submits a form to `action` as soon as it loads. */
function selfSubmittingForm(action: string, fields: [string, string][], enctype = "multipart/form-data"): string {
  const inputs = fields.map(([n, v]) => `<input type="hidden" name="${attr(n)}" value="${attr(v)}">`).join("");
  return `<!doctype html><form method="POST" action="${attr(action)}" enctype="${enctype}">${inputs}</form><script>document.forms[0].submit()</script>`;
}

async function trpcQuery<T>(page: Page, path: string): Promise<T> {
  const res = await page.request.get(`/api/trpc/${path}`);
  expect(res.ok(), await res.text()).toBe(true);
  return ((await res.json()) as { result: { data: T } }).result.data;
}

test("another site cannot frame Steward's pages: the browser refuses", async ({ page, baseURL }) => {
  await signIn(page, "approver", "/decisions");
  pages.set("/inner", "<!doctype html><p id=inner>the attacker's own frame</p>");
  pages.set(
    "/frame",
    `<!doctype html><h1>Win a prize</h1>
     <iframe id=steward src="${baseURL}/decisions" width=900 height=500></iframe>
     <iframe id=own src="/inner" width=300 height=100></iframe>`,
  );
  const refused: string[] = [];
  page.on("console", (m) => refused.push(m.text()));
  await page.goto(`${evil}/frame`);
  // The attacker's own frame loads, so a frame that does not is the browser refusing it.
  await expect(page.frameLocator("#own").locator("#inner")).toHaveText("the attacker's own frame");
  const steward = page.frames().find((f) => f !== page.mainFrame() && !f.url().startsWith(evil));
  await expect.poll(() => steward?.url() ?? "none").toMatch(/^chrome-error:/);
  await expect(page.frameLocator("#steward").getByText("Decision")).toHaveCount(0);
  expect(refused.join("\n")).toMatch(/violates the following Content Security Policy directive: "frame-ancestors 'none'"/);
  await shot(page, "security-01-frame-refused");

  // The uploaded logo (an SVG in the demo) keeps its own sandboxing policy, which forbids framing too.
  const logo = await page.request.get("/api/v1/portal/logo");
  expect(logo.headers()["content-security-policy"]).toBe("default-src 'none'; style-src 'unsafe-inline'; sandbox; frame-ancestors 'none'");
  for (const path of ["/decisions", "/sign-in", "/api/v1/openapi.json", "/p/refunds"]) {
    const res = await page.request.get(path);
    expect({ path, csp: res.headers()["content-security-policy"], xfo: res.headers()["x-frame-options"], nosniff: res.headers()["x-content-type-options"], referrer: res.headers()["referrer-policy"] }).toEqual({
      path,
      csp: expect.stringContaining("frame-ancestors 'none'"),
      xfo: "DENY",
      nosniff: "nosniff",
      referrer: "same-origin",
    });
  }
});

test("a self-submitting form on another port cannot create a mission with a builder's cookie", async ({ page, baseURL }) => {
  await signIn(page, "builder", "/missions");
  const name = `csrf mission ${Date.now()}`;
  // text/plain lets a form send a body that parses as JSON: {"name":"…","x":"="}.
  pages.set("/csrf-rest", selfSubmittingForm(`${baseURL}/api/v1/missions`, [[`{"name":"${name}","x":"`, `"}`]], "text/plain"));
  const answer = page.waitForResponse((r) => r.url() === `${baseURL}/api/v1/missions` && r.request().method() === "POST");
  await page.goto(`${evil}/csrf-rest`);
  const res = await answer;
  expect(res.status()).toBe(403);
  expect(await res.text()).toContain("must come from Steward's own pages");
  const missions = await page.request.get("/api/v1/missions");
  expect(((await missions.json()) as { missions: { name: string }[] }).missions.map((m) => m.name)).not.toContain(name);
});

test("a self-submitting form on another port cannot run a Server Action with an admin's cookie", async ({ page, baseURL }) => {
  await signIn(page, "admin", "/settings/knowledge");
  await page.goto("/settings/knowledge");
  // The upload form's progressive-enhancement fields name its Server Action, as any visitor's HTML does.
  const actionFields = await page.locator('[data-testid="knowledge-upload"] input[type="hidden"][name^="$ACTION"]').evaluateAll((els) => els.map((e) => [(e as HTMLInputElement).name, (e as HTMLInputElement).value] as [string, string]));
  expect(actionFields.length).toBeGreaterThan(0);
  const title = `csrf document ${Date.now()}`;
  pages.set("/csrf-action", selfSubmittingForm(`${baseURL}/settings/knowledge`, [...actionFields, ["mode", "paste"], ["title", title], ["format", "markdown"], ["content", `# ${title}\n\nPlanted.`]]));
  const answer = page.waitForResponse((r) => r.url() === `${baseURL}/settings/knowledge` && r.request().method() === "POST");
  await page.goto(`${evil}/csrf-action`);
  expect((await answer).status()).toBe(403);
  const docs = await trpcQuery<{ title: string }[]>(page, "knowledge.list");
  expect(docs.map((d) => d.title)).not.toContain(title);
});

test("signing in with a made-up X-Forwarded-For records the real address", async ({ page, browser }) => {
  const context = await browser.newContext();
  const signedIn = await context.request.post("/api/auth/sign-in/email", { data: USERS.viewer, headers: { "x-forwarded-for": "203.0.113.77" } });
  expect(signedIn.status()).toBe(200);
  await context.close();
  await signIn(page, "admin", "/audit");
  const res = await page.request.get("/api/v1/audit?action=auth.sign_in");
  const lines = (await res.text()).trim().split("\n").map((l) => JSON.parse(l) as { actorLabel: string; data: { ipAddress: string } });
  const viewer = lines.filter((l) => l.actorLabel === USERS.viewer.email).at(-1);
  expect(viewer?.data.ipAddress).toBe("127.0.0.1");
});

test("an admin adding a user sees the password rule, and a password naming the email is refused under the field", async ({ page }) => {
  await signIn(page, "admin", "/settings/users");
  await page.goto("/settings/users");
  await page.getByRole("button", { name: "Add user" }).click();
  const dialog = page.getByRole("dialog");
  await expect(dialog).toContainText("At least 12 characters. Not a common password, and not the name part of the email.");
  await dialog.locator("#user-name").fill("Dana Lopez");
  await dialog.locator("#user-email").fill("dana.lopez@example.com");
  await dialog.locator("#user-password").fill("lopez-family-2024");
  await dialog.getByRole("button", { name: "Create user" }).click();
  await expect(dialog).toContainText("must not contain “lopez” from the email address");
  await shot(page, "security-02-password-refused");
  await dialog.locator("#user-password").fill("blue-kettle-on-a-hill");
  await dialog.getByRole("button", { name: "Create user" }).click();
  await expect(page.getByTestId("user-row").filter({ hasText: "dana.lopez@example.com" })).toBeVisible();
});

test("text the database cannot store is named under its field in the admins' forms, not a server error", async ({ page }) => {
  // A NUL pasted from a binary file: the browser sends it, PostgreSQL cannot store it. Set as a
  // person's paste would be (React hears the input event); a keyboard cannot type it.
  const paste = (el: HTMLInputElement | HTMLTextAreaElement, value: string) => {
    const proto = el instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
    Object.getOwnPropertyDescriptor(proto, "value")?.set?.call(el, value);
    el.dispatchEvent(new Event("input", { bubbles: true }));
  };
  await signIn(page, "admin", "/settings/knowledge");
  await page.getByRole("tab", { name: "Paste text" }).click();
  await page.locator("#knowledge-title").fill("Bad bytes");
  await page.locator("#knowledge-content").evaluate(paste, "## REF-9.1 Broken\nA NUL \u0000 inside");
  await page.getByTestId("knowledge-upload-submit").click();
  await expect(page.getByTestId("knowledge-upload")).toContainText("The text contains a NUL character");

  await page.goto("/settings/organisation");
  await page.getByTestId("org-name").evaluate(paste, "Acme\u0000Corp");
  await page.getByTestId("org-save").click();
  await expect(page.locator("form").filter({ has: page.getByTestId("org-name") })).toContainText("The name contains a NUL character");
  await shot(page, "security-http-06-unstorable-org-name");
});
