import { describe, expect, it } from "vitest";
import { RESERVED_IDENTIFIERS } from "./expressions";
import { expressionsRead, followsLabel, identifierFromLabel, isUsableIdentifier, outcomesFromLabels } from "./identifiers";

describe("identifierFromLabel", () => {
  it("turns what people type into identifiers expressions can use", () => {
    expect(identifierFromLabel("auto-approved")).toBe("auto_approved");
    expect(identifierFromLabel("Order number")).toBe("order_number");
    expect(identifierFromLabel("  Needs   a second look? ")).toBe("needs_a_second_look");
    expect(identifierFromLabel("orderId")).toBe("order_id");
    expect(identifierFromLabel("HTTPStatus code")).toBe("http_status_code");
    expect(identifierFromLabel("approve")).toBe("approve");
    expect(identifierFromLabel("Prüfung bestätigt")).toBe("prufung_bestatigt");
    expect(identifierFromLabel("Straße")).toBe("strasse");
    expect(identifierFromLabel("3 days late")).toBe("_3_days_late");
    expect(identifierFromLabel("e-mail (work)")).toBe("e_mail_work");
  });

  it("falls back when a label has nothing to make an identifier of", () => {
    expect(identifierFromLabel("!!!")).toBe("value");
    expect(identifierFromLabel("承認", { fallback: "outcome" })).toBe("outcome");
    expect(identifierFromLabel("", { fallback: "field", taken: ["field"] })).toBe("field_2");
  });

  it("avoids identifiers already taken and CEL reserved words", () => {
    expect(identifierFromLabel("Auto approved", { taken: ["auto_approved"] })).toBe("auto_approved_2");
    expect(identifierFromLabel("auto approved", { taken: ["auto_approved", "auto_approved_2"] })).toBe("auto_approved_3");
    expect(identifierFromLabel("In")).toBe("in_2");
    expect(identifierFromLabel("Type")).toBe("type_2");
    expect(identifierFromLabel("null")).toBe("null_2");
    for (const word of RESERVED_IDENTIFIERS) expect(isUsableIdentifier(identifierFromLabel(word)), word).toBe(true);
  });

  it("stays within 64 characters, suffix included", () => {
    const long = "word ".repeat(40);
    const id = identifierFromLabel(long);
    expect(id.length).toBeLessThanOrEqual(64);
    expect(id).toMatch(/^word(_word)*$/);
    const again = identifierFromLabel(long, { taken: [id] });
    expect(again.length).toBeLessThanOrEqual(64);
    expect(again).toMatch(/_2$/);
  });

  it("always gives a usable identifier", () => {
    for (const label of ["", " ", "-", "9", "_", "a b", "ÅÄÖ", "🙂 happy", "x".repeat(300), "if", "trigger"]) {
      expect(isUsableIdentifier(identifierFromLabel(label)), JSON.stringify(label)).toBe(true);
    }
  });
});

describe("followsLabel", () => {
  it("is true while the identifier is what the label gives, or a placeholder with no label", () => {
    expect(followsLabel({ id: "order_number", label: "Order number" })).toBe(true);
    expect(followsLabel({ id: "orderId", label: "Order number" })).toBe(false);
    expect(followsLabel({ id: "field3", label: "" }, { placeholder: /^field\d*$/ })).toBe(true);
    expect(followsLabel({ id: "email", label: "" }, { placeholder: /^field\d*$/ })).toBe(false);
    expect(followsLabel({ id: "order_number_2", label: "Order number" }, { taken: ["order_number"] })).toBe(true);
  });
});

describe("outcomesFromLabels", () => {
  it("derives identifiers and keeps the labels that differ", () => {
    expect(outcomesFromLabels(["auto-approved", "approve", "Needs review"], { outcomes: [] })).toEqual({
      outcomes: ["auto_approved", "approve", "needs_review"],
      outcomeLabels: { auto_approved: "auto-approved", needs_review: "Needs review" },
    });
  });

  it("keeps the identifier of an outcome whose label is unchanged, wherever it moves", () => {
    const previous = { outcomes: ["ok", "deny"], outcomeLabels: { ok: "All good" } };
    expect(outcomesFromLabels(["deny", "partial", "All good"], previous)).toEqual({ outcomes: ["deny", "partial", "ok"], outcomeLabels: { ok: "All good" } });
    // Typing the identifier itself names the same outcome.
    expect(outcomesFromLabels(["ok"], previous)).toEqual({ outcomes: ["ok"], outcomeLabels: {} });
  });

  it("does not hand a new label an identifier a kept label still uses", () => {
    const previous = { outcomes: ["approve"] };
    expect(outcomesFromLabels(["Approve!", "approve"], previous).outcomes).toEqual(["approve_2", "approve"]);
  });

  it("gives different labels different identifiers, and the same label the same one (a duplicate the validator reports)", () => {
    expect(outcomesFromLabels(["auto-approved", "Auto approved"], { outcomes: [] }).outcomes).toEqual(["auto_approved", "auto_approved_2"]);
    expect(outcomesFromLabels(["approve", "approve"], { outcomes: [] }).outcomes).toEqual(["approve", "approve"]);
  });

  it("ignores empty entries and blanks around labels", () => {
    expect(outcomesFromLabels([" approve ", "", "  "], { outcomes: [] })).toEqual({ outcomes: ["approve"], outcomeLabels: {} });
  });

  it("is not fooled by labels named like object properties", () => {
    expect(outcomesFromLabels(["constructor", "toString"], { outcomes: [] }).outcomes).toEqual(["constructor", "to_string"]);
    expect(outcomesFromLabels(["constructor", "deny"], { outcomes: ["constructor"], outcomeLabels: {} })).toEqual({ outcomes: ["constructor", "deny"], outcomeLabels: {} });
    const kept = outcomesFromLabels(["Proto!"], { outcomes: ["__proto__"], outcomeLabels: JSON.parse('{"__proto__": "Proto!"}') as Record<string, string> });
    expect(kept.outcomes).toEqual(["__proto__"]);
    expect(Object.hasOwn(kept.outcomeLabels, "__proto__") && kept.outcomeLabels.__proto__).toBe("Proto!");
  });
});

describe("expressionsRead", () => {
  it("finds <root>.<member> in any expression, and nothing else", () => {
    const roots = ["trigger", "start"];
    expect(expressionsRead(['"Order " + trigger.order_number'], roots, "order_number")).toBe(true);
    expect(expressionsRead(["start . order_number > 3"], roots, "order_number")).toBe(true);
    expect(expressionsRead(["has(trigger.order_number)"], roots, "order_number")).toBe(true);
    expect(expressionsRead(["trigger.order_number_2"], roots, "order_number")).toBe(false);
    expect(expressionsRead(["reason.trigger.order_number"], roots, "order_number")).toBe(false);
    expect(expressionsRead(["mytrigger.order_number"], roots, "order_number")).toBe(false);
    expect(expressionsRead([], roots, "order_number")).toBe(false);
  });
});
