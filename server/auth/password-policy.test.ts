import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { isAppError } from "@/lib/errors";
import { testDatabases } from "@/test/databases";
import { openHarness, type Harness } from "@/test/app-harness";
import { HARNESS_PASSWORD, sessionCookie } from "@/test/session";
import { appUrl } from "@/server/env";
import { CLIENT_ADDRESS_HEADER } from "@/server/portal/client-address";
import { DEMO_USERS } from "@/server/boot/demo-users";
import { firstAdminLink } from "@/server/boot/seed";
import * as trpc from "@/app/api/trpc/[trpc]/route";
import { getAuth } from "./auth";
import { createFirstAdmin } from "./first-admin";
import { passwordProblem } from "./password-policy";

// Finding 12 of issue #18 (passwords): 10 characters were enough. Now (NIST SP 800-63B) at least
// 12, not one of the most common passwords, and not containing the email's name part — wherever a
// password is set: users an admin creates, the first admin, demo users, better-auth's change-password.

describe("the password policy", () => {
  it.each([
    ["eleven-char", "dana@example.com", "must be at least 12 characters"],
    ["x".repeat(129), "dana@example.com", "must be at most 128 characters"],
    ["dana@example.com", "dana@example.com", "must not contain “dana” from the email address"],
    ["i-am-DANA-lopez!", "dana.lopez@example.com", "must not contain “dana” from the email address"],
    ["Password-1234", "dana@example.com", "is one of the most common passwords: choose another"],
    ["QWERTYUIOP123", "dana@example.com", "is one of the most common passwords: choose another"],
    ["abababababababab", "dana@example.com", "must use at least 5 different characters"],
  ])("refuses %j for %s", (password, email, problem) => {
    expect(passwordProblem(password, email)).toBe(problem);
  });

  it("accepts a long, uncommon password, and every demo sign-in (README lists them)", () => {
    expect(passwordProblem("twelve-chars", "dana@example.com")).toBeNull();
    expect(passwordProblem(HARNESS_PASSWORD, "approver@test.local")).toBeNull();
    // One- and two-letter name parts say nothing about a password.
    expect(passwordProblem("a-long-passphrase", "a@example.com")).toBeNull();
    for (const u of DEMO_USERS) expect({ email: u.email, problem: passwordProblem(u.password, u.email) }).toEqual({ email: u.email, problem: null });
  });
});

describe.each(testDatabases())("where passwords are set, on $name", (tdb) => {
  let h: Harness;
  beforeAll(async () => {
    h = await openHarness(tdb);
  });
  afterAll(() => h?.close());

  async function createUser(password: string, email = "dana.lopez@example.com") {
    const req = new Request("http://localhost/api/trpc/users.create", { method: "POST", headers: h.headers("admin"), body: JSON.stringify({ email, name: "Dana", password, roles: ["viewer"] }) });
    const res = await trpc.POST(req);
    return { status: res.status, problems: res.ok ? [] : ((await res.json()) as { error: { data: { problems: { path: string; message: string }[] } } }).error.data.problems };
  }

  it("an admin creating a user: 400 naming the password", async () => {
    expect(await createUser("ten-chars!")).toEqual({ status: 400, problems: [{ path: "password", message: "must be at least 12 characters" }] });
    expect(await createUser("lopez-family-2024")).toEqual({ status: 400, problems: [{ path: "password", message: "must not contain “lopez” from the email address" }] });
    expect(await createUser("iloveyou123456")).toEqual({ status: 400, problems: [{ path: "password", message: "is one of the most common passwords: choose another" }] });
    expect(await createUser("blue-kettle-on-a-hill")).toEqual({ status: 200, problems: [] });
  });

  it("the first admin, from the setup link", async () => {
    const fresh = await tdb.open();
    try {
      const token = (await firstAdminLink(fresh))!;
      const attempt = createFirstAdmin(fresh.db, { token, email: "root@example.com", name: "Root", password: "root-password" });
      await expect(attempt).rejects.toSatisfy((e) => isAppError(e) && e.problems.some((p) => p.path === "password" && /“root”/.test(p.message)));
    } finally {
      await fresh.close();
    }
  });

  it("better-auth's change-password", async () => {
    const cookie = await sessionCookie("viewer@test.local");
    const change = async (newPassword: string) => {
      const res = await (await getAuth()).handler(
        new Request(`${appUrl()}/api/auth/change-password`, {
          method: "POST",
          // One client per database: better-auth allows 3 password changes per 10 s from one address.
          headers: { cookie, origin: new URL(appUrl()).origin, "content-type": "application/json", [CLIENT_ADDRESS_HEADER]: `192.0.2.${tdb.name === "pglite" ? 1 : 2}` },
          body: JSON.stringify({ currentPassword: HARNESS_PASSWORD, newPassword }),
        }),
      );
      return { status: res.status, message: ((await res.json()) as { message?: string }).message };
    };
    expect(await change("eleven-char")).toEqual({ status: 400, message: expect.stringMatching(/at least 12 characters/) });
    expect(await change("the-viewer-password")).toEqual({ status: 400, message: "The new password must not contain “viewer” from the email address" });
    expect((await change("blue-kettle-on-a-hill")).status).toBe(200);
  });

  it("refuses a user renaming themselves or changing their email: admins set who people are", async () => {
    const cookie = await sessionCookie("approver@test.local");
    for (const [path, body] of [
      ["/api/auth/update-user", { name: "Ada Admin" }],
      ["/api/auth/change-email", { newEmail: "admin2@test.local" }],
      ["/api/auth/delete-user", {}],
    ] as const) {
      const res = await (await getAuth()).handler(
        new Request(`${appUrl()}${path}`, { method: "POST", headers: { cookie, origin: new URL(appUrl()).origin, "content-type": "application/json" }, body: JSON.stringify(body) }),
      );
      expect({ path, status: res.status }).toEqual({ path, status: 404 });
    }
    const [me] = await h.database.rows<{ name: string; email: string }>(sql`select name, email from "user" where email = 'approver@test.local'`);
    expect(me).toEqual({ name: "approver", email: "approver@test.local" });
  });
});
