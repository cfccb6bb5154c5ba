import type { PGliteOptions } from "@electric-sql/pglite";

export declare const DEFAULT_SHARED_BUFFERS_MB: number;

/** PGlite's options for a data dir (in memory when undefined) and a shared buffer pool in MB (pglite-options.mjs). */
export declare function pgliteOptions(dataDir: string | undefined, sharedBuffersMb?: number): PGliteOptions;
