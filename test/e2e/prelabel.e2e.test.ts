// Pre-labelling in a real VS Code: "Segment: Pre-label Folder" on a copy of samples/darkfield with
// a test-built model set through `segment.model`, its progress notification and summary, the first
// pre-label opened in the segmentation editor, the editor's Predict button, and "Label Next Most
// Uncertain Image". Needs segment-studio.vsix (`npm run package`) and the e2e tools.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT, withVSCode } from './harness';
import { pixelModel } from '../helpers/onnxModels';
import type { PrelabelSidecar } from '../../src/core/prelabel';

const VSIX = join(REPO_ROOT, 'segment-studio.vsix');
const SAMPLE = join(REPO_ROOT, 'samples', 'darkfield');
const UNLABELLED = 8;

function hashes(dir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(dir).sort().map((n) => [n, createHash('sha256').update(readFileSync(join(dir, n))).digest('hex')]));
}

function sidecars(dir: string): PrelabelSidecar[] {
  return existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith('.json')).map((n) => JSON.parse(readFileSync(join(dir, n), 'utf8'))) : [];
}

test('pre-label a folder, review the first pre-label, predict, and label the most uncertain image', { timeout: 12 * 60_000 }, async (t) => {
  assert.ok(existsSync(VSIX), `${VSIX} is missing: run \`npm run package\` first.`);
  const models = mkdtempSync(join(tmpdir(), 'e2e-models-'));
  t.after(() => rmSync(models, { recursive: true, force: true }));
  // The darkfield pixel model at the images' own size, with a zero-weighted convolution branch
  // that makes each image take a visible moment.
  const model = pixelModel(models, 'darkfield-pixels', { work: { width: 64, depth: 4 } }, { size: [288, 384] }).onnx;

  await withVSCode({ name: 'prelabel', folder: SAMPLE, copyFolder: true, vsix: VSIX, settings: { 'segment.model': model } }, async (vs) => {
    const prelabels = join(vs.folder, 'prelabels');
    const masksBefore = hashes(join(vs.folder, 'masks'));

    await vs.runCommand('Segment: Pre-label Folder');
    // Which images: the default (first) entry skips those with a human mask.
    const first = vs.page.locator('.quick-input-widget .quick-input-list .monaco-list-row').first();
    await first.waitFor({ state: 'visible' });
    assert.match((await first.textContent()) ?? '', /Images without a human mask/);
    await vs.page.keyboard.press('Enter');

    const progress = await vs.waitForNotification(/[1-7] \/ 8 · [\d.]+ images\/s · \d+ s left/, 120_000);
    t.diagnostic(`progress: ${progress}`);
    await vs.screenshot('prelabel-progress');
    const summary = await vs.waitForNotification(/^Pre-labelled darkfield on CPU/, 300_000);
    t.diagnostic(`summary: ${summary}`);
    assert.match(summary, /8 written, 24 skipped \(24 have a human mask\)/);
    await vs.screenshot('prelabel-summary');

    const written = sidecars(prelabels);
    assert.equal(written.length, UNLABELLED);
    assert.equal(readdirSync(prelabels).filter((n) => n.endsWith('.png')).length, UNLABELLED);
    assert.ok(written.every((s) => s.executionProvider === 'cpu' && s.model.name === 'darkfield-pixels'));
    assert.deepEqual(hashes(join(vs.folder, 'masks')), masksBefore, 'masks/ unchanged');

    // Open the first pre-label from the summary: the editor shows it as an unreviewed pre-label.
    const firstImage = written.map((s) => s.image).sort()[0];
    await vs.page.locator('.notifications-toasts .monaco-button', { hasText: 'Open First Pre-label' }).first().click();
    await vs.waitForActiveTab(firstImage.split('/').pop()!);
    const frame = await vs.findWebviewFrame('canvas#view');
    await frame.waitForFunction(() => document.body.dataset.ready === 'true', null, { timeout: 60_000 });
    assert.equal(await frame.evaluate(() => document.body.dataset.maskSource), 'prelabel');
    await vs.screenshot('prelabel-editor');

    // Predict from the editor's title bar writes that image's pre-label again.
    const before = written.find((s) => s.image === firstImage)!.createdAt;
    await vs.page.locator('.editor-actions .action-label[aria-label*="Predict"]').first().click();
    const sidecar = join(prelabels, firstImage.replace(/^images\//, '').replace(/\.jpg$/, '.json'));
    const deadline = Date.now() + 120_000;
    while (JSON.parse(readFileSync(sidecar, 'utf8')).createdAt === before) {
      assert.ok(Date.now() < deadline, `Predict did not rewrite ${sidecar}`);
      await new Promise((r) => setTimeout(r, 250));
    }

    // The most uncertain unlabelled image, by the sidecars on disk.
    const expected = sidecars(prelabels).reduce((a, b) => (b.meanEntropy! > a.meanEntropy! ? b : a));
    await vs.runCommand('Segment: Label Next Most Uncertain Image');
    await vs.waitForActiveTab(expected.image.split('/').pop()!, 60_000);
    t.diagnostic(`most uncertain: ${expected.image} (${expected.meanEntropy})`);
    t.diagnostic(vs.actions.join('; '));
  });
});
