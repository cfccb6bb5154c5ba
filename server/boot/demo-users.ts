import type { Role } from "@/lib/mission/schema";

/** Demo mode's sign-ins. Shown on the sign-in page only in demo mode. */
export const DEMO_USERS: { email: string; name: string; password: string; roles: Role[]; blurb: string }[] = [
  { email: "admin@steward.local", name: "Ada Admin", password: "ada-keeps-the-keys", roles: ["admin"], blurb: "connectors, models, users, audit" },
  { email: "builder@steward.local", name: "Ben Builder", password: "ben-draws-missions", roles: ["builder"], blurb: "draws and runs missions" },
  { email: "approver@steward.local", name: "Avery Approver", password: "avery-decides", roles: ["approver"], blurb: "decides in the Decision Queue" },
  { email: "viewer@steward.local", name: "Vic Viewer", password: "vic-only-reads", roles: ["viewer"], blurb: "reads everything, changes nothing" },
];
