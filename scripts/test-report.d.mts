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
export function reportLines(opts: { results: SuiteResult[]; notRun: { suite: string; why: string }[]; skippedFiles?: string[]; postgres?: PostgresStatus }): string[];
export function postgresStatus(url: string | undefined, postgresTests: number): PostgresStatus;
