// One build for every side: extension host, worker and CLI (Node, CommonJS) and webviews (browser, IIFE).
// Native and heavyweight runtime modules stay external: they ship in the VSIX's node_modules.
import * as esbuild from 'esbuild';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, renameSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
// tfjs-node and tfjs-node-gpu are opt-in native installs (npm run gpu:install), loaded only when present.
const NATIVE = ['sharp', 'onnxruntime-node', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'];

const common = {
  bundle: true,
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'warning',
};

const builds = [
  { ...common, entryPoints: { extension: 'src/extension/extension.ts' }, outdir: 'dist', platform: 'node', format: 'cjs', target: 'node20', external: ['vscode', ...NATIVE] },
  { ...common, entryPoints: { worker: 'src/engine/worker.ts', cli: 'src/cli/cli.ts', statsThread: 'src/engine/statsThread.ts', finishThread: 'src/engine/prelabel/finishThread.ts' }, outdir: 'dist', platform: 'node', format: 'cjs', target: 'node20', external: NATIVE },
  { ...common, entryPoints: { editor: 'src/webview/editor/main.ts', stats: 'src/webview/stats/main.ts', eval: 'src/webview/eval/main.ts', compare: 'src/webview/compare/main.ts', training: 'src/webview/training/main.ts' }, outdir: 'dist/webview', platform: 'browser', format: 'iife', target: 'chrome120' },
];

// The codicon font for @vscode-elements icons (webviewHtml's `codicons: true` links it).
mkdirSync('dist/webview/codicons', { recursive: true });
for (const f of ['codicon.css', 'codicon.ttf']) cpSync(`node_modules/@vscode/codicons/dist/${f}`, `dist/webview/codicons/${f}`);

// The wasm backend's binaries ship beside dist/worker.js and dist/cli.js (found there by setWasmPaths).
const WASM_DIR = 'node_modules/@tensorflow/tfjs-backend-wasm/dist';
for (const f of readdirSync(WASM_DIR).filter((f) => f.endsWith('.wasm'))) cpSync(`${WASM_DIR}/${f}`, `dist/${f}`);

// The C++ kernels of the wasm training backend (native/, src/engine/training/nativeKernels.ts):
// plain g++ against Node's own N-API headers, no node-gyp. Optional: without a compiler training
// runs on the TypeScript kernels and XNNPACK, a few times slower. target_clones in the source picks
// AVX-512, AVX2 or plain x86-64 code at load time, so the module runs on any x86-64 CPU.
function buildNativeKernels() {
  const sources = readdirSync('native').map((f) => `native/${f}`);
  const out = 'dist/training-kernels.node';
  if (existsSync(out) && sources.every((f) => statSync(out).mtimeMs >= statSync(f).mtimeMs)) return;
  // Node's headers: beside this Node (Debian's /usr/include/node, official tarballs), or where npm's
  // nodedir points (what node-gyp would use).
  const headerDirs = [process.env.npm_config_nodedir, join(dirname(process.execPath), '..')].filter(Boolean).map((d) => join(d, 'include', 'node'));
  const headers = headerDirs.find((d) => existsSync(join(d, 'node_api.h')));
  const skip = (why) => console.log(`esbuild: the C++ training kernels are not built (${why}); training uses the TypeScript ones`);
  if (process.platform !== 'linux' || process.arch !== 'x64') return skip(`${process.platform}-${process.arch}`);
  if (!headers) return skip(`no node_api.h in ${headerDirs.join(' or ')}`);
  const temp = `${out}.${process.pid}.tmp`;
  const args = ['-O3', '-std=c++17', '-shared', '-fPIC', '-pthread', '-fvisibility=hidden', `-I${headers}`, ...sources.filter((f) => f.endsWith('.cc')), '-o', temp];
  const r = spawnSync('g++', args, { encoding: 'utf8' });
  if (r.status !== 0) return skip(`g++ ${r.error ? r.error.message : r.stderr.trim().split('\n').slice(0, 3).join(' ')}`);
  renameSync(temp, out);
}
mkdirSync('dist', { recursive: true });
buildNativeKernels();

if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
  console.log('esbuild: watching');
} else {
  const started = Date.now();
  await Promise.all(builds.map((b) => esbuild.build(b)));
  console.log(`esbuild: built dist/ in ${Date.now() - started} ms`);
}
