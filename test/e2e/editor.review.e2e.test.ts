// Reviewing in a real VS Code: accepting a pre-label writes masks/ and leaves prelabels/ byte for
// byte; comparison with a pre-label and with a prediction (segment.openComparison) counts what
// the files say; images wider than the GPU's largest texture are tiled; bad input is reported with
// choices and nothing is overwritten without one; an image outside any dataset gets a segment.json;
// N / U / Alt+N move through the dataset; instance mode writes a 16-bit instances/ file. Leaves
// screenshots in dark, light and high-contrast themes in test-results/.
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Frame } from 'playwright-core';
import sharp from 'sharp';
import { readMaskIndependently, writeIdsWithSharp } from '../helpers/dataset';
import { REPO_ROOT, withVSCode } from './harness';
import {
  activeTab, assertPainted, brushFootprint, dataset, drag, editorFrame, focusEditor, openInEditor, pressAndWait, waitDirty, waitFor,
  answerFileDialog, OPEN_IMAGES_IN_EDITOR, setOpacity,
} from './editorDriver';

const VSIX = join(REPO_ROOT, 'segment-studio.vsix');
const SAMPLE = join(REPO_ROOT, 'samples', 'darkfield');
const W = 384;
const H = 288;

async function waitForFile(file: string, since = 0): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!existsSync(file) || statSync(file).mtimeMs <= since) {
    if (Date.now() > deadline) throw new Error(`${file} was not written`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A plausible model output for an image: its bright blobs as class 1 (red blood cells). */
async function thresholdPrelabel(image: string, file: string): Promise<void> {
  const { data, info } = await sharp(image).greyscale().blur(2).raw().toBuffer({ resolveWithObject: true });
  const ids = new Uint8Array(info.width * info.height);
  for (let i = 0; i < ids.length; i++) ids[i] = data[i] > 70 ? 1 : 0;
  await writeIdsWithSharp(file, ids, info.width, info.height);
}

/** The mask shifted right by `dx` pixels, without class `drop`: a prediction with errors of every kind. */
function perturbed(ids: Uint8Array, dx: number, drop: number): Uint8Array {
  const out = new Uint8Array(ids.length);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    const v = x - dx >= 0 ? ids[y * W + x - dx] : 0;
    out[y * W + x] = v === drop ? 0 : v;
  }
  return out;
}

/** Class ids of a mask file through libvips: palette masks by colour, grayscale ones as they are. */
async function readIds(file: string): Promise<Uint8Array> {
  if ((await sharp(file).metadata()).isPalette) return (await readMaskIndependently(file)).ids;
  const { data, info } = await sharp(file).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  assert.equal(info.channels, 1);
  return new Uint8Array(data);
}

/** Switches the colour theme as a user does: Preferences: Color Theme, then the theme's name. */
async function canvasPixels(frame: Frame) {
  const url = await frame.evaluate(() => (document.querySelector('canvas#view') as HTMLCanvasElement).toDataURL('image/png'));
  const { data, info } = await sharp(Buffer.from(url.slice(url.indexOf(',') + 1), 'base64')).raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}

test('review: pre-labels, comparison, tiling, bad input, navigation, instances and themes', { timeout: 12 * 60_000 }, async (t) => {
  assert.ok(existsSync(VSIX), `${VSIX} is missing: run \`npm run package\` first.`);
  const root = mkdtempSync(join(tmpdir(), 'editor-review-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  cpSync(SAMPLE, root, { recursive: true });
  mkdirSync(join(root, 'prelabels'));
  mkdirSync(join(root, 'predictions'));
  for (const key of ['df_025', 'df_026', 'df_030']) await thresholdPrelabel(join(root, 'images', `${key}.jpg`), join(root, 'prelabels', `${key}.png`));
  const truth = (await readMaskIndependently(join(root, 'masks', 'df_001.png'))).ids;
  await writeIdsWithSharp(join(root, 'prelabels', 'df_001.png'), perturbed(truth, 4, 255), W, H);
  const prediction = perturbed(truth, 6, 2);
  await writeIdsWithSharp(join(root, 'predictions', 'df_001.png'), prediction, W, H);
  // Wider than SwiftShader's 8192-pixel textures: class 1 at the left end, class 2 at the right end.
  const wide = { w: 9000, h: 120 };
  const wideIds = new Uint8Array(wide.w * wide.h);
  for (let y = 0; y < wide.h; y++) for (let x = 0; x < wide.w; x++) wideIds[y * wide.w + x] = x < 600 ? 1 : x >= wide.w - 600 ? 2 : 0;
  await sharp({ create: { width: wide.w, height: wide.h, channels: 3, background: { r: 40, g: 40, b: 40 } } }).png().toFile(join(root, 'images', 'wide.png'));
  await writeIdsWithSharp(join(root, 'masks', 'wide.png'), wideIds, wide.w, wide.h);
  // A mask of the wrong size, and an image in no dataset.
  cpSync(join(root, 'images', 'df_002.jpg'), join(root, 'images', 'df_bad.jpg'));
  await writeIdsWithSharp(join(root, 'masks', 'df_bad.png'), new Uint8Array(100 * 100), 100, 100);
  const badMaskBytes = readFileSync(join(root, 'masks', 'df_bad.png'));
  mkdirSync(join(root, 'loose'));
  cpSync(join(root, 'images', 'df_003.jpg'), join(root, 'loose', 'photo.jpg'));
  const prelabelBytes = Object.fromEntries(['df_025', 'df_026'].map((k) => [k, readFileSync(join(root, 'prelabels', `${k}.png`))]));

  await withVSCode({ name: 'editor-review', folder: root, vsix: VSIX, settings: { 'files.autoSave': 'off', ...OPEN_IMAGES_IN_EDITOR } }, async (vs) => {
    let lap = Date.now();
    const section = (name: string) => {
      t.diagnostic(`${name} took ${((Date.now() - lap) / 1000).toFixed(1)} s`);
      lap = Date.now();
    };
    // --- accepting an unchanged pre-label with the Accept button ------------------------------
    let frame = await openInEditor(vs, 'images/df_026.jpg');
    assert.equal((await dataset(frame)).source, 'prelabel');
    assert.match(await frame.locator('#source').innerText(), /Pre-label/);
    await vs.screenshot('editor-prelabel-dark');
    await frame.locator('#accept').click();
    await waitForFile(join(root, 'masks', 'df_026.png'));
    await waitFor(frame, 'source', (v) => v === 'mask', 'the badge to say ground truth');
    assert.deepEqual(await readIds(join(root, 'masks', 'df_026.png')), await readIds(join(root, 'prelabels', 'df_026.png')), 'the accepted mask holds the pre-label');
    assert.ok(readFileSync(join(root, 'prelabels', 'df_026.png')).equals(prelabelBytes.df_026), 'prelabels/df_026.png is byte-identical');

    section('accepting a pre-label as it is');
    // --- accepting a corrected pre-label with Ctrl+S ------------------------------------------
    frame = await openInEditor(vs, 'images/df_025.jpg');
    await focusEditor(frame);
    await pressAndWait(vs, frame, '2', 'classId', '2');
    await pressAndWait(vs, frame, 'b', 'tool', 'brush');
    const size = Number((await dataset(frame)).brushSize);
    const fix = [{ x: 30, y: 30 }, { x: 120, y: 200 }].map((p) => (size % 2 ? { x: p.x + 0.5, y: p.y + 0.5 } : p));
    await drag(vs, frame, fix);
    await vs.page.keyboard.press('Control+s');
    await waitForFile(join(root, 'masks', 'df_025.png'));
    await waitDirty(vs, false, 'after accepting df_025');
    const pre25 = await readIds(join(root, 'prelabels', 'df_025.png'));
    assertPainted(pre25, await readIds(join(root, 'masks', 'df_025.png')), brushFootprint(fix, size, W, H), 2, W, 'accepted pre-label with a correction');
    assert.ok(readFileSync(join(root, 'prelabels', 'df_025.png')).equals(prelabelBytes.df_025), 'prelabels/df_025.png is byte-identical');
    t.diagnostic('pre-labels: accepted as they were and with a correction; prelabels/ unchanged');

    section('accepting a corrected pre-label');
    // --- comparing the mask with its pre-label (C), then with a prediction --------------------
    frame = await openInEditor(vs, 'images/df_001.jpg');
    await focusEditor(frame);
    await pressAndWait(vs, frame, 'c', 'mode', 'compare-reference');
    await frame.locator('#show-diff').click();
    await waitFor(frame, 'mode', (v) => v === 'compare-diff', 'the differences view');
    await setOpacity(frame, 70);
    await vs.screenshot('editor-compare-prelabel-dark');
    await frame.locator('#compare-exit').click();
    await waitFor(frame, 'mode', (v) => v === 'edit', 'back to editing');

    await vs.runCommand('Segment: Compare Image with a Prediction...');
    await answerFileDialog(vs, join(root, 'predictions', 'df_001.png'));
    await waitFor(frame, 'mode', (v) => v === 'compare-diff', 'the prediction comparison');
    const counts = JSON.parse((await dataset(frame)).compareCounts!);
    // The definitions of the dataset-inspection comparison (src/core/comparison.ts), written out here.
    const want = { tp: 0, fp: 0, fn: 0, wrong: 0, ignore: 0 };
    for (let i = 0; i < truth.length; i++) {
      const tv = truth[i], pv = prediction[i];
      if (tv === 255) want.ignore++;
      else if (tv === pv) want.tp += tv !== 0 ? 1 : 0;
      else if (tv === 0) want.fp++;
      else if (pv === 0) want.fn++;
      else want.wrong++;
    }
    assert.deepEqual(counts, want, 'comparison counts against the files');
    assert.match(await frame.locator('#source').innerText(), /Prediction/);
    t.diagnostic(`prediction vs truth: ${JSON.stringify(counts)}`);
    await vs.screenshot('editor-compare-prediction-dark');
    await frame.locator('#show-reference').click();
    await waitFor(frame, 'mode', (v) => v === 'compare-reference', 'the prediction itself');
    await frame.locator('#compare-exit').click();
    await waitFor(frame, 'mode', (v) => v === 'edit', 'back to editing');

    section('comparisons');
    // --- an image wider than the largest texture --------------------------------------------
    frame = await openInEditor(vs, 'images/wide.png');
    const ds = await dataset(frame);
    assert.ok(Number(ds.tiles) >= 2, `wide.png (9000 px) is drawn in ${ds.tiles} tiles with MAX_TEXTURE_SIZE ${ds.maxTextureSize}`);
    await setOpacity(frame, 100);
    await frame.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    const view = JSON.parse(ds.view!);
    const px = await canvasPixels(frame);
    const colourAt = (ix: number) => {
      const sx = Math.round(view.x + ix * view.scale);
      const sy = Math.round(view.y + (wide.h / 2) * view.scale);
      const k = (sy * px.width + sx) * px.channels;
      return [px.data[k], px.data[k + 1], px.data[k + 2]];
    };
    assert.deepEqual(colourAt(300), [0xe6, 0x19, 0x4b], 'class 1 at the left end (first tile)');
    assert.deepEqual(colourAt(wide.w - 300), [0x3c, 0xb4, 0x4b], 'class 2 at the right end (beyond 8192 px, second tile)');
    assert.deepEqual(colourAt(wide.w / 2), [40, 40, 40], 'the image between them');

    section('tiling');
    // --- bad input: a mask of the wrong size -------------------------------------------------
    frame = await openInEditor(vs, 'images/df_bad.jpg');
    await waitFor(frame, 'problem', (v) => v === 'replace', 'the wrong-size banner');
    assert.match((await dataset(frame)).banner!, /100x100 but the image is 384x288/);
    await vs.screenshot('editor-bad-mask-dark');
    const editsBefore = (await dataset(frame)).edits;
    await drag(vs, frame, [{ x: 50, y: 50 }, { x: 100, y: 100 }], false);
    assert.equal((await dataset(frame)).edits, editsBefore, 'no painting over an unreadable mask until a choice is made');
    assert.ok(readFileSync(join(root, 'masks', 'df_bad.png')).equals(badMaskBytes), 'the wrong-size mask is untouched');
    await frame.getByText('Start an empty mask').click();
    await waitFor(frame, 'problem', (v) => v === undefined, 'the banner to go');
    await drag(vs, frame, [{ x: 50, y: 50 }, { x: 100, y: 100 }]);
    await vs.page.keyboard.press('Control+s');
    await waitForFile(join(root, 'masks', 'df_bad.png'), statSync(join(root, 'masks', 'df_bad.png')).mtimeMs);
    assert.equal((await readMaskIndependently(join(root, 'masks', 'df_bad.png'))).width, W, 'replaced only after the user chose to');

    section('bad input');
    // --- an image in no dataset ---------------------------------------------------------------
    frame = await openInEditor(vs, 'loose/photo.jpg');
    assert.equal((await dataset(frame)).readOnly, 'true');
    await frame.getByText('Create segment.json here').click();
    await waitFor(frame, 'readOnly', (v) => v === 'false', 'the new dataset to make the image editable');
    assert.ok(existsSync(join(root, 'loose', 'segment.json')), 'loose/segment.json was created');

    section('an image in no dataset');
    // --- review flow: N, U, Alt+N ---------------------------------------------------------------
    frame = await openInEditor(vs, 'images/df_001.jpg');
    await focusEditor(frame);
    await vs.page.keyboard.press('n');
    await vs.waitForActiveTab('df_002.jpg');
    section('N, next image');
    // The status bar follows the active editor a moment after the tab changes: wait for the new position.
    const statusBar = vs.page.locator('.statusbar-item', { hasText: '2 / 34' });
    await statusBar.first().waitFor({ timeout: 30_000 });
    assert.match(await statusBar.first().innerText(), /2 \/ 34 · labelled/);
    frame = await editorFrame(vs, 'df_002.jpg');
    await focusEditor(frame);
    await vs.page.keyboard.press('u');
    await vs.waitForActiveTab('df_027.jpg');
    section('U, next unlabelled');
    frame = await editorFrame(vs, 'df_027.jpg');
    await focusEditor(frame);
    await vs.page.keyboard.press('Alt+n');
    await vs.waitForActiveTab('df_030.jpg');
    t.diagnostic('review: N -> df_002, U -> df_027 (first unlabelled), Alt+N -> df_030 (first unreviewed pre-label)');

    // --- files changed on disk: reload when clean, ask when dirty, a Predict's pre-label shows up ---
    frame = await openInEditor(vs, 'images/df_031.jpg');
    assert.equal((await dataset(frame)).source, 'none');
    await thresholdPrelabel(join(root, 'images', 'df_031.jpg'), join(root, 'prelabels', 'df_031.png'));
    await waitFor(frame, 'source', (v) => v === 'prelabel', 'the pre-label written meanwhile to show');
    frame = await openInEditor(vs, 'images/df_003.jpg');
    const loads = Number((await dataset(frame)).loads);
    await writeIdsWithSharp(join(root, 'masks', 'df_003.png'), new Uint8Array(W * H).fill(1), W, H);
    await waitFor(frame, 'loads', (v) => Number(v) === loads + 1, 'a clean editor to reload the changed mask');
    await focusEditor(frame);
    await pressAndWait(vs, frame, 'b', 'tool', 'brush');
    await drag(vs, frame, [{ x: 20, y: 20 }, { x: 60, y: 30 }]);
    await writeIdsWithSharp(join(root, 'masks', 'df_003.png'), new Uint8Array(W * H).fill(2), W, H);
    await vs.waitForNotification('changed on disk while df_003.jpg has unsaved changes');
    assert.equal((await activeTab(vs)).dirty, true, 'the unsaved changes are kept until the user chooses');
    await vs.page.locator('.notifications-toasts .monaco-button', { hasText: 'Keep my changes' }).first().click();
    section('files changed on disk');

    // --- instance mode writes instances/ ---------------------------------------------------------
    frame = await openInEditor(vs, 'images/df_027.jpg');
    await focusEditor(frame);
    await pressAndWait(vs, frame, 'Shift+I', 'instanceMode', 'true');
    await pressAndWait(vs, frame, 'b', 'tool', 'brush');
    const instanceId = Number((await dataset(frame)).instanceId);
    const blob = [{ x: 200, y: 150 }, { x: 240, y: 160 }].map((p) => (size % 2 ? { x: p.x + 0.5, y: p.y + 0.5 } : p));
    await drag(vs, frame, blob);
    await vs.page.keyboard.press('Control+s');
    await waitForFile(join(root, 'instances', 'df_027.png'));
    const inst = await sharp(join(root, 'instances', 'df_027.png')).toColourspace('grey16').raw({ depth: 'ushort' }).toBuffer({ resolveWithObject: true });
    assert.equal(inst.info.width, W);
    const instIds = new Uint16Array(inst.data.buffer, inst.data.byteOffset, W * H);
    const footprint = brushFootprint(blob, size, W, H);
    for (let i = 0; i < instIds.length; i++) if (footprint[i] !== 2) assert.equal(instIds[i], footprint[i] === 1 ? instanceId : 0, `instance id at pixel ${i}`);
    t.diagnostic(`instances: id ${instanceId} written under the stroke in instances/df_027.png (16-bit)`);
    await pressAndWait(vs, frame, 'Shift+I', 'instanceMode', 'false');

    // --- protect other classes: a locked class survives strokes over it ---------------------------
    const maskBefore = await readIds(join(root, 'masks', 'df_004.png'));
    const { width: W4, height: H4 } = await sharp(join(root, 'masks', 'df_004.png')).metadata();
    const cellPixel = maskBefore.indexOf(1);
    assert.ok(cellPixel >= 0, 'df_004 has a red blood cell');
    frame = await openInEditor(vs, 'images/df_004.jpg');
    await frame.locator('#legend li[data-class-id="1"] button.codicon-unlock').click();
    await waitFor(frame, 'protect', (v) => v === '1', 'class 1 to be protected');
    await focusEditor(frame);
    await pressAndWait(vs, frame, '2', 'classId', '2');
    await pressAndWait(vs, frame, 'b', 'tool', 'brush');
    await pressAndWait(vs, frame, ']', 'brushSize', '15');
    const cx = cellPixel % W4!, cy = Math.floor(cellPixel / W4!);
    const across = [{ x: cx - 30.5, y: cy + 4.5 }, { x: cx + 30.5, y: cy + 8.5 }];
    await drag(vs, frame, across);
    await vs.page.keyboard.press('Control+s');
    await waitForFile(join(root, 'masks', 'df_004.png'), statSync(join(root, 'masks', 'df_004.png')).mtimeMs);
    const maskAfter = await readIds(join(root, 'masks', 'df_004.png'));
    const under = brushFootprint(across, 15, W4!, H4!);
    let kept = 0;
    for (let i = 0; i < maskAfter.length; i++) {
      if (under[i] === 2) continue;
      const want = under[i] === 1 && maskBefore[i] !== 1 ? 2 : maskBefore[i];
      if (under[i] === 1 && maskBefore[i] === 1) kept++;
      assert.equal(maskAfter[i], want, `pixel ${i % W4!},${Math.floor(i / W4!)} with class 1 protected`);
    }
    assert.ok(kept > 20, `the stroke crossed ${kept} protected pixels`);
    t.diagnostic(`protect: the stroke left ${kept} pixels of the locked class alone`);

    section('instances and protected classes');
    // --- screenshots: help, and the editor in light and high-contrast themes -----------------------
    frame = await openInEditor(vs, 'images/df_001.jpg');
    await focusEditor(frame);
    await vs.page.keyboard.press('Shift+Slash');
    await frame.locator('#help').waitFor({ state: 'visible' });
    await vs.screenshot('editor-help-dark');
    await vs.page.keyboard.press('Escape');
    await frame.locator('#help').waitFor({ state: 'hidden' });
    await vs.screenshot('editor-dark');
    await vs.setColorTheme('Light Modern', 'vs');
    await vs.screenshot('editor-light');
    await pressAndWait(vs, frame, 'o', 'outline', 'true');
    await vs.screenshot('editor-light-outlines');
    await pressAndWait(vs, frame, 'o', 'outline', 'false');
    await vs.setColorTheme('Dark High Contrast', 'hc-black');
    await vs.screenshot('editor-high-contrast');
    assert.equal((await activeTab(vs)).title, 'df_001.jpg');
    section('screenshots');
    t.diagnostic(vs.actions.join('; '));
  });
});
