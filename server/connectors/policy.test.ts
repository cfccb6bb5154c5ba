import { describe, expect, it } from "vitest";
import { defaultPolicy, definitionOf, effectivePolicy, isStateChanging, toolDefinitionHash } from "./policy";
import { parseToolRef, toToolCallResult } from "./tool-port-impl";

describe("default policy from annotations", () => {
  it("runs read-only, non-destructive tools autonomously and gates the rest", () => {
    expect(defaultPolicy({ readOnlyHint: true })).toBe("autonomous");
    expect(defaultPolicy({ readOnlyHint: true, destructiveHint: false })).toBe("autonomous");
    expect(defaultPolicy({ readOnlyHint: true, destructiveHint: true })).toBe("gated");
    expect(defaultPolicy({ readOnlyHint: false })).toBe("gated");
    expect(defaultPolicy({})).toBe("gated");
    expect(isStateChanging({ destructiveHint: false })).toBe(true);
  });

  it("lets an override win", () => {
    expect(effectivePolicy({ readOnlyHint: true }, "disallowed")).toBe("disallowed");
    expect(effectivePolicy({}, "autonomous")).toBe("autonomous");
    expect(effectivePolicy({}, null)).toBe("gated");
  });
});

describe("toolDefinitionHash", () => {
  const def = { name: "get_order", description: "Look up an order", inputSchema: { type: "object", properties: { orderId: { type: "string" } } }, annotations: { readOnlyHint: true } };

  it("ignores key order and changes with any pinned part", () => {
    const h = toolDefinitionHash(def);
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(toolDefinitionHash({ annotations: { readOnlyHint: true }, inputSchema: { properties: { orderId: { type: "string" } }, type: "object" }, description: "Look up an order", name: "get_order" })).toBe(h);
    expect(toolDefinitionHash({ ...def, description: "Look up an order." })).not.toBe(h);
    expect(toolDefinitionHash({ ...def, annotations: { readOnlyHint: false } })).not.toBe(h);
    expect(toolDefinitionHash({ ...def, inputSchema: { type: "object" } })).not.toBe(h);
    expect(toolDefinitionHash({ ...def, name: "get_orders" })).not.toBe(h);
  });

  it("normalises a listed tool: known hints only, tool title as fallback", () => {
    const d = definitionOf({
      name: "echo",
      title: "Echo Tool",
      inputSchema: { type: "object" },
      annotations: { readOnlyHint: true, vendorExtra: 1 } as Record<string, unknown>,
    });
    expect(d.annotations).toEqual({ title: "Echo Tool", readOnlyHint: true });
    expect(d.description).toBe("");
    expect(d.hash).toBe(toolDefinitionHash(d));
  });
});

describe("tool refs and results", () => {
  it("splits a ref at the first dot", () => {
    expect(parseToolRef("commerce.get_order")).toEqual({ connector: "commerce", tool: "get_order" });
    expect(parseToolRef("files.a.b")).toEqual({ connector: "files", tool: "a.b" });
    expect(parseToolRef("nodot")).toBeNull();
    expect(parseToolRef(".x")).toBeNull();
    expect(parseToolRef("x.")).toBeNull();
  });

  it("prefers structured content, else parses JSON text, else gives the text (docs/mission-format.md)", () => {
    expect(toToolCallResult({ content: [{ type: "text", text: "{}" }], structuredContent: { a: 1 } }).value).toEqual({ a: 1 });
    expect(toToolCallResult({ content: [{ type: "text", text: '{"b":2}' }] }).value).toEqual({ b: 2 });
    const plain = toToolCallResult({ content: [{ type: "text", text: "line 1" }, { type: "text", text: "line 2" }], isError: true });
    expect(plain).toMatchObject({ isError: true, text: "line 1\nline 2", value: "line 1\nline 2" });
    expect(toToolCallResult({ content: [{ type: "text", text: "The sum of 2 and 3 is 5." }] }).value).toBe("The sum of 2 and 3 is 5.");
    expect(toToolCallResult({ content: [] }).value).toBe("");
  });
});
