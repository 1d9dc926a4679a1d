// "Segment: Install GPU Acceleration" in a real VS Code, made deterministic without the internet: the
// registry setting points npm at a closed local port, so the real npm fails at once with a connection
// error. The progress notification shows the step, the failure says what network the install needs,
// and nothing is left in the extension's storage.
// Needs segment-studio.vsix (`npm run package`) and the e2e tools (`node scripts/e2e-setup.mjs`).
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { closedPort } from '../helpers/net';
import { REPO_ROOT, withVSCode } from './harness';

const VSIX = join(REPO_ROOT, 'segment-studio.vsix');
const SAMPLE = join(REPO_ROOT, 'samples', 'darkfield');

test('Install GPU Acceleration without a reachable registry: progress, a clear offline message, nothing left in storage', { timeout: 10 * 60_000 }, async () => {
  assert.ok(existsSync(VSIX), `${VSIX} is missing: run \`npm run package\` first.`);
  const port = await closedPort();
  const settings = { 'segment.gpuInstall.registry': `http://127.0.0.1:${port}/` };
  await withVSCode({ name: 'gpu-install', folder: SAMPLE, vsix: VSIX, settings }, async (vs) => {
    await vs.runCommand('Segment: Install GPU Acceleration');
    const progress = await vs.waitForNotification(/Downloading tfjs-node(-gpu)?@4\.22\.0/, 60_000);
    assert.match(progress, /Downloading/);
    await vs.screenshot('gpu-install-progress');
    const message = await vs.waitForNotification(/could not be downloaded/, 180_000);
    assert.match(message, new RegExp(`127\\.0\\.0\\.1:${port}: ECONNREFUSED`));
    assert.match(message, new RegExp(`needs a network that reaches 127\\.0\\.0\\.1:${port}, storage\\.googleapis\\.com|needs a network that reaches 127\\.0\\.0\\.1:${port} and storage\\.googleapis\\.com`));
    assert.match(message, /Training keeps working on the wasm backend/);
    await vs.screenshot('gpu-install-offline');
    const storage = join(vs.tempDir, 'user-data', 'User', 'globalStorage', 'segment-studio.segment-studio');
    assert.ok(existsSync(storage), `the install staged in the extension's storage, ${storage}`);
    const left = readdirSync(storage).filter((n) => n.startsWith('native'));
    assert.deepEqual(left, [], `nothing half-installed in ${storage}`);
  });
});
