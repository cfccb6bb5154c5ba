import type { Role } from "@/lib/mission/schema";

export interface NavItem {
  href: string;
  label: string;
  icon: "Workflow" | "PlayCircle" | "Inbox" | "Settings" | "ScrollText";
  /** Shown only to holders of one of these roles; absent = everyone signed in. */
  roles?: Role[];
}

export const NAV_ITEMS: NavItem[] = [
  { href: "/missions", label: "Missions", icon: "Workflow" },
  { href: "/runs", label: "Runs", icon: "PlayCircle" },
  { href: "/decisions", label: "Decisions", icon: "Inbox", roles: ["approver", "admin"] },
  { href: "/settings", label: "Settings", icon: "Settings", roles: ["admin"] },
  { href: "/audit", label: "Audit", icon: "ScrollText", roles: ["admin"] },
];

export function visibleNav(roles: Role[]): NavItem[] {
  return NAV_ITEMS.filter((i) => !i.roles || i.roles.some((r) => roles.includes(r)));
}
