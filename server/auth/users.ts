import "server-only";
import crypto from "node:crypto";
import { and, eq, inArray } from "drizzle-orm";
import { hashPassword } from "better-auth/crypto";
import { z } from "zod";
import { AppError, zodProblems } from "@/lib/errors";
import { roleSchema, type Role } from "@/lib/mission/schema";
import type { Db, DbOrTx } from "@/server/db/database";
import { account, user, userRole } from "@/server/db/schema";
import { recordAudit, type AuditActor } from "@/server/audit/record";
import { passwordProblem } from "./password-policy";
import { forgetApiKeys } from "./api-key-cache";

export interface SessionUser {
  id: string;
  email: string;
  name: string;
  roles: Role[];
  /** Set when the request authenticated with an API key: which one (the audit log names it). */
  apiKey?: ApiKeyIdentity;
}

/** An API key as it identifies itself in the audit log: `api key <prefix> of <owner's email>`. */
export interface ApiKeyIdentity {
  id: string;
  prefix: string;
  name: string;
}

export const createUserInput = z
  .object({
    email: z.string().trim().toLowerCase().email("must be an email address"),
    name: z.string().trim().min(1, "must not be empty").max(120),
    password: z.string().superRefine((password, ctx) => {
      const problem = passwordProblem(password, "");
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    }),
    roles: z.array(roleSchema).min(1, "give at least one role"),
  })
  // The rules that need the email, once the password passes those that do not.
  .superRefine((u, ctx) => {
    const problem = passwordProblem(u.password, "") ? null : passwordProblem(u.password, u.email);
    if (problem) ctx.addIssue({ code: "custom", path: ["password"], message: problem });
  });
export type CreateUserInput = z.input<typeof createUserInput>;

/** Creates a user with an email/password account in better-auth's tables, plus roles. */
export async function createUser(db: Db, raw: CreateUserInput, actor?: AuditActor): Promise<SessionUser> {
  const parsed = createUserInput.safeParse(raw);
  if (!parsed.success) throw new AppError("bad_request", "Invalid user", zodProblems(parsed.error.issues));
  const input = parsed.data;
  const existing = await db.select({ id: user.id }).from(user).where(eq(user.email, input.email));
  if (existing.length) throw new AppError("conflict", `A user with email ${input.email} already exists`, [{ path: "email", message: "already exists" }]);
  const id = crypto.randomUUID();
  const password = await hashPassword(input.password);
  await db.transaction(async (tx) => {
    await tx.insert(user).values({ id, email: input.email, name: input.name, emailVerified: true });
    await tx.insert(account).values({ id: crypto.randomUUID(), accountId: id, providerId: "credential", userId: id, password });
    await tx.insert(userRole).values(input.roles.map((role) => ({ userId: id, role })));
    await recordAudit(tx, { action: "user.created", actor, targetType: "user", targetId: id, data: { email: input.email, name: input.name, roles: [...input.roles].sort() } });
  });
  return { id, email: input.email, name: input.name, roles: input.roles };
}

export async function rolesOf(db: DbOrTx, userId: string): Promise<Role[]> {
  const rows = await db.select({ role: userRole.role }).from(userRole).where(eq(userRole.userId, userId));
  return rows.map((r) => r.role).sort();
}

export async function setRoles(db: Db, userId: string, roles: Role[], actor?: AuditActor): Promise<void> {
  const exists = await db.select({ id: user.id }).from(user).where(eq(user.id, userId));
  if (!exists.length) throw new AppError("not_found", `No user ${userId}`);
  await db.transaction(async (tx) => {
    await recordAudit(tx, { action: "user.roles_changed", actor, targetType: "user", targetId: userId, data: { before: await rolesOf(tx, userId), after: [...new Set(roles)].sort() } });
    await tx.delete(userRole).where(eq(userRole.userId, userId));
    if (roles.length) await tx.insert(userRole).values([...new Set(roles)].map((role) => ({ userId, role })));
  });
  // Keys act with their owner's roles as they are now.
  forgetApiKeys();
}

export async function listUsers(db: Db): Promise<SessionUser[]> {
  const users = await db.select({ id: user.id, email: user.email, name: user.name }).from(user).orderBy(user.email);
  if (!users.length) return [];
  const roles = await db.select().from(userRole).where(inArray(userRole.userId, users.map((u) => u.id)));
  return users.map((u) => ({ ...u, roles: roles.filter((r) => r.userId === u.id).map((r) => r.role).sort() }));
}

export async function userCount(db: Db): Promise<number> {
  const rows = await db.select({ id: user.id }).from(user).limit(1);
  return rows.length;
}

export async function hasRole(db: DbOrTx, userId: string, role: Role): Promise<boolean> {
  const rows = await db.select().from(userRole).where(and(eq(userRole.userId, userId), eq(userRole.role, role)));
  return rows.length > 0;
}
