import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { nodeKinds } from "./node-kinds";
import { inputFieldSchema, outputFieldSchema, proposedValueSchema } from "./schema";
import { refundMission } from "./templates/refund";

// A test-only reader of the docs (lib/ code itself stays free of node:*).
const doc = readFileSync(path.resolve(import.meta.dirname, "../../docs/mission-format.md"), "utf8");

function section(heading: string): string {
  const start = doc.indexOf(`\n### \`${heading}\`\n`);
  if (start < 0) throw new Error(`no section for ${heading}`);
  const end = doc.indexOf("\n### ", start + 5);
  return doc.slice(start, end < 0 ? undefined : end);
}

function keys(schema: z.ZodType): string[] {
  return schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
}

describe("docs/mission-format.md", () => {
  it("shows the refund mission exactly as the template builds it", () => {
    const block = /<!-- refund-mission:start -->\n```json\n([\s\S]*?)\n```\n<!-- refund-mission:end -->/.exec(doc);
    expect(block, "the marked JSON block").not.toBeNull();
    expect(JSON.parse(block?.[1] ?? "")).toEqual(refundMission());
  });

  it("documents every node kind and every field of its data", () => {
    for (const kind of nodeKinds) {
      const text = section(kind.kind);
      for (const field of keys(kind.schema)) expect(text, `${kind.kind}.${field}`).toContain(`\`${field}\``);
    }
    for (const field of keys(inputFieldSchema)) expect(section("trigger"), `input field ${field}`).toContain(`\`${field}\``);
    for (const field of keys(outputFieldSchema)) expect(section("worker"), `output ${field}`).toContain(`\`${field}\``);
    for (const field of keys(proposedValueSchema)) expect(section("approval"), `proposed ${field}`).toContain(`\`${field}\``);
  });

  it("lists each kind's icon as the registry has it", () => {
    for (const kind of nodeKinds) expect(doc).toMatch(new RegExp(`\\| \`${kind.kind}\` \\| ${kind.label} \\| ${kind.icon} \\|`));
  });
});
