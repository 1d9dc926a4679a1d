// The segmentation editor in a real VS Code: open a sample image, run "Segment: Open in Segmentation
// Editor", and check the overlay drawn on the canvas against the mask file on disk.
// Needs segment-studio.vsix (`npm run package`) and the e2e tools (`node scripts/e2e-setup.mjs`).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, parse } from 'node:path';
import { test } from 'node:test';
import type { Frame } from 'playwright-core';
import sharp from 'sharp';
import { parseHexColor, type Rgb } from '../../src/core/color';
import { REPO_ROOT, TEST_RESULTS, withVSCode } from './harness';

const VSIX = join(REPO_ROOT, 'segment-studio.vsix');
const SAMPLE = join(REPO_ROOT, 'samples', 'darkfield');
const COMMAND = 'Segment: Open in Segmentation Editor';
const RBC = { id: 1, name: 'red blood cell', color: '#e6194b' };
const SPIROCHAETE = { id: 2, name: 'spirochaete', color: '#3cb44b' };
/** Per-channel tolerance when matching a class colour on the canvas (edge smoothing). */
const TOLERANCE = 8;
/** Fewest pixels of each class colour the canvas must show at full opacity. */
const MIN_PIXELS = 30;

interface Pixels {
  data: Buffer;
  width: number;
  height: number;
  channels: number;
}

async function decode(input: string | Buffer): Promise<Pixels> {
  const { data, info } = await sharp(input).raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}

/** Pixels within TOLERANCE of `rgb` on every channel (and opaque, where there is alpha). */
function countColor({ data, channels }: Pixels, [r, g, b]: Rgb): number {
  let n = 0;
  for (let i = 0; i < data.length; i += channels) {
    if (channels === 4 && data[i + 3] < 250) continue;
    if (Math.abs(data[i] - r) <= TOLERANCE && Math.abs(data[i + 1] - g) <= TOLERANCE && Math.abs(data[i + 2] - b) <= TOLERANCE) n++;
  }
  return n;
}

/**
 * Pixels of a class in a mask file. Palette masks expand to the class colours when decoded;
 * grayscale masks hold the class id itself.
 */
function countMaskClass(mask: Pixels, cls: { id: number; color: string }): number {
  if (mask.channels <= 2) {
    let n = 0;
    for (let i = 0; i < mask.data.length; i += mask.channels) if (mask.data[i] === cls.id) n++;
    return n;
  }
  return countColor(mask, parseHexColor(cls.color)!);
}

/** The first image (by name) whose mask has pixels of both classes the test looks for. */
async function pickImage(): Promise<{ image: string; mask: string; rbc: number; spirochaete: number }> {
  const images = (await readdir(join(SAMPLE, 'images'))).sort();
  for (const image of images) {
    const mask = join(SAMPLE, 'masks', `${parse(image).name}.png`);
    if (!existsSync(mask)) continue;
    const pixels = await decode(mask);
    const rbc = countMaskClass(pixels, RBC);
    const spirochaete = countMaskClass(pixels, SPIROCHAETE);
    if (rbc >= MIN_PIXELS && spirochaete >= MIN_PIXELS) return { image, mask, rbc, spirochaete };
  }
  throw new Error(`No image in ${SAMPLE}/images has a mask in masks/ with both "${RBC.name}" and "${SPIROCHAETE.name}" pixels.`);
}

/** Sets the opacity slider (a vscode-slider or an input[type=range], 0..100) as a user would. */
async function setOpacity(frame: Frame, value: number): Promise<void> {
  const now = await frame.evaluate((v) => {
    const el = document.querySelector('#opacity') as HTMLInputElement | null;
    if (!el) throw new Error('#opacity is missing from the editor');
    el.value = String(v);
    for (const type of ['input', 'change']) el.dispatchEvent(new Event(type, { bubbles: true, composed: true }));
    return el.value;
  }, value);
  assert.equal(Number(now), value, `#opacity did not take the value ${value}; it reads ${now}`);
}

/** Resolves after the webview has painted twice: an input's redraw has reached the canvas by then. */
async function afterRepaint(frame: Frame): Promise<void> {
  await frame.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
}

async function readCanvas(frame: Frame): Promise<{ png: Buffer; pixels: Pixels }> {
  const url = await frame.evaluate(() => {
    const canvas = document.querySelector('canvas#view') as HTMLCanvasElement;
    return canvas.toDataURL('image/png');
  });
  const png = Buffer.from(url.slice(url.indexOf(',') + 1), 'base64');
  return { png, pixels: await decode(png) };
}

/**
 * Reads the canvas until `accept` holds for the class colour counts (the redraw after an input
 * event is asynchronous), and returns the last reading either way.
 */
async function canvasCounts(frame: Frame, accept: (c: { rbc: number; spirochaete: number }) => boolean, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await afterRepaint(frame);
    const { png, pixels } = await readCanvas(frame);
    const counts = { rbc: countColor(pixels, parseHexColor(RBC.color)!), spirochaete: countColor(pixels, parseHexColor(SPIROCHAETE.color)!) };
    if (accept(counts) || Date.now() > deadline) return { ...counts, png, pixels };
    await new Promise((r) => setTimeout(r, 300));
  }
}

test('segmentation editor shows the mask overlay of a sample image', { timeout: 10 * 60_000 }, async (t) => {
  assert.ok(existsSync(VSIX), `${VSIX} is missing: run \`npm run package\` first.`);
  assert.ok(existsSync(join(SAMPLE, 'segment.json')), `${SAMPLE}/segment.json is missing.`);
  const config = JSON.parse(await readFile(join(SAMPLE, 'segment.json'), 'utf8'));
  for (const cls of [RBC, SPIROCHAETE]) {
    assert.ok(
      config.classes?.some((c: { id: number; name: string; color: string }) => c.id === cls.id && c.name === cls.name && c.color.toLowerCase() === cls.color),
      `${SAMPLE}/segment.json should declare class ${JSON.stringify(cls)}`,
    );
  }
  const picked = await pickImage();
  const imagePath = `images/${picked.image}`;

  await withVSCode({ name: 'editor', folder: SAMPLE, copyFolder: true, vsix: VSIX }, async (vs) => {
    t.diagnostic(`${imagePath}; launch ms: ${JSON.stringify(vs.timings)}`);
    // Opens in VS Code's own image preview; the command then reopens it in Segment Studio.
    await vs.quickOpen(imagePath);
    await vs.runCommand(COMMAND);

    const frame = await vs.findWebviewFrame('canvas#view').catch((err) => {
      throw new Error(`"${COMMAND}" on ${imagePath} opened no webview with <canvas id="view">: ${err.message}`);
    });
    await frame.waitForFunction(() => document.body.dataset.ready === 'true', null, { timeout: 60_000 }).catch(async () => {
      const state = await frame.evaluate(() => ({ dataset: { ...document.body.dataset }, text: document.body.innerText.slice(0, 500) }));
      throw new Error(`The editor never set body[data-ready=true]: ${JSON.stringify(state)}; notifications: ${JSON.stringify(await vs.notifications())}`);
    });

    const maskSource = await frame.evaluate(() => document.body.dataset.maskSource);
    assert.equal(maskSource, 'mask', `body[data-mask-source] for ${imagePath}, which has masks/${parse(picked.image).name}.png`);

    const legend = await frame.evaluate(() => document.querySelector('#legend')?.textContent ?? null);
    assert.ok(legend !== null, 'the editor has no #legend element');
    for (const cls of [RBC, SPIROCHAETE]) assert.ok(legend.includes(cls.name), `#legend should list "${cls.name}"; it reads: ${legend}`);

    // Full opacity: the class colours are drawn as they are, in proportion to the mask.
    await setOpacity(frame, 100);
    const full = await canvasCounts(frame, (c) => c.rbc >= MIN_PIXELS && c.spirochaete >= MIN_PIXELS);
    await mkdir(TEST_RESULTS, { recursive: true });
    await writeFile(join(TEST_RESULTS, 'editor-canvas-opacity-100.png'), full.png);
    const where = `canvas#view at opacity 100 (${full.pixels.width}x${full.pixels.height}, saved as test-results/editor-canvas-opacity-100.png)`;
    assert.ok(full.rbc >= MIN_PIXELS, `${where} shows ${full.rbc} pixels of ${RBC.color} (${RBC.name}); expected >= ${MIN_PIXELS}`);
    assert.ok(full.spirochaete >= MIN_PIXELS, `${where} shows ${full.spirochaete} pixels of ${SPIROCHAETE.color} (${SPIROCHAETE.name}); expected >= ${MIN_PIXELS}`);

    // The canvas is scaled to fit and smooths edges, so compare each class's share of the labelled
    // pixels, not absolute counts. Thin spirochaetes lose most to smoothing: a factor of 3 is allowed.
    const maskShare = picked.spirochaete / (picked.rbc + picked.spirochaete);
    const canvasShare = full.spirochaete / (full.rbc + full.spirochaete);
    const detail = `mask ${picked.rbc}:${picked.spirochaete} (rbc:spirochaete pixels), canvas ${full.rbc}:${full.spirochaete}`;
    t.diagnostic(detail);
    assert.ok(Math.abs(maskShare - canvasShare) <= 0.15, `class shares differ by more than 0.15: ${detail}`);
    assert.ok(canvasShare >= maskShare / 3 && canvasShare <= maskShare * 3, `spirochaete share not within a factor of 3 of the mask's: ${detail}`);

    // Zero opacity: the overlay is gone (a few image pixels may happen to be that red).
    await setOpacity(frame, 0);
    const none = await canvasCounts(frame, (c) => c.rbc <= Math.max(20, full.rbc * 0.02));
    await writeFile(join(TEST_RESULTS, 'editor-canvas-opacity-0.png'), none.png);
    assert.ok(
      none.rbc <= Math.max(20, full.rbc * 0.02),
      `at opacity 0 canvas#view still shows ${none.rbc} pixels of ${RBC.color} (${full.rbc} at opacity 100)`,
    );

    await setOpacity(frame, 60);
    await afterRepaint(frame);
    await vs.screenshot('editor-overlay');
    t.diagnostic(vs.actions.join('; '));
  });
});
