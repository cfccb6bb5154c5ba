import { describe, expect, it } from "vitest";
import { differs, fieldOf, outputFields } from "./differences";

describe("comparison differences", () => {
  it("flags a value that is not the same on every model, whatever the key order", () => {
    expect(differs([42.5, 42.5, 42.5])).toBe(false);
    expect(differs([42.5, 30, 42.5])).toBe(true);
    expect(differs([{ a: 1, b: 2 }, { b: 2, a: 1 }])).toBe(false);
    expect(differs([{ a: 1 }, { a: 1, b: 2 }])).toBe(true);
    expect(differs([undefined, null])).toBe(true);
    expect(differs([7])).toBe(false);
  });

  it("lists every field any model gave, and reads one", () => {
    expect(outputFields([{ decision: "partial", amount: 42.5 }, { amount: 30, note: "x" }, undefined])).toEqual(["decision", "amount", "note"]);
    expect(outputFields(["plain text", { a: 1 }])).toEqual(["", "a"]);
    expect(fieldOf({ amount: 30 }, "amount")).toBe(30);
    expect(fieldOf({ amount: 30 }, "decision")).toBeUndefined();
    expect(fieldOf("plain text", "")).toBe("plain text");
    expect(fieldOf({ a: 1 }, "")).toBeUndefined();
  });
});
