// The GPU install's parts that need no network: real npm runs that fail (a closed port, a registry that
// never answers, a package that does not exist), the message each failure gives, the folder swap, and
// the worker environment (and restart) that points training and inference at the installed packages.
import { test } from 'node:test';
import { closedPort } from '../helpers/net';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { classifyNpmFailure, findNpm, installNative, InstallError, planInstall, swapIntoPlace } from '../../src/extension/nativeInstall';
import { setNativeModuleFolders, workerEnv } from '../../src/extension/workerClient';
import { startWorker } from '../helpers/worker';
import { installedOrtWithCuda } from '../../src/engine/inference/ort';

function tempStorage(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'gpu-install-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const npm = findNpm();

test('npm is found on PATH (the tests below run the real one)', () => {
  assert.ok(npm, 'npm is on PATH');
  assert.equal(findNpm({ PATH: path.join(tmpdir(), 'no-such-dir') }), undefined);
});

test('a registry that refuses connections: the offline message, and nothing left in storage', { timeout: 180_000 }, async (t) => {
  const storage = tempStorage(t);
  const registry = `http://127.0.0.1:${await closedPort()}/`;
  const plan = planInstall(false, '1.30.0', registry);
  assert.deepEqual(plan.packages, ['@tensorflow/tfjs-node@4.22.0']);
  const steps: string[] = [];
  const error = await installNative({ storage, plan, npm: npm!, registry, onStep: (s) => steps.push(s) }).then(
    () => assert.fail('the install cannot succeed without a registry'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof InstallError, String(error));
  assert.equal(error.kind, 'offline', error.message);
  assert.match(error.message, /needs a network that reaches 127\.0\.0\.1:\d+ and storage\.googleapis\.com/);
  assert.match(error.message, /ECONNREFUSED/);
  assert.match(error.message, /Training keeps working on the wasm backend/);
  assert.deepEqual(steps, ['Downloading tfjs-node@4.22.0']);
  assert.deepEqual(readdirSync(storage), [], 'no staging or native folder is left');
});

test('a package npm cannot install (not a network problem) says what npm said', { timeout: 180_000 }, async (t) => {
  const storage = tempStorage(t);
  const missing = path.join(storage, 'no-such-package');
  const plan = { ...planInstall(false, '1.30.0'), packages: [`file:${missing}`] };
  const error = await installNative({ storage, plan, npm: npm!, env: { ...process.env, npm_config_offline: 'true' } }).then(
    () => assert.fail('a missing local package cannot install'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof InstallError, String(error));
  assert.equal(error.kind, 'npm', error.message);
  assert.match(error.message, /^npm install failed \(exit code \d+\): .*Could not read package.json: .*no-such-package/);
  assert.deepEqual(readdirSync(storage), []);
});

test('Cancel kills npm while it waits on a registry that never answers; nothing is left', { timeout: 180_000 }, async (t) => {
  const storage = tempStorage(t);
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => sockets.add(s)); // accepts, never answers
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  const registry = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/`;
  const controller = new AbortController();
  server.on('connection', () => setTimeout(() => controller.abort(), 200));
  const error = await installNative({ storage, plan: planInstall(false, '1.30.0', registry), npm: npm!, registry, signal: controller.signal }).then(
    () => assert.fail('cancelled'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof InstallError, String(error));
  assert.equal(error.kind, 'cancelled');
  assert.ok(sockets.size > 0, 'npm had reached the registry');
  assert.deepEqual(readdirSync(storage), []);
});

test('npm output is classified: network errors as offline with the host, others with npm\'s own words', () => {
  const plan = planInstall(true, '1.30.0');
  assert.deepEqual(plan.packages, ['@tensorflow/tfjs-node-gpu@4.22.0', 'onnxruntime-node@1.30.0']);
  const offline = classifyNpmFailure('npm error code ENOTFOUND\nnpm error request to https://registry.npmjs.org/@tensorflow%2ftfjs-node-gpu failed, reason: getaddrinfo ENOTFOUND registry.npmjs.org\n', 1, plan);
  assert.equal(offline.kind, 'offline');
  assert.match(offline.message, /\(registry\.npmjs\.org: ENOTFOUND\)/);
  assert.match(offline.message, /registry\.npmjs\.org, storage\.googleapis\.com and api\.nuget\.org/);
  assert.match(offline.message, /pre-labelling on the CPU/);
  const script = classifyNpmFailure('* Downloading libtensorflow\nError: connect ETIMEDOUT 142.250.1.1:443\nnpm error command failed\n', 1, plan);
  assert.equal(script.kind, 'offline');
  assert.match(script.message, /\(ETIMEDOUT\)/);
  const other = classifyNpmFailure('npm error code EACCES\nnpm error syscall mkdir\nnpm error A complete log of this run can be found in: x.log\n', 243, plan);
  assert.equal(other.kind, 'npm');
  assert.equal(other.message, 'npm install failed (exit code 243): code EACCES syscall mkdir. Details are in the Segment Studio output. Nothing was changed.');
});

test('swapIntoPlace replaces the old folder whole, and keeps it when the new one cannot move in', async (t) => {
  const storage = tempStorage(t);
  const target = path.join(storage, 'native');
  const write = (dir: string, text: string) => {
    mkdirSync(path.join(dir, 'node_modules'), { recursive: true });
    writeFileSync(path.join(dir, 'node_modules', 'marker.txt'), text);
  };
  write(path.join(storage, 'stage1'), 'first');
  await swapIntoPlace(path.join(storage, 'stage1'), target);
  assert.equal(readFileSync(path.join(target, 'node_modules', 'marker.txt'), 'utf8'), 'first');
  write(path.join(storage, 'stage2'), 'second');
  await swapIntoPlace(path.join(storage, 'stage2'), target);
  assert.equal(readFileSync(path.join(target, 'node_modules', 'marker.txt'), 'utf8'), 'second');
  assert.deepEqual(readdirSync(storage), ['native'], 'the old folder is removed');
  await assert.rejects(swapIntoPlace(path.join(storage, 'missing-stage'), target), /ENOENT/);
  assert.equal(readFileSync(path.join(target, 'node_modules', 'marker.txt'), 'utf8'), 'second', 'the installed folder survives a failed swap');
  assert.deepEqual(readdirSync(storage), ['native']);
});

test('the worker environment puts the installed folder first in SEGMENT_NATIVE_MODULES; inference takes an onnxruntime-node with the CUDA provider from it', (t) => {
  const env = workerEnv({ PATH: '/usr/bin', SEGMENT_NATIVE_MODULES: `/opt/a${path.delimiter}/opt/b` }, ['/storage/native', '/opt/b']);
  assert.equal(env.SEGMENT_NATIVE_MODULES, ['/storage/native', '/opt/b', '/opt/a'].join(path.delimiter));
  assert.equal(env.ELECTRON_RUN_AS_NODE, '1');
  assert.equal(workerEnv({ PATH: '/usr/bin' }, []).SEGMENT_NATIVE_MODULES, undefined);

  const storage = tempStorage(t);
  const ortDir = path.join(storage, 'native', 'node_modules', 'onnxruntime-node');
  const bin = path.join(ortDir, 'bin', 'napi-v6', process.platform, process.arch);
  mkdirSync(bin, { recursive: true });
  const env2 = { SEGMENT_NATIVE_MODULES: path.join(storage, 'native') };
  assert.equal(installedOrtWithCuda(env2), undefined, 'a copy without the CUDA provider is not preferred to the shipped one');
  writeFileSync(path.join(bin, process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so'), '');
  assert.equal(installedOrtWithCuda(env2), ortDir);
});

test('after an install, an idle worker is restarted at its next job with the new folders', async (t) => {
  const worker = startWorker(t);
  t.after(() => setNativeModuleFolders([]));
  const first = await worker.run('ping', { echo: 'a' });
  assert.equal((await worker.run('ping', { echo: 'b' })).pid, first.pid, 'unchanged folders: the same worker');
  setNativeModuleFolders([tempStorage(t)]);
  const second = await worker.run('ping', { echo: 'c' });
  assert.notEqual(second.pid, first.pid, 'a new worker with the new SEGMENT_NATIVE_MODULES');
  assert.equal((await worker.run('ping', { echo: 'd' })).pid, second.pid);
});
