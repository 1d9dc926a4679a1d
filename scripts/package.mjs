// `npm run package`: a production build and a VSIX for this platform (segment-studio.vsix).
// The VSIX carries only this platform's native binaries: onnxruntime-node ships all of them (~290 MB).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const target = `${process.platform === 'win32' ? 'win32' : process.platform}-${process.arch}`;
const ortPlatforms = ['darwin/arm64', 'darwin/x64', 'linux/arm64', 'linux/x64', 'win32/arm64', 'win32/x64'];
const ours = `${process.platform}/${process.arch}`;

execFileSync(process.execPath, ['esbuild.mjs', '--production'], { stdio: 'inherit' });

mkdirSync('.cache', { recursive: true });
const ignore = readFileSync('.vscodeignore', 'utf8') + ortPlatforms.filter((p) => p !== ours).map((p) => `node_modules/onnxruntime-node/bin/napi-v6/${p}/**\n`).join('');
writeFileSync('.cache/vscodeignore', ignore);

const vsce = require.resolve('@vscode/vsce/vsce');
execFileSync(process.execPath, [vsce, 'package', '--target', target, '--ignoreFile', '.cache/vscodeignore', '--out', 'segment-studio.vsix', '--allow-missing-repository', '--skip-license', '--no-rewrite-relative-links'], {
  stdio: 'inherit',
});
