/**
 * Plain words for what a decision proposes, e.g. "issue_refund 42.50 EUR for order 1042": the
 * inbox, the decision page, webhooks and the REST API all say it the same way.
 */

export interface ProposalInput {
  kind: "approval" | "tool";
  /** The approval's title, or the tool ref (`commerce.issue_refund`) for a gated tool call. */
  title: string;
  proposed: Record<string, unknown>;
  /** The run's trigger input: names what a title like "Refund for order" is about. */
  runInput?: Record<string, unknown>;
}

const AMOUNT_KEYS = ["amount", "total", "price", "cost", "sum", "value", "refundAmount", "refund_amount"];
const CURRENCY_KEYS = ["currency", "currencyCode", "currency_code"];

function isScalar(v: unknown): v is string | number | boolean {
  return typeof v === "string" || typeof v === "number" || typeof v === "boolean";
}

/** `42.5` + `EUR` → `42.50 EUR`; whole amounts without a currency stay as they are. */
export function formatMoney(amount: number, currency?: string | null): string {
  const cur = currency?.trim() ?? "";
  const text = cur || !Number.isInteger(amount) ? amount.toFixed(2) : String(amount);
  return cur ? `${text} ${cur.toUpperCase()}` : text;
}

function findKey(values: Record<string, unknown>, keys: string[], test: (v: unknown) => boolean): string | undefined {
  const lower = new Map(Object.keys(values).map((k) => [k.toLowerCase(), k]));
  for (const k of keys) {
    const actual = lower.get(k.toLowerCase());
    if (actual !== undefined && test(values[actual])) return actual;
  }
  return undefined;
}

/** `orderId` → `order`, `customer_id` → `customer`, `ticketID` → `ticket`; null for other names. */
export function referenceNoun(key: string): string | null {
  const m = /^(.+?)(?:Id|ID|_id)$/.exec(key);
  if (!m?.[1]) return null;
  return m[1]
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/_/g, " ")
    .toLowerCase()
    .trim();
}

function references(values: Record<string, unknown>): { key: string; noun: string; value: string }[] {
  const out: { key: string; noun: string; value: string }[] = [];
  for (const [key, v] of Object.entries(values)) {
    const noun = referenceNoun(key);
    if (noun && (typeof v === "string" || typeof v === "number") && String(v).length <= 60) out.push({ key, noun, value: String(v) });
  }
  return out;
}

function short(v: string | number | boolean, max = 40): string {
  const s = String(v);
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** The tool's own name: `commerce.issue_refund` → `issue_refund`. */
export function toolName(ref: string): string {
  const dot = ref.lastIndexOf(".");
  return dot >= 0 ? ref.slice(dot + 1) : ref;
}

export function describeProposal(input: ProposalInput): string {
  const values = input.proposed;
  const runInput = input.runInput ?? {};
  const amountKey = findKey(values, AMOUNT_KEYS, (v) => typeof v === "number" && Number.isFinite(v));
  const currencyKey = findKey(values, CURRENCY_KEYS, (v) => typeof v === "string" && v.length <= 8);
  const money = amountKey ? formatMoney(values[amountKey] as number, currencyKey ? (values[currencyKey] as string) : null) : null;
  const refs = references(values);
  const used = new Set([amountKey, currencyKey, ...refs.map((r) => r.key)]);

  let head = input.kind === "tool" ? toolName(input.title) : input.title.trim();
  // "Refund for order" names its subject's kind but not which one: the run's input usually does.
  const lastWord = /([A-Za-z]+)\s*$/.exec(head)?.[1]?.toLowerCase();
  if (lastWord && !refs.some((r) => r.noun === lastWord)) {
    const fromInput = references(runInput).find((r) => r.noun === lastWord);
    if (fromInput) head = `${head} ${fromInput.value}`;
  }
  if (!head) head = input.kind === "tool" ? "Tool call" : "Approval";

  const parts: string[] = [];
  if (money) parts.push(money);
  for (const r of refs) if (!head.toLowerCase().includes(`${r.noun} ${r.value}`.toLowerCase())) parts.push(`for ${r.noun} ${r.value}`);
  if (parts.length) return input.kind === "tool" ? `${head} ${parts.join(" ")}` : `${joinHead(head)}${parts.join(" ")}`;

  // Nothing recognisable: the first couple of short values say what it is about.
  const rest = Object.entries(values)
    .filter(([k, v]) => !used.has(k) && isScalar(v) && String(v).trim() !== "")
    .slice(0, 2);
  if (!rest.length) return head;
  if (input.kind === "tool") return `${head} (${rest.map(([k, v]) => `${k}: ${short(v as string | number | boolean)}`).join(", ")})`;
  return `${joinHead(head)}${rest.map(([, v]) => short(v as string | number | boolean)).join(", ")}`;
}

/** "Refund for order 1042" + ": "; a title that ends in punctuation ("Approve this?") just gets a space. */
function joinHead(head: string): string {
  return /[?!.:]$/.test(head) ? `${head} ` : `${head}: `;
}
