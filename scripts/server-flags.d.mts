export declare function serverNodeFlags(env: Record<string, string | undefined>): string[];
export declare function serverProcessEnv(env: Record<string, string | undefined>): Record<string, string>;
