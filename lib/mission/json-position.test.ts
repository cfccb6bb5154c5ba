import { describe, expect, it } from "vitest";
import { locateJsonError } from "./json-position";

describe("locateJsonError", () => {
  it("finds nothing wrong in valid JSON", () => {
    for (const text of ['{"a": [1, -2.5e3, true, false, null, "x\\n\\u00e9"]}', "[]", " 42 ", '"s"', '{"a":{"b":[{}]}}']) {
      expect(() => JSON.parse(text)).not.toThrow();
      expect(locateJsonError(text), text).toBeUndefined();
    }
  });

  it.each([
    ['{"a": }', 6, "a value"],
    ['{"a" 1}', 5, '":"'],
    ["{a: 1}", 1, "a property name in double quotes"],
    ['{"a": 1,}', 8, "a property name in double quotes"],
    ["[1, 2,]", 6, "a value"],
    ["[1 2]", 3, '"," or "]"'],
    ['{"a": 1} x', 9, "the end of the document"],
    ['"bad \\q escape"', 5, "a complete string"],
    ["tru", 0, "a value"],
    ["[01]", 2, '"," or "]"'],
    ['{"a": "unterminated', 19, "a complete string"],
  ])("locates the fault in %s", (text, offset, expected) => {
    expect(() => JSON.parse(text)).toThrow();
    expect(locateJsonError(text)).toMatchObject({ offset, expected });
  });

  it("gives line and column", () => {
    expect(locateJsonError('{\n  "a": 1,\n  "b": ]\n}')).toEqual({ offset: 19, line: 3, column: 8, expected: "a value" });
  });

  it("copes with deep nesting", () => {
    const deep = "[".repeat(50_000) + "]".repeat(49_999);
    expect(locateJsonError(deep)).toMatchObject({ offset: 99_999, expected: '"," or "]"' });
  });
});
