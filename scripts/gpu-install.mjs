// `npm run gpu:install`: opt-in native acceleration, installed where a network exists (the packages
// download binaries from outside the npm registry at install time, so they are never dependencies).
//   training: @tensorflow/tfjs-node-gpu (CUDA 11.2 + cuDNN 8.1) when an NVIDIA GPU is present,
//             else @tensorflow/tfjs-node (native TensorFlow on the CPU).
// The training backend chain picks them up at run time: tfjs-node-gpu -> tfjs-node -> wasm.
import { spawnSync } from 'node:child_process';

const TFJS = '4.22.0';
const hasNvidia = spawnSync('nvidia-smi', ['-L'], { encoding: 'utf8' }).status === 0;
const wanted = process.argv.includes('--cpu') || !hasNvidia ? `@tensorflow/tfjs-node@${TFJS}` : `@tensorflow/tfjs-node-gpu@${TFJS}`;
console.log(`gpu:install: ${hasNvidia ? 'NVIDIA GPU found' : 'no NVIDIA GPU found'}; installing ${wanted} for training`);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const r = spawnSync(npm, ['install', '--no-save', wanted], { stdio: 'inherit' });
if (r.status !== 0) {
  console.error(
    `gpu:install: installing ${wanted} failed. It downloads libtensorflow from storage.googleapis.com at install time: ` +
      'this needs a network beyond the npm registry. Training keeps working on the wasm backend.',
  );
  process.exit(1);
}
console.log(`gpu:install: done. \`segment train\` now reports the backend it uses (tensorflow-gpu or tensorflow).`);
