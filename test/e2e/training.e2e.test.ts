// "Segment: Train on Workspace" in a real VS Code: pick the settings, watch the Training panel's
// charts fill in, Stop, and "Use for pre-labelling", which sets segment.model to the new model.
// Needs segment-studio.vsix (`npm run package`) and the e2e tools (`node scripts/e2e-setup.mjs`).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Frame, Page } from 'playwright-core';
import { REPO_ROOT, withVSCode } from './harness';

const VSIX = join(REPO_ROOT, 'segment-studio.vsix');
const SAMPLE = join(REPO_ROOT, 'samples', 'darkfield');

/**
 * Types into the quick input titled `title` (when given) and accepts the first row that matches
 * (Enter). Waiting for the title keeps the keys out of the previous picker while it closes.
 */
async function quickInput(page: Page, text: string, what: string, title?: string): Promise<void> {
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor({ state: 'visible', timeout: 30_000 }).catch(() => {
    throw new Error(`no quick input open for ${what}`);
  });
  if (title) {
    await page.waitForFunction(
      (t) => (document.querySelector('.quick-input-widget .quick-input-title')?.textContent ?? '').includes(t),
      title,
      { timeout: 30_000 },
    ).catch(async () => {
      throw new Error(`the quick input for ${what} is not titled "${title}": "${await page.locator('.quick-input-widget .quick-input-title').textContent()}"`);
    });
  }
  await input.fill(text);
  // Filtering is asynchronous: wait until the list shows the wanted row first.
  if (text && !/^\d+$/.test(text)) {
    await page.waitForFunction(
      (t) => {
        const row = document.querySelector('.quick-input-widget .quick-input-list .monaco-list-row .label-name');
        return !!row && (row.textContent ?? '').toLowerCase().includes(t.toLowerCase());
      },
      text,
      { timeout: 15_000 },
    ).catch(() => {
      throw new Error(`the quick input lists no "${text}" for ${what}`);
    });
  }
  await page.keyboard.press('Enter');
}

async function text(frame: Frame, selector: string): Promise<string> {
  return frame.evaluate((s) => document.querySelector(s)?.textContent?.trim() ?? '', selector);
}

test('train on the sample: charts, Stop, and "Use for pre-labelling" sets segment.model', { timeout: 15 * 60_000 }, async (t) => {
  assert.ok(existsSync(VSIX), `${VSIX} is missing: run \`npm run package\` first.`);
  await withVSCode({ name: 'training', folder: SAMPLE, copyFolder: true, vsix: VSIX, viewport: { width: 1400, height: 1000 } }, async (vs) => {
    const page = vs.page;
    await vs.runCommand('Segment: Train on Workspace');
    // The settings menu: small tiles and 4 epochs keep it quick; semi-supervised stays on (8 unlabelled images).
    await quickInput(page, 'Tile size', 'the settings menu', 'Train on darkfield');
    await quickInput(page, '128 px', 'the tile sizes', 'Tile size');
    await quickInput(page, 'Epochs', 'the settings menu', 'Train on darkfield');
    await quickInput(page, '4', 'the epochs input', 'Epochs');
    await page.waitForFunction(() => (document.querySelector('.quick-input-widget .quick-input-title')?.textContent ?? '').includes('Train on'), null, { timeout: 30_000 });
    const menu = await page.locator('.quick-input-widget .quick-input-list').innerText();
    assert.match(menu, /Semi-supervised: on \(8 unlabelled images\)/, menu);
    await vs.screenshot('training-settings');
    await quickInput(page, 'Start training', 'the settings menu', 'Train on darkfield');

    const frame = await vs.findWebviewFrame('#loss-chart', { timeoutMs: 60_000 });
    // The editor's worker stays free while training runs in its own process.
    await vs.runCommand('Segment: Check Background Worker');
    await vs.waitForNotification(/worker is running/, 60_000);

    // Live charts: loss points every step, a validation mIoU point after each epoch (4 steps here): wait for two.
    await frame.waitForFunction(() => document.querySelectorAll('#miou-chart circle').length >= 2, null, { timeout: 8 * 60_000 }).catch(async () => {
      throw new Error(`no validation point appeared; panel: ${await text(frame, '#app')}; notifications: ${JSON.stringify(await vs.notifications())}`);
    });
    const lossPoints = await frame.evaluate(() => (document.querySelector('#loss-chart path.series-loss')?.getAttribute('d') ?? '').split(/[ML]/).filter(Boolean).length);
    assert.ok(lossPoints >= 4, `the loss chart has ${lossPoints} points`);
    assert.match(await text(frame, '#backend'), /^wasm \(SIMD, \d+ threads?, C\+\+ kernels\)$/);
    assert.match(await text(frame, '#speed'), /images\/s/);
    assert.match(await text(frame, '#left'), /\d+ (s|min)/);
    assert.match(await text(frame, '#classes'), /red blood cell.*\d+\.\d%/s);
    const previews = await frame.evaluate(() => document.querySelectorAll('#previews img.overlay').length);
    assert.ok(previews >= 1, 'validation images with their predictions are shown');
    await vs.screenshot('training-panel-running-dark');

    await frame.click('#stop');
    await frame.waitForFunction(() => document.querySelector('#status')?.textContent === 'Stopped', null, { timeout: 5 * 60_000 });
    const banner = await text(frame, '#banner-text');
    assert.match(banner, /Stopped after step \d+\. Best validation mIoU \d+\.\d% \(step \d+\); the model is models\/unet-[\d-]+\/model\.onnx\./);
    // The run is over: the status bar item is gone and no Stop button is left.
    await page.waitForFunction(() => !(document.querySelector('.statusbar')?.textContent ?? '').includes('Training: step'), null, { timeout: 10_000 });
    assert.equal(await frame.evaluate(() => document.querySelector('#stop')?.hasAttribute('hidden')), true);
    await frame.click('#use');
    await frame.waitForFunction(() => document.querySelector('#use')?.textContent === 'Used for pre-labelling', null, { timeout: 30_000 });

    const settingsFile = join(vs.folder, '.vscode', 'settings.json');
    const model = JSON.parse(readFileSync(settingsFile, 'utf8'))['segment.model'] as string;
    t.diagnostic(`segment.model = ${model}`);
    assert.ok(model.startsWith(join(vs.folder, 'models')) && model.endsWith('model.onnx'), model);
    assert.ok(existsSync(model) && existsSync(model.replace(/\.onnx$/, '.json')), 'the model and its manifest are on disk');
    const manifest = JSON.parse(readFileSync(model.replace(/\.onnx$/, '.json'), 'utf8'));
    assert.equal(manifest.format, 'segment-studio-model/1');
    await vs.screenshot('training-panel-stopped-dark');

    // The panel follows the theme.
    await vs.runCommand('Preferences: Color Theme');
    await quickInput(page, 'Light Modern', 'the colour themes');
    await page.waitForTimeout(1500);
    await vs.screenshot('training-panel-stopped-light');
    t.diagnostic(vs.actions.join('; '));
  });
});
