// One build for every side: extension host, worker and CLI (Node, CommonJS) and webviews (browser, IIFE).
// Native and heavyweight runtime modules stay external: they ship in the VSIX's node_modules.
import * as esbuild from 'esbuild';
import { cpSync, mkdirSync, readdirSync } from 'node:fs';

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

if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
  console.log('esbuild: watching');
} else {
  const started = Date.now();
  await Promise.all(builds.map((b) => esbuild.build(b)));
  console.log(`esbuild: built dist/ in ${Date.now() - started} ms`);
}
