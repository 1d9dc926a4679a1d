// `npm run gpu:install`: installs the CUDA 12 execution provider of onnxruntime-node, which its own
// install script downloads (from NuGet, outside the npm registry) when asked with
// `--onnxruntime-node-install=cuda12`. The project's .npmrc skips that download by default, so that
// `npm install` works without a network beyond the registry. Needs linux-x64, an NVIDIA driver,
// CUDA 12 and cuDNN 9 for the provider to load; `segment.device: auto` then uses it.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import * as path from 'node:path';

const require = createRequire(import.meta.url);
const ortDir = path.dirname(require.resolve('onnxruntime-node/package.json'));
console.log(`installing the CUDA 12 execution provider into ${ortDir}/bin ...`);
const r = spawnSync(process.execPath, ['script/install.js', '--onnxruntime-node-install=cuda12'], {
  cwd: ortDir,
  stdio: 'inherit',
  env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'cuda12', npm_config_onnxruntime_node_install: 'cuda12' },
});
if (r.status !== 0) {
  console.error('\ngpu:install failed: the CUDA provider comes from api.nuget.org, which must be reachable (a proxy works through GLOBAL_AGENT_HTTPS_PROXY).');
  process.exit(r.status ?? 1);
}
console.log('done: run `segment prelabel <folder> --device cuda` (or set segment.device) to check that it loads.');
