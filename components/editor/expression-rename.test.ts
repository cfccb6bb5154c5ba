import { describe, expect, it } from "vitest";
import { referencedRoots } from "@/lib/mission/expressions";
import { renameRootIdentifier } from "./expression-rename";

describe("renameRootIdentifier", () => {
  it.each([
    ["reason.amount > 10", "reason.amount_2 > 10".replace("amount_2", "amount").replace("reason", "why")],
    ['reason.verdict == "reason"', 'why.verdict == "reason"'],
    ["x.reason + reason.a", "x.reason + why.a"],
    ["reasons.a + reason.b", "reasons.a + why.b"],
    ["r'reason' + reason.a", "r'reason' + why.a"],
    ['"""reason "quoted" reason""" + reason.a', '"""reason "quoted" reason""" + why.a'],
    ["'it\\'s reason' + reason.a", "'it\\'s reason' + why.a"],
    ["reason . amount", "why . amount"],
    ["1e5 + reason.a", "1e5 + why.a"],
    ['"reason" in skipped', '"reason" in skipped'],
  ])("%s", (src, expected) => {
    expect(renameRootIdentifier(src, "reason", "why")).toBe(expected);
  });

  it("produces an expression whose roots follow the rename", () => {
    const src = 'reason.amount > 100 && trigger.orderId != "" ? reason.amount : ground.total';
    const renamed = renameRootIdentifier(src, "reason", "reason_2");
    expect(referencedRoots(renamed)).toEqual(["reason_2", "trigger", "ground"]);
  });
});
