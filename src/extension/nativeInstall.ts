/**
 * Installs the optional native acceleration packages into a folder of the extension's storage, the
 * way `npm run gpu:install` does in a checkout: native TensorFlow for training (tfjs-node-gpu with an
 * NVIDIA GPU, else tfjs-node) and, with a GPU, an onnxruntime-node of the shipped version whose own
 * install script adds the CUDA 12 provider (from NuGet). Everything runs in child processes (npm, and
 * a check that loads the result): the extension host never loads tfjs or onnxruntime. npm installs
 * into a staging folder that replaces `<storage>/native` only once complete and loadable, so nothing
 * half-installed is ever in use. No `vscode` import: integration tests drive it directly.
 */
import { spawn } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';

export const TFJS_VERSION = '4.22.0';

export interface InstallPlan {
  nvidia: boolean;
  /** npm package specs, installed by one npm call (separate `--no-save` installs would prune each other). */
  packages: string[];
  /** The training package that the check loads. */
  training: '@tensorflow/tfjs-node-gpu' | '@tensorflow/tfjs-node';
  /** Hosts the install downloads from, for the offline message. */
  hosts: string[];
}

export function planInstall(nvidia: boolean, ortVersion: string, registry?: string): InstallPlan {
  const training = nvidia ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node';
  const registryHost = registry ? hostOf(registry) : 'registry.npmjs.org';
  return {
    nvidia,
    training,
    packages: [`${training}@${TFJS_VERSION}`, ...(nvidia ? [`onnxruntime-node@${ortVersion}`] : [])],
    hosts: [registryHost, 'storage.googleapis.com', ...(nvidia ? ['api.nuget.org'] : [])],
  };
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** `nvidia-smi -L` succeeds: an NVIDIA driver and at least one GPU. */
export function hasNvidiaGpu(): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn('nvidia-smi', ['-L'], { stdio: 'ignore' });
    child.on('error', () => resolve(false));
    child.on('exit', (code) => resolve(code === 0));
  });
}

/** The npm executable on PATH, or undefined. */
export function findNpm(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const names = process.platform === 'win32' ? ['npm.cmd', 'npm.exe'] : ['npm'];
  const pathVar = env.PATH ?? env.Path ?? '';
  for (const dir of pathVar.split(path.delimiter).filter(Boolean)) {
    for (const name of names) if (existsSync(path.join(dir, name))) return path.join(dir, name);
  }
  return undefined;
}

export type FailureKind = 'offline' | 'npm' | 'load' | 'cancelled' | 'no-npm';

export class InstallError extends Error {
  override name = 'InstallError';
  constructor(readonly kind: FailureKind, message: string) {
    super(message);
  }
}

const NETWORK = /\b(ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH|CERT_\w+|UNABLE_TO_GET_ISSUER_CERT\w*)\b|network/i;

/** The reason a failed npm run gives, as one message a user can act on. */
export function classifyNpmFailure(output: string, code: number | null, plan: InstallPlan): InstallError {
  const network = NETWORK.exec(output);
  if (network) {
    const request = /request to (\S+) failed/i.exec(output);
    const where = request ? ` (${hostOf(request[1])}: ${network[1] ?? 'network error'})` : network[1] ? ` (${network[1]})` : '';
    return new InstallError(
      'offline',
      `GPU acceleration could not be downloaded${where}: the install needs a network that reaches ${listHosts(plan.hosts)} ` +
        '(a mirror can be set in segment.gpuInstall.registry, a proxy in npm\'s https-proxy). ' +
        `Training keeps working on the wasm backend${plan.nvidia ? ' and pre-labelling on the CPU' : ''}.`,
    );
  }
  // npm's first sentence says what went wrong; its key/value lines (code, syscall, path) are the fallback.
  const errors = output
    .split('\n')
    .map((l) => /^npm (?:error|ERR!)\s*(.*)$/.exec(l.trim())?.[1]?.trim())
    .filter((l): l is string => !!l && !/^A complete log/.test(l));
  const sentence = errors.find((l) => !/^(code|syscall|path|errno|\w+)$|^(code|syscall|path|errno) /.test(l));
  const lastError = sentence ?? errors.filter((l) => /^(code|syscall) /.test(l)).join(' ');
  return new InstallError('npm', `npm install failed (exit code ${code ?? 'none'})${lastError ? `: ${lastError}` : ''}. Details are in the Segment Studio output. Nothing was changed.`);
}

function listHosts(hosts: string[]): string {
  return hosts.length > 1 ? `${hosts.slice(0, -1).join(', ')} and ${hosts[hosts.length - 1]}` : hosts[0];
}

export interface InstallOptions {
  /** The extension's storage folder: the result lands in `<storage>/native`. */
  storage: string;
  plan: InstallPlan;
  npm: string;
  registry?: string;
  /** Each line of npm's and the check's output. */
  onLine?: (line: string) => void;
  /** The current step, for a progress notification. */
  onStep?: (step: string) => void;
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
}

export const NATIVE_FOLDER = 'native';

/** Installs, checks, and moves the result into `<storage>/native`; returns that folder. */
export async function installNative(o: InstallOptions): Promise<string> {
  await fs.mkdir(o.storage, { recursive: true });
  const staging = await fs.mkdtemp(path.join(o.storage, `${NATIVE_FOLDER}.staging-`));
  try {
    o.onStep?.(`Downloading ${o.plan.packages.map((p) => p.replace('@tensorflow/', '')).join(' and ')}`);
    const args = [
      'install', '--no-save', '--prefix', staging, '--no-audit', '--no-fund', '--ignore-scripts=false',
      '--foreground-scripts', '--loglevel=http',
      // npm's defaults retry for over a minute before saying a host is unreachable.
      '--fetch-retries=2', '--fetch-retry-mintimeout=2000', '--fetch-retry-maxtimeout=10000',
      ...(o.registry ? ['--registry', o.registry] : []),
      ...o.plan.packages,
    ];
    const env: NodeJS.ProcessEnv = { ...(o.env ?? process.env) };
    // onnxruntime-node's install script reads this: add the CUDA 12 provider (a checkout's .npmrc says skip).
    if (o.plan.nvidia) env.ONNXRUNTIME_NODE_INSTALL = 'cuda12';
    else delete env.ONNXRUNTIME_NODE_INSTALL;
    const npm = await runChild(o.npm, args, { cwd: staging, env, onLine: o.onLine, signal: o.signal });
    if (o.signal?.aborted) throw new InstallError('cancelled', 'GPU acceleration install cancelled; nothing was changed.');
    if (npm.code !== 0) throw classifyNpmFailure(npm.output, npm.code, o.plan);

    o.onStep?.(`Checking that ${o.plan.training.replace('@tensorflow/', '')} loads`);
    await checkLoads(staging, o);
    if (o.plan.nvidia && !existsSync(path.join(staging, 'node_modules', 'onnxruntime-node', 'bin', 'napi-v6', process.platform, process.arch, process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so'))) {
      throw new InstallError('npm', "onnxruntime-node's CUDA provider was not downloaded (its install script fetches it from api.nuget.org, for linux-x64 and win32-x64 only). Nothing was changed.");
    }
    o.onStep?.('Moving into place');
    const target = path.join(o.storage, NATIVE_FOLDER);
    await swapIntoPlace(staging, target);
    return target;
  } finally {
    await fs.rm(staging, { recursive: true, force: true }).catch(() => {});
  }
}

/** Loads the training package in a child Node (never in this process): a package that installs but cannot load is not put in use. */
async function checkLoads(staging: string, o: InstallOptions): Promise<void> {
  const pkg = path.join(staging, 'node_modules', o.plan.training);
  const script = `require(${JSON.stringify(pkg)}); console.log('loaded ${o.plan.training}')`;
  const r = await runChild(process.execPath, ['-e', script], { cwd: staging, env: { ...(o.env ?? process.env), ELECTRON_RUN_AS_NODE: '1' }, onLine: o.onLine, signal: o.signal });
  if (o.signal?.aborted) throw new InstallError('cancelled', 'GPU acceleration install cancelled; nothing was changed.');
  if (r.code !== 0) {
    const reason = r.output.split('\n').find((l) => /Error|cannot open shared object/i.test(l))?.trim() ?? `exit code ${r.code}`;
    const needs = o.plan.nvidia ? ' tfjs-node-gpu needs CUDA 11.2 and cuDNN 8.1 (their libraries on the library path).' : '';
    throw new InstallError('load', `${o.plan.training} installed but does not load: ${reason}.${needs} Nothing was changed; training keeps working on the wasm backend.`);
  }
}

/**
 * Makes `staging` the new `target`: the old one is moved aside first and removed after, so a failure
 * at any point leaves either the old folder or the new one in place, never a mix.
 */
export async function swapIntoPlace(staging: string, target: string): Promise<void> {
  const old = `${target}.old-${process.pid}-${Date.now()}`;
  const hadOld = existsSync(target);
  if (hadOld) await fs.rename(target, old);
  try {
    await fs.rename(staging, target);
  } catch (e) {
    if (hadOld) await fs.rename(old, target).catch(() => {});
    throw e;
  }
  if (hadOld) await fs.rm(old, { recursive: true, force: true }).catch(() => {});
}

interface ChildResult {
  code: number | null;
  output: string;
}

function runChild(cmd: string, args: string[], o: { cwd: string; env: NodeJS.ProcessEnv; onLine?: (line: string) => void; signal?: AbortSignal }): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    // npm.cmd is a batch file: Windows runs those only through a shell.
    const child = spawn(cmd, args, { cwd: o.cwd, env: o.env, stdio: ['ignore', 'pipe', 'pipe'], shell: process.platform === 'win32' && cmd.endsWith('.cmd'), windowsHide: true });
    let output = '';
    let partial = '';
    const onData = (d: Buffer) => {
      const text = partial + d.toString();
      const lines = text.split(/\r?\n|\r/);
      partial = lines.pop() ?? '';
      for (const line of lines) {
        output = (output + line + '\n').slice(-200_000);
        if (line.trim()) o.onLine?.(line);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const kill = () => child.kill();
    o.signal?.addEventListener('abort', kill, { once: true });
    child.on('error', (e) => {
      o.signal?.removeEventListener('abort', kill);
      reject(e);
    });
    child.on('close', (code) => {
      o.signal?.removeEventListener('abort', kill);
      if (partial.trim()) o.onLine?.(partial);
      resolve({ code, output: output + partial });
    });
  });
}
