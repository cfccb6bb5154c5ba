import { describe, expect, it } from "vitest";
import type { InputField } from "@/lib/mission/schema";
import { DEFAULT_TEXT_MAX, parseRunInput } from "./input";

const fields: InputField[] = [
  { name: "note", label: "Note", type: "text", required: false, description: "" },
  { name: "email", label: "Email", type: "email", required: false, description: "" },
];

describe("run input bounds", () => {
  it("refuses an input larger than 256 KB as a whole, naming the input", () => {
    const r = parseRunInput(fields, { note: "x".repeat(300_000) });
    expect(r).toEqual({ ok: false, problems: [{ path: "input", message: "is 300 KB; a run input may be at most 256 KB" }] });
  });

  it("caps a text field without its own maxLength, and an email", () => {
    const r = parseRunInput([{ ...fields[0]!, type: "string" }], { note: "é".repeat(DEFAULT_TEXT_MAX + 1) });
    expect(r).toMatchObject({ ok: false, problems: [{ path: "input.note", message: `must be at most ${DEFAULT_TEXT_MAX} characters` }] });
    expect(parseRunInput(fields, { email: `${"a".repeat(400)}@example.com` })).toMatchObject({ ok: false, problems: [{ path: "input.email" }] });
    expect(parseRunInput(fields, { note: "fine", email: "dana@example.com" })).toEqual({ ok: true, input: { note: "fine", email: "dana@example.com" } });
  });
});
