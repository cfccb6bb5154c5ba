/**
 * A For each: the steps inside it (a group, lib/mission/groups.ts) run once per item of a list.
 * What its registry entry, engine handler and inspector share.
 */

/** Names the body's expressions read besides the trigger, the steps before the For each and the body's own steps. */
export const SCOPE_ITEM = "item";
export const SCOPE_INDEX = "index";

/** The step id an item's body step runs under: `loop[17].fmt` (memoized per item, and named so in errors). */
export function itemStepId(forEachId: string, index: number, bodyNodeId?: string): string {
  return bodyNodeId === undefined ? `${forEachId}[${index}]` : `${forEachId}[${index}].${bodyNodeId}`;
}

/** The step id a run of items `from` … `to` (inclusive) runs under, when several items' bodies run in one step: `loop[10..19]`. */
export function itemsStepId(forEachId: string, from: number, to: number): string {
  return `${forEachId}[${from}..${to}]`;
}
