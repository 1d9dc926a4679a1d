// `npm run gpu:install`: opt-in native acceleration, installed where a network exists. Both parts
// download binaries from outside the npm registry at install time, so neither is a dependency and
// `npm install` works with the registry alone.
//   inference: the CUDA 12 execution provider of onnxruntime-node (its own installer fetches it from
//              NuGet when asked with --onnxruntime-node-install=cuda12; the project's .npmrc skips it).
//              Needs linux-x64, an NVIDIA driver, CUDA 12 and cuDNN 9; `segment.device: auto` uses it.
//   training:  @tensorflow/tfjs-node-gpu (CUDA 11.2 + cuDNN 8.1) with an NVIDIA GPU, else
//              @tensorflow/tfjs-node (native TensorFlow on the CPU). The training backend chain picks
//              them up at run time: tfjs-node-gpu -> tfjs-node -> wasm.
// `--cpu` installs only tfjs-node; `--inference` / `--training` install one part.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import * as path from 'node:path';

const TFJS = '4.22.0';
const args = process.argv.slice(2);
const hasNvidia = spawnSync('nvidia-smi', ['-L'], { encoding: 'utf8' }).status === 0;
const cpuOnly = args.includes('--cpu') || !hasNvidia;
const only = args.includes('--inference') ? 'inference' : args.includes('--training') ? 'training' : undefined;
console.log(`gpu:install: ${hasNvidia ? 'NVIDIA GPU found' : 'no NVIDIA GPU found'}`);

let failed = false;

if (!cpuOnly && only !== 'training') {
  const ortDir = path.dirname(createRequire(import.meta.url).resolve('onnxruntime-node/package.json'));
  console.log(`gpu:install: the CUDA 12 execution provider of onnxruntime-node, into ${ortDir}/bin`);
  const r = spawnSync(process.execPath, ['script/install.js', '--onnxruntime-node-install=cuda12'], {
    cwd: ortDir,
    stdio: 'inherit',
    env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'cuda12', npm_config_onnxruntime_node_install: 'cuda12' },
  });
  if (r.status !== 0) {
    failed = true;
    console.error('gpu:install: the CUDA provider comes from api.nuget.org, which must be reachable (a proxy works through GLOBAL_AGENT_HTTPS_PROXY). Pre-labelling keeps working on the CPU.');
  }
}

if (only !== 'inference') {
  const wanted = cpuOnly ? `@tensorflow/tfjs-node@${TFJS}` : `@tensorflow/tfjs-node-gpu@${TFJS}`;
  console.log(`gpu:install: ${wanted}, for training`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(npm, ['install', '--no-save', wanted], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed = true;
    console.error(`gpu:install: ${wanted} downloads libtensorflow from storage.googleapis.com at install time, which must be reachable. Training keeps working on the wasm backend.`);
  }
}

if (failed) process.exit(1);
console.log('gpu:install: done. `segment prelabel --device cuda` and `segment train` report the provider and backend they use.');
