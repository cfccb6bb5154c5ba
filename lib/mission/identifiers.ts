import { RESERVED_IDENTIFIERS } from "./expressions";
import { outcomeLabel } from "./schema";

/**
 * Names people type and the identifiers expressions use. A trigger field labelled "Order number"
 * is read as `trigger.order_number`; a verdict outcome labelled "auto-approved" is the value
 * `"auto_approved"`. People type labels; the identifier is derived from the label as it is typed,
 * until someone sets it by hand or an expression comes to depend on it.
 */

export const IDENTIFIER_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const MAX_IDENTIFIER_LENGTH = 64;

// Letters NFKD does not take apart into a base letter and a mark.
const LETTERS: Record<string, string> = { ß: "ss", æ: "ae", Æ: "AE", ø: "o", Ø: "O", œ: "oe", Œ: "OE", ł: "l", Ł: "L", đ: "d", Đ: "D", þ: "th", Þ: "TH", ı: "i" };

/** Whether `name` can be used in expressions as it is: an identifier that is not a reserved word. */
export function isUsableIdentifier(name: string): boolean {
  return name.length <= MAX_IDENTIFIER_LENGTH && IDENTIFIER_PATTERN.test(name) && !RESERVED_IDENTIFIERS.has(name);
}

/**
 * The identifier for a label: lower-case words joined by `_` ("auto-approved" → `auto_approved`,
 * "Order number" → `order_number`, "orderId" → `order_id`, "Prüfung" → `prufung`), at most 64
 * characters, `_` in front of a leading digit. A CEL reserved word or an identifier in `taken` gets
 * `_2`, `_3`…; a label with no letters or digits of the Latin alphabet gives `fallback` (so
 * deduplicated too).
 */
export function identifierFromLabel(label: string, options: { taken?: Iterable<string>; fallback?: string } = {}): string {
  const taken = new Set(options.taken ?? []);
  const words = label
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .replace(/[ßæÆøØœŒłŁđĐþÞı]/g, (c) => LETTERS[c] ?? c)
    // Word boundaries inside camelCase and acronyms: orderId → order Id, HTTPStatus → HTTP Status.
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  let base = words.join("_");
  if (/^[0-9]/.test(base)) base = `_${base}`;
  base = trimToLength(base, MAX_IDENTIFIER_LENGTH) || options.fallback || "value";
  return unique(base, taken);
}

function trimToLength(s: string, max: number): string {
  return s.length <= max ? s : s.slice(0, max).replace(/_+$/, "");
}

function unique(base: string, taken: ReadonlySet<string>): string {
  if (!taken.has(base) && !RESERVED_IDENTIFIERS.has(base)) return base;
  for (let n = 2; ; n++) {
    const suffix = `_${n}`;
    const id = `${trimToLength(base, MAX_IDENTIFIER_LENGTH - suffix.length)}${suffix}`;
    if (!taken.has(id)) return id;
  }
}

/**
 * Whether an identifier still follows its label: it is what the label gives (with the same `taken`
 * and `fallback`), or, while there is no label, a placeholder like `field3`. One typed by hand stays.
 */
export function followsLabel(item: { id: string; label: string }, options: { taken?: Iterable<string>; fallback?: string; placeholder?: RegExp } = {}): boolean {
  if (item.label.trim() === "") return options.placeholder?.test(item.id) ?? false;
  return item.id === identifierFromLabel(item.label, options);
}

/** Verdict outcomes as people type them (labels), turned into identifiers and the labels that differ. */
export interface LabelledOutcomes {
  outcomes: string[];
  outcomeLabels: Record<string, string>;
}

/**
 * The outcomes for the labels typed in the verdict form. A label the verdict already has keeps its
 * identifier (so expressions that return it keep working); a new one gets one derived from it. The
 * same label typed twice gives the same identifier twice, which the validator reports as a
 * duplicate; different labels that give the same identifier get `_2`, `_3`…
 */
export function outcomesFromLabels(typed: readonly string[], previous: { outcomes: readonly string[]; outcomeLabels?: Readonly<Record<string, string>> }): LabelledOutcomes {
  const known = new Map<string, string>();
  for (const id of previous.outcomes) {
    const label = outcomeLabel(previous, id);
    if (!known.has(label)) known.set(label, id);
  }
  for (const id of previous.outcomes) if (!known.has(id)) known.set(id, id);
  const labels = typed.map((l) => l.trim()).filter(Boolean);
  // Identifiers that labels further down will keep are not handed to a new label first.
  const kept = new Set(labels.flatMap((l) => (known.has(l) ? [known.get(l) as string] : [])));
  const given = new Map<string, string>();
  const outcomes: string[] = [];
  const differing: [string, string][] = [];
  for (const label of labels) {
    let id = given.get(label) ?? known.get(label);
    if (id === undefined || (outcomes.includes(id) && !given.has(label))) {
      id = identifierFromLabel(label, { taken: [...outcomes, ...kept], fallback: "outcome" });
    }
    given.set(label, id);
    outcomes.push(id);
    if (label !== id) differing.push([id, label]);
  }
  // fromEntries defines own properties, so even an outcome called __proto__ keeps its label.
  return { outcomes, outcomeLabels: Object.fromEntries(differing) };
}

/**
 * Whether any expression of the graph reads `<root>.<member>` for one of `roots` (the trigger's id
 * and `trigger` for a trigger field). A plain text search, so a mention inside a string counts too:
 * it errs on the side of leaving a name alone.
 */
export function expressionsRead(expressions: Iterable<string>, roots: readonly string[], member: string): boolean {
  const alternatives = roots.map(escapeRegExp).join("|");
  const pattern = new RegExp(`(^|[^A-Za-z0-9_.])(${alternatives})\\s*\\.\\s*${escapeRegExp(member)}(?![A-Za-z0-9_])`);
  for (const e of expressions) if (pattern.test(e)) return true;
  return false;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
