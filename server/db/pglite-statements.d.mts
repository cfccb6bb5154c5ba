import type { PGlite, QueryOptions, Results, Transaction } from "@electric-sql/pglite";

/** What drizzle's PGlite driver calls on its client. */
export interface PgliteClient {
  query<T>(text: string, params?: unknown[], options?: QueryOptions): Promise<Results<T>>;
  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T>;
}

/** PGlite with repeated statements prepared once by name (pglite-statements.mjs). */
export declare function preparedStatements(client: PGlite, max?: number): PgliteClient;
