import "server-only";
import type { ToolCallResult, ToolInfo, ToolPolicy, ToolPort } from "@/server/connectors/tool-port";

/**
 * An in-memory ToolPort with the refund demo's tools and data, recording every call. For tests of
 * the Worker loop that are about the loop, not the connectors.
 */
export interface FakeToolPort extends ToolPort {
  calls: Array<{ ref: string; args: Record<string, unknown> }>;
}

type Handler = (args: Record<string, unknown>) => unknown;

interface FakeTool {
  ref: string;
  description: string;
  policy: ToolPolicy;
  properties: Record<string, { type: string }>;
  handler: Handler;
}

export const DEMO_POLICIES = [
  { clauseId: "REF-2.1", title: "Unopened items within 30 days", text: "Unopened items returned within 30 days of delivery get a full refund." },
  { clauseId: "REF-1.2", title: "Opened items within 14 days", text: "Opened items returned within 14 days of delivery get a partial refund of 50% of the order total." },
];

const DEMO_TOOLS: FakeTool[] = [
  {
    ref: "commerce.get_order",
    description: "Look up an order by id",
    policy: "autonomous",
    properties: { orderId: { type: "string" } },
    handler: ({ orderId }) => ({ orderId, email: "dana@example.com", total: 85, currency: "EUR", deliveredDaysAgo: 9, itemOpened: true }),
  },
  {
    ref: "commerce.get_payment",
    description: "Look up the payment of an order",
    policy: "autonomous",
    properties: { orderId: { type: "string" } },
    handler: ({ orderId }) => ({ orderId, status: "captured", amount: 85, currency: "EUR" }),
  },
  {
    ref: "knowledge.search_policies",
    description: "Search the refund policies",
    policy: "autonomous",
    properties: { query: { type: "string" } },
    handler: () => ({ results: DEMO_POLICIES }),
  },
  {
    ref: "crm.get_history",
    description: "A customer's order and refund history",
    policy: "autonomous",
    properties: { email: { type: "string" } },
    handler: ({ email }) => ({ email, orders: 4, refunds: 0 }),
  },
  {
    ref: "commerce.issue_refund",
    description: "Refund money to the customer",
    policy: "gated",
    properties: { orderId: { type: "string" }, amount: { type: "number" } },
    handler: ({ orderId, amount }) => ({ refundId: "R-1", orderId, amount }),
  },
];

export function createFakeToolPort(opts: { unavailable?: string[]; failing?: string[] } = {}): FakeToolPort {
  const calls: FakeToolPort["calls"] = [];
  const available = DEMO_TOOLS.filter((t) => !opts.unavailable?.includes(t.ref));
  const info = (t: FakeTool): ToolInfo => {
    const [connector = "", name = ""] = t.ref.split(".");
    return {
      ref: t.ref,
      connector,
      name,
      description: t.description,
      inputSchema: { $schema: "http://json-schema.org/draft-07/schema#", type: "object", properties: t.properties, required: Object.keys(t.properties) },
      annotations: { readOnlyHint: t.policy === "autonomous" },
      policy: t.policy,
    };
  };
  return {
    calls,
    async listTools(refs) {
      return available.filter((t) => !refs || refs.includes(t.ref)).map(info);
    },
    async callTool(ref, args): Promise<ToolCallResult> {
      calls.push({ ref, args });
      const t = available.find((x) => x.ref === ref);
      if (!t) throw new Error(`no tool ${ref}`);
      if (opts.failing?.includes(ref)) {
        return { isError: true, text: `${ref} is down`, value: null, raw: { isError: true, content: [{ type: "text", text: `${ref} is down` }] } };
      }
      const value = t.handler(args);
      const text = JSON.stringify(value);
      return { isError: false, text, value, raw: { content: [{ type: "text", text }], structuredContent: value } };
    },
  };
}
