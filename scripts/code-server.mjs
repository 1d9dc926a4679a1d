// Starting code-server: shared by the end-to-end test harness (test/e2e/harness.ts) and `npm start`
// (scripts/start.mjs). The tools themselves are installed by scripts/e2e-setup.mjs.
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { e2ePaths, node24Env } from './e2e-setup.mjs';

/** Resolves to `preferred` if it can be bound on 127.0.0.1, else to a free port the OS picks. */
export async function findFreePort(preferred = 0) {
  const tryPort = (port) =>
    new Promise((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(undefined));
      server.listen(port, '127.0.0.1', () => {
        const { port: bound } = server.address();
        server.close(() => resolve(bound));
      });
    });
  return (preferred && (await tryPort(preferred))) || (await tryPort(0));
}

/** Writes <userDataDir>/User/settings.json: VS Code reads it at startup. */
export function writeUserSettings(userDataDir, settings) {
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  writeFileSync(join(userDataDir, 'User', 'settings.json'), JSON.stringify(settings, null, 2) + '\n');
}

// code-server takes $PORT over --bind-addr, and with VSCODE_IPC_HOOK_CLI set (a VS Code terminal)
// it hands the folder to that VS Code instead of serving: neither may leak in.
function codeServerEnv() {
  const env = node24Env();
  for (const key of Object.keys(env)) {
    if (key === 'PORT' || key.startsWith('VSCODE_') || key === 'ELECTRON_RUN_AS_NODE') delete env[key];
  }
  return env;
}

// Every code-server call gets its own config file: otherwise it reads and writes
// ~/.config/code-server/config.yaml, shared with whatever else runs on the machine.
function commonArgs(userDataDir, extensionsDir) {
  const config = join(userDataDir, 'code-server.yaml');
  writeFileSync(config, '');
  return ['--config', config, '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir];
}

/**
 * Installs a VSIX with `code-server --install-extension`. Extensions loaded from
 * --extensionDevelopmentPath never activate in code-server, so a packaged VSIX is the only way in.
 */
export function installVsix({ vsix, userDataDir, extensionsDir }) {
  const { nodeBin, codeServerEntry } = e2ePaths();
  mkdirSync(userDataDir, { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });
  const args = [codeServerEntry, ...commonArgs(userDataDir, extensionsDir), '--install-extension', vsix, '--force'];
  return new Promise((resolve, reject) => {
    const child = spawn(nodeBin, args, { env: codeServerEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0 && /successfully installed/i.test(out)) resolve(out);
      else reject(new Error(`code-server --install-extension ${vsix} failed (exit ${code}):\n${out}`));
    });
  });
}

/**
 * Starts code-server serving `folder` and resolves once its HTTP server answers.
 * It runs in its own process group so that stop() also ends the extension host and every helper
 * it forked. `logFile`, when given, receives its whole output.
 */
export async function startCodeServer({ port, userDataDir, extensionsDir, folder, logFile, timeoutMs = 120_000 }) {
  const { nodeBin, codeServerEntry } = e2ePaths();
  mkdirSync(userDataDir, { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });
  const args = [
    codeServerEntry,
    ...commonArgs(userDataDir, extensionsDir),
    '--auth', 'none',
    '--bind-addr', `127.0.0.1:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    folder,
  ];
  const child = spawn(nodeBin, args, { env: codeServerEnv(), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  const log = logFile ? createWriteStream(logFile) : undefined;
  const onData = (d) => {
    output += d;
    log?.write(d);
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));

  let stopping;
  const stop = () =>
    (stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        killGroup(child.pid, 'SIGTERM');
        const timer = setTimeout(() => killGroup(child.pid, 'SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      killGroup(child.pid, 'SIGKILL'); // helpers that outlived their parent
      liveGroups.delete(child.pid);
      await new Promise((r) => (log ? log.end(r) : r()));
    })());
  liveGroups.set(child.pid, exited);

  const url = `http://127.0.0.1:${port}/`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await stop();
      throw new Error(`code-server exited before serving (${child.exitCode ?? child.signalCode}):\n${output}`);
    }
    try {
      const res = await fetch(new URL('healthz', url), { signal: AbortSignal.timeout(2000) });
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`code-server did not answer on ${url} within ${timeoutMs / 1000} s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    folderUrl: `${url}?folder=${encodeURIComponent(folder)}`,
    pid: child.pid,
    output: () => output,
    exited,
    stop,
  };
}

// Process groups still running when this process exits or is interrupted (a crashed test, a test
// runner's timeout, Ctrl+C) are ended too, so no code-server outlives the run that started it.
// code-server is detached (its own group), so a terminal's Ctrl+C does not reach it by itself.
const liveGroups = new Map(); // process group id -> promise of its leader's exit
function killGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}
process.once('exit', () => {
  for (const pid of liveGroups.keys()) killGroup(pid, 'SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(signal, async () => {
    // Let code-server shut down cleanly (it saves state), then end whatever it left behind.
    for (const pid of liveGroups.keys()) killGroup(pid, 'SIGTERM');
    await Promise.race([Promise.all(liveGroups.values()), new Promise((r) => setTimeout(r, 5000))]);
    for (const pid of liveGroups.keys()) killGroup(pid, 'SIGKILL');
    // Our listener is gone (once): the signal's default action now ends this process as usual.
    process.kill(process.pid, signal);
  });
}
