import "server-only";
import { capValue, truncateStrings, truncateText } from "@/lib/bounded";

// What a run may store of each kind of value (docs/engine.md, "Size limits"). A log line or an
// audit entry is cut with a marker saying how much there was; a node's output, which later nodes
// compute with, is never cut: a node whose output is too large fails instead (engine/state.ts).

/** A node's output: larger fails the node. Above any run input the REST API accepts (2 MB body). */
export const NODE_OUTPUT_MAX_BYTES = 2_000_000;
/** The verdict's summary, a sentence for people: longer is cut. */
export const VERDICT_SUMMARY_MAX_CHARS = 4_000;
/** An Observation's line of text. */
export const OBSERVATION_TEXT_MAX_CHARS = 4_000;
/** A string inside an Observation's or an audit entry's data (a tool result, a run input field). */
export const RECORD_STRING_MAX_CHARS = 16_000;
/** An Observation's or an audit entry's whole data, after its strings were cut. */
export const RECORD_DATA_MAX_BYTES = 64_000;
/** One value on the run page and in run answers (input, verdict, a node's output, an Observation's data); larger is linked. */
export const RUN_VALUE_MAX_BYTES = 64_000;

/** A verdict as stored: its summary cut to VERDICT_SUMMARY_MAX_CHARS. */
export function boundVerdict(verdict: { outcome: string; summary: string }): { outcome: string; summary: string } {
  return { outcome: truncateText(verdict.outcome, 200), summary: truncateText(verdict.summary, VERDICT_SUMMARY_MAX_CHARS) };
}

/** An error as stored on a run or a node (messages can quote what failed, e.g. a huge value). */
export function boundError(message: string): string {
  return truncateText(message, OBSERVATION_TEXT_MAX_CHARS);
}

export function boundObservationText(text: string): string {
  return truncateText(text, OBSERVATION_TEXT_MAX_CHARS);
}

/**
 * Observation and audit data as stored: strings cut to RECORD_STRING_MAX_CHARS, and what is still
 * over RECORD_DATA_MAX_BYTES replaced by a truncated stand-in (size and preview).
 */
export function boundRecordData<T>(data: T): T {
  const text = JSON.stringify(data);
  // No string inside can be longer than the whole: most data is returned untouched at once.
  if (text === undefined || text.length <= RECORD_STRING_MAX_CHARS) return data;
  return capValue(truncateStrings(data, RECORD_STRING_MAX_CHARS), RECORD_DATA_MAX_BYTES) as T;
}
