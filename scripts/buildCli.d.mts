// Types for scripts/buildCli.mjs (plain JavaScript so that bin/retake.mjs can run it without a loader).
export declare const projectRoot: string;
export declare const cliDir: string;
export declare const cliEntry: string;
export declare function cliIsStale(): boolean;
export declare function buildCli(): Promise<{ inputs: number }>;
