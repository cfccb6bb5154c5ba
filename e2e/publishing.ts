import { expect, type Browser } from "@playwright/test";
import { USERS } from "./fixtures";

/**
 * Test set-up for specs whose missions change governance: the demo approver publishes a mission's
 * version (the newest awaiting review when no number is given) through the REST API, as a second
 * person must. Returns the version number. A version that published itself on save is left alone.
 */
export async function publishAsApprover(browser: Browser, baseURL: string, missionId: string, number?: number): Promise<number> {
  const ctx = await browser.newContext({ baseURL });
  try {
    const signedIn = await ctx.request.post("/api/auth/sign-in/email", { data: { email: USERS.approver.email, password: USERS.approver.password } });
    expect(signedIn.ok(), "the approver signs in").toBe(true);
    // A browser's own requests carry the app's Origin; REST with a session cookie may ask for it.
    const headers = { origin: new URL(baseURL).origin };
    const listed = await ctx.request.get(`/api/v1/missions/${missionId}/versions`);
    expect(listed.ok(), await listed.text()).toBe(true);
    const { versions } = (await listed.json()) as { versions: { number: number; review: { status: string } | null }[] };
    const target = number ?? versions.find((v) => v.review?.status === "awaiting_review")?.number;
    if (target === undefined) return versions[0]?.number ?? 0;
    const res = await ctx.request.post(`/api/v1/missions/${missionId}/versions/${target}/publish`, { data: { note: "Published by an e2e set-up" }, headers });
    expect(res.status(), await res.text()).toBe(200);
    return target;
  } finally {
    await ctx.close();
  }
}
