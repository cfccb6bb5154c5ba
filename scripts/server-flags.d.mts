export declare function serverNodeFlags(): string[];
export declare function serverProcessEnv(env: Record<string, string | undefined>): Record<string, string>;
