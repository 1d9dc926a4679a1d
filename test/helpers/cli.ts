/** Runs the built CLI as a real child process and parses its --json lines. */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';

export const REPO = path.resolve(__dirname, '..', '..');
export const CLI = path.join(REPO, 'dist', 'cli.js');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** Parsed JSON lines of stdout (with --json). */
  events: Record<string, any>[];
  done: Record<string, any> | undefined;
}

export function runCli(args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<CliRun> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: options.cwd ?? REPO, env: { ...process.env, ...options.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const events = args.includes('--json')
        ? stdout.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l))
        : [];
      resolve({ code: code ?? -1, stdout, stderr, events, done: events.find((e) => e.event === 'done') });
    });
  });
}
