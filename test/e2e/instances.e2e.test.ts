// Instance pre-labels in a real VS Code: "Segment: Pre-label Folder" on a copy of samples/darkfield
// with the shipped default model (instance-capable: it has the embedding head), the instance maps
// written beside the class pre-labels, and the first pre-label opened in the editor's instance mode,
// where each object has a colour of its own. Needs segment-studio.vsix (`npm run package`).
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Frame } from 'playwright-core';
import sharp from 'sharp';
import { REPO_ROOT, withVSCode } from './harness';
import { focusEditor, pressAndWait, setOpacity } from './editorDriver';
import type { PrelabelSidecar } from '../../src/core/prelabel';
import { decodeInstancePng } from '../../src/core/maskCodec';

const VSIX = join(REPO_ROOT, 'segment-studio.vsix');
const SAMPLE = join(REPO_ROOT, 'samples', 'darkfield');
const UNLABELLED = 8;

/** Distinct colours on the editor's canvas that cover at least `minPixels` pixels each. */
async function canvasColours(frame: Frame, minPixels: number): Promise<number> {
  await frame.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  const url = await frame.evaluate(() => (document.querySelector('canvas#view') as HTMLCanvasElement).toDataURL('image/png'));
  const { data, info } = await sharp(Buffer.from(url.slice(url.indexOf(',') + 1), 'base64')).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const counts = new Map<number, number>();
  for (let p = 0; p < data.length; p += info.channels) {
    const [r, g, b] = [data[p], data[p + 1], data[p + 2]];
    // Overlay colours are saturated; the darkfield image under them is dark and grey.
    if (Math.max(r, g, b) - Math.min(r, g, b) < 80) continue;
    const key = (r << 16) | (g << 8) | b;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts.values()].filter((n) => n >= minPixels).length;
}

test('pre-label the sample with the instance-capable default model and see each object in its own colour', { timeout: 12 * 60_000 }, async (t) => {
  assert.ok(existsSync(VSIX), `${VSIX} is missing: run \`npm run package\` first.`);
  const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'models', 'default.json'), 'utf8'));
  assert.ok(manifest.embedding, 'models/default.json has no embedding output: the shipped model should be trained with --instances (npm run train:default)');

  await withVSCode({ name: 'instances', folder: SAMPLE, copyFolder: true, vsix: VSIX }, async (vs) => {
    const prelabels = join(vs.folder, 'prelabels');
    await vs.runCommand('Segment: Pre-label Folder');
    const first = vs.page.locator('.quick-input-widget .quick-input-list .monaco-list-row').first();
    await first.waitFor({ state: 'visible' });
    await vs.page.keyboard.press('Enter');
    const summary = await vs.waitForNotification(/^Pre-labelled darkfield on CPU/, 300_000);
    t.diagnostic(`summary: ${summary}`);

    // One 16-bit instance map per pre-label, objects counted in the sidecars.
    const maps = readdirSync(join(prelabels, 'instances')).filter((n) => n.endsWith('.png'));
    assert.equal(maps.length, UNLABELLED);
    const sidecars: PrelabelSidecar[] = readdirSync(prelabels).filter((n) => n.endsWith('.json')).map((n) => JSON.parse(readFileSync(join(prelabels, n), 'utf8')));
    assert.equal(sidecars.length, UNLABELLED);
    const firstImage = sidecars.map((s) => s.image).sort()[0];
    const firstSidecar = sidecars.find((s) => s.image === firstImage)!;
    const stem = firstImage.replace(/^images\//, '').replace(/\.[^.]+$/, '');
    const map = decodeInstancePng(readFileSync(join(prelabels, 'instances', `${stem}.png`)));
    assert.ok(map.ids instanceof Uint16Array);
    const ids = new Set(map.ids);
    ids.delete(0);
    t.diagnostic(`${firstImage}: ${firstSidecar.instances} objects in the sidecar, ${ids.size} ids in the map; objects per image: ${sidecars.map((s) => s.instances).join(', ')}`);
    assert.equal(ids.size, firstSidecar.instances);
    assert.ok(ids.size >= 4, `the first pre-label has ${ids.size} objects; the sample's images show several cells each`);

    // The first pre-label in the editor, in instance mode: a colour per object, not per class.
    await vs.page.locator('.notifications-toasts .monaco-button', { hasText: 'Open First Pre-label' }).first().click();
    await vs.waitForActiveTab(firstImage.split('/').pop()!);
    const frame = await vs.findWebviewFrame('canvas#view');
    await frame.waitForFunction(() => document.body.dataset.ready === 'true', null, { timeout: 60_000 });
    assert.equal(await frame.evaluate(() => document.body.dataset.maskSource), 'prelabel');
    await setOpacity(frame, 100);
    const classColours = await canvasColours(frame, 40);
    await focusEditor(frame);
    await pressAndWait(vs, frame, 'Shift+I', 'instanceMode', 'true');
    const instanceColours = await canvasColours(frame, 40);
    t.diagnostic(`distinct overlay colours: ${classColours} by class, ${instanceColours} in instance mode (${ids.size} objects)`);
    assert.ok(classColours <= 3, `by class the overlay shows ${classColours} colours`);
    assert.ok(instanceColours >= Math.min(ids.size, 8) - 1 && instanceColours > classColours, `instance mode shows ${instanceColours} colours for ${ids.size} objects`);
    await setOpacity(frame, 60);
    await vs.screenshot('instances-editor-dark');
    await vs.setColorTheme('Light Modern', 'vs');
    await vs.screenshot('instances-editor-light');
  });
});
