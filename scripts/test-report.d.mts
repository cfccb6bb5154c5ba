export interface SuiteResult {
  suite: string;
  passed: number;
  failed: number;
  skipped?: number;
  seconds: string | number;
}
export interface PostgresStatus {
  ran: boolean;
  why: string;
}
export function vitestCounts(
  report: unknown,
  root: string,
): { passed: number; failed: number; skipped: number; skippedFiles: string[]; postgresTests: number };
export function playwrightCounts(report: unknown): { passed: number; failed: number; skipped: number };
/** A failed test: where (`file › name`) and its error message. */
export interface TestFailure {
  where: string;
  message: string;
}
export function vitestFailures(report: unknown, root: string): TestFailure[];
export function playwrightFailures(report: unknown): TestFailure[];
export function shortMessage(message: string, maxLines?: number): string[];
export function reportLines(opts: {
  results: SuiteResult[];
  notRun: { suite: string; why: string }[];
  skippedFiles?: string[];
  postgres?: PostgresStatus;
  failures?: TestFailure[];
}): string[];
export function postgresStatus(url: string | undefined, postgresTests: number): PostgresStatus;
