import { describe, expect, it } from "vitest";
import { findUnstorableInJsonText, findUnstorableText, MAX_INPUT_DEPTH } from "./storable-text";

describe("findUnstorableText", () => {
  it("passes ordinary text, emoji (a paired surrogate) and non-strings", () => {
    expect(findUnstorableText({ a: "Grüße 😀 𝄞", b: [1, true, null, { c: "ok" }] })).toBeNull();
  });

  it("names the first bad string in document order, or a bad key, or the root", () => {
    expect(findUnstorableText({ nodes: [{ data: { label: "ok" } }, { data: { label: "a\u0000" } }], z: "\ud800" })).toEqual({
      path: "nodes[1].data.label",
      message: "contains a NUL character (\\u0000), which cannot be stored",
    });
    expect(findUnstorableText({ a: "x\udc00" }, ["values"])?.path).toBe("values.a");
    expect(findUnstorableText({ a: "\ud83d" })?.message).toBe("contains an unpaired UTF-16 surrogate, which is not valid Unicode");
    expect(findUnstorableText({ values: { "k\u0000": 1 } })).toEqual({ path: "values", message: "has a key that contains a NUL character (\\u0000), which cannot be stored" });
    expect(findUnstorableText("\u0000", [], "input")?.path).toBe("input");
  });

  it("refuses nesting past the limit without recursing", () => {
    let deep: unknown = "end";
    for (let i = 0; i < MAX_INPUT_DEPTH; i++) deep = [deep];
    expect(findUnstorableText(deep)).toBeNull();
    const tooDeep = JSON.parse(`${"[".repeat(200_000)}1${"]".repeat(200_000)}`) as unknown;
    expect(findUnstorableText(tooDeep)?.message).toBe(`is nested more than ${MAX_INPUT_DEPTH} levels deep`);
  });

  it("looks inside a JSON document carried as text, and leaves non-JSON to its parser", () => {
    expect(findUnstorableInJsonText('{"name":"a\\u0000"}')).toEqual({ path: "name", message: expect.stringContaining("NUL") });
    expect(findUnstorableInJsonText("not json \u0000")).toBeNull();
  });
});
