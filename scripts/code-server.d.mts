// Types for scripts/code-server.mjs.
export function findFreePort(preferred?: number): Promise<number>;
export function writeUserSettings(userDataDir: string, settings: Record<string, unknown>): void;
export function installVsix(options: { vsix: string; userDataDir: string; extensionsDir: string }): Promise<string>;

export interface CodeServer {
  /** http://127.0.0.1:<port>/ */
  url: string;
  /** The workbench URL with the folder opened. */
  folderUrl: string;
  pid: number;
  /** Everything code-server printed so far. */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Ends code-server's whole process group; safe to call twice. */
  stop(): Promise<void>;
}

export function startCodeServer(options: {
  port: number;
  userDataDir: string;
  extensionsDir: string;
  folder: string;
  logFile?: string;
  timeoutMs?: number;
}): Promise<CodeServer>;
