import { test as base, expect, type Page } from "@playwright/test";
import fs from "node:fs";
import path from "node:path";

export const USERS = {
  admin: { email: "admin@steward.local", password: "ada-keeps-the-keys" },
  builder: { email: "builder@steward.local", password: "ben-draws-missions" },
  approver: { email: "approver@steward.local", password: "avery-decides" },
  viewer: { email: "viewer@steward.local", password: "vic-only-reads" },
} as const;
export type DemoUser = keyof typeof USERS;

/** Signs in through the sign-in page, as a person would. */
export async function signIn(page: Page, who: DemoUser, next = "/missions") {
  await page.goto(`/sign-in?next=${encodeURIComponent(next)}`);
  await page.getByLabel("Email").fill(USERS[who].email);
  await page.getByLabel("Password").fill(USERS[who].password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((u) => !u.pathname.startsWith("/sign-in"));
}

const SHOTS = path.resolve(import.meta.dirname, "screenshots");

/** Saves a full-page screenshot under e2e/screenshots/<name>.png for people to look at. */
export async function shot(page: Page, name: string) {
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

export const test = base;
export { expect };
