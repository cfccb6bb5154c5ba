import { describe, expect, it } from "vitest";
import { actionGroups, EMPTY_FILTERS, exportUrl, hasFilters, toQuery } from "./filters";

describe("audit filters", () => {
  it("leaves out empty fields", () => {
    expect(toQuery(EMPTY_FILTERS)).toEqual({});
    expect(toQuery({ ...EMPTY_FILTERS, actor: "  ", targetId: " run-1 " })).toEqual({ targetId: "run-1" });
    expect(hasFilters(EMPTY_FILTERS)).toBe(false);
    expect(hasFilters({ ...EMPTY_FILTERS, action: "user.*" })).toBe(true);
  });

  it("turns a day range into whole local days: from inclusive, to exclusive the day after", () => {
    const q = toQuery({ ...EMPTY_FILTERS, fromDate: "2026-11-20", toDate: "2026-11-25" });
    expect(new Date(q.from!).getTime()).toBe(new Date(2026, 10, 20).getTime());
    expect(new Date(q.to!).getTime()).toBe(new Date(2026, 10, 26).getTime());
    // Month ends roll over.
    expect(new Date(toQuery({ ...EMPTY_FILTERS, toDate: "2026-12-31" }).to!).getTime()).toBe(new Date(2027, 0, 1).getTime());
    expect(toQuery({ ...EMPTY_FILTERS, fromDate: "not a day" }).from).toBeUndefined();
  });

  it("builds the export URL of the same filtered set", () => {
    expect(exportUrl(EMPTY_FILTERS)).toBe("/api/v1/audit");
    expect(exportUrl({ ...EMPTY_FILTERS, action: "decision.*", actor: "ada@example.com" })).toBe("/api/v1/audit?action=decision.*&actor=ada%40example.com");
  });

  it("groups actions by noun", () => {
    expect(actionGroups(["user.created", "auth.sign_in", "user.roles_changed"])).toEqual(["auth.*", "user.*"]);
  });
});
