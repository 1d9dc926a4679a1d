// Dataset inspection in a real VS Code: the Segment view's counts for samples/darkfield, live
// updates when files change, a planted problem in the Problems panel, the statistics and evaluation
// reports (figures equal to the CLI's), and a click on an image opening the prediction-vs-truth
// view with its toggle. Screenshots in the dark theme, then again in the light one.
// Needs segment-studio.vsix (`npm run package`) and the e2e tools (`node scripts/e2e-setup.mjs`).
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Frame } from 'playwright-core';
import { REPO_ROOT, withVSCode, type VSCode } from './harness';
import { runCli } from '../helpers/cli';
import { readIds } from '../helpers/roundTrip';
import { encodeMaskPng } from '../../src/core/maskCodec';
import { DIFF_KINDS } from '../../src/core/comparison';
import { parseHexColor } from '../../src/core/color';

const VSIX = join(REPO_ROOT, 'segment-studio.vsix');
const SAMPLE = join(REPO_ROOT, 'samples', 'darkfield');
const CLASSES = [
  { id: 0, name: 'background', color: '#000000' },
  { id: 1, name: 'red blood cell', color: '#e6194b' },
  { id: 2, name: 'spirochaete', color: '#3cb44b' },
];

/** Rows of the dataset view, as their accessible labels ("Labelled: 24 images"). */
async function viewLabels(vs: VSCode): Promise<string[]> {
  return vs.page.locator('.pane-body .monaco-list-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('aria-label') ?? r.textContent ?? ''));
}

async function waitForLabels(vs: VSCode, wanted: string[], what: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  let seen: string[] = [];
  while (Date.now() < deadline) {
    seen = await viewLabels(vs);
    if (wanted.every((w) => seen.includes(w))) return;
    await vs.page.waitForTimeout(300);
  }
  throw new Error(`${what}: the dataset view shows ${JSON.stringify(seen)}, expected ${JSON.stringify(wanted)}`);
}

async function problemsText(vs: VSCode): Promise<string> {
  return vs.page.locator('.markers-panel').evaluateAll((els) => els.map((e) => e.textContent ?? '').join('\n'));
}

async function waitForProblems(vs: VSCode, accept: (text: string) => boolean, what: string): Promise<string> {
  const deadline = Date.now() + 60_000;
  let text = '';
  while (!accept((text = await problemsText(vs)))) {
    if (Date.now() > deadline) throw new Error(`Problems panel never showed ${what}: ${text.slice(0, 800)}`);
    await vs.page.waitForTimeout(300);
  }
  return text;
}

async function ready(frame: Frame, what: string): Promise<void> {
  await frame.waitForFunction(() => document.body.dataset.ready === 'true' || document.body.dataset.error, null, { timeout: 120_000 }).catch(() => {
    throw new Error(`${what} never became ready`);
  });
  const error = await frame.evaluate(() => document.body.dataset.error ?? document.querySelector('.error-box')?.textContent ?? null);
  assert.equal(error, null, `${what} shows an error`);
}

/** The figures a report webview shows, by data-stat. */
async function figures(frame: Frame): Promise<Record<string, number>> {
  return frame.evaluate(() => Object.fromEntries([...document.querySelectorAll<HTMLElement>('[data-stat]')].map((e) => [e.dataset.stat!, Number(e.dataset.value)])));
}

/** Pixels of the compare canvas within 10 of each error colour. */
async function canvasColours(frame: Frame): Promise<Record<string, number>> {
  const colours = DIFF_KINDS.map((k) => [k.key, parseHexColor(k.color)!] as const);
  return frame.evaluate((cs) => {
    const c = document.querySelector('canvas#view') as HTMLCanvasElement;
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    const out: Record<string, number> = {};
    for (const [key, [r, g, b]] of cs) {
      let n = 0;
      for (let i = 0; i < d.length; i += 4) if (Math.abs(d[i] - r) <= 10 && Math.abs(d[i + 1] - g) <= 10 && Math.abs(d[i + 2] - b) <= 10) n++;
      out[key] = n;
    }
    return out;
  }, colours as unknown as [string, [number, number, number]][]);
}

async function setOpacity(frame: Frame, value: number): Promise<void> {
  await frame.evaluate((v) => {
    const el = document.querySelector('#opacity') as HTMLInputElement;
    el.value = String(v);
    el.dispatchEvent(new Event('input', { bubbles: true }));
  }, value);
  await frame.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
}

/** Shows or hides the bottom panel (Problems), with the focus taken from any webview first. */
async function togglePanel(vs: VSCode): Promise<void> {
  await vs.page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur?.());
  await vs.page.keyboard.press('Control+J');
  await vs.page.waitForTimeout(300);
}

async function activateTab(vs: VSCode, title: string): Promise<void> {
  await vs.page.locator('.tabs-container .tab', { hasText: title }).first().click();
  await vs.waitForActiveTab(title);
}

test('dataset view, problems, statistics, evaluation and the comparison view', { timeout: 20 * 60_000 }, async (t) => {
  assert.ok(existsSync(VSIX), `${VSIX} is missing: run \`npm run package\` first.`);
  const keys = readdirSync(join(SAMPLE, 'masks')).map((f) => f.replace(/\.png$/, '')).sort();
  const images = readdirSync(join(SAMPLE, 'images')).length;
  await withVSCode({ name: 'inspect', folder: SAMPLE, copyFolder: true, vsix: VSIX }, async (vs) => {
    const root = vs.folder;
    // 1. The Segment activity-bar view lists the sample with its counts.
    await vs.page.locator('.activitybar .action-item a[aria-label^="Segment"]').first().click();
    await waitForLabels(vs, [`Labelled: ${keys.length} images`, 'Pre-labelled (unreviewed): 0 images', `Unlabelled: ${images - keys.length} images`], 'pristine sample');
    await vs.screenshot('inspect-view-dark');

    // 2. Files change: pre-labels appear for every labelled image but one and for two unlabelled
    //    images (live counts), and one mask gets the wrong size (a problem in the Problems panel).
    mkdirSync(join(root, 'prelabels'));
    const broken = keys[4];
    keys.filter((k) => k !== broken).forEach((key, i) => {
      const { ids, width, height } = readIds(join(root, 'masks', `${key}.png`));
      const p = new Uint8Array(ids.length);
      for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) {
        let v = ids[y * width + Math.min(width - 1, x + 1 + (i % 4))];
        if (v === 2 && (x + 2 * y) % 3 === 0) v = 0;
        p[y * width + x] = v;
      }
      writeFileSync(join(root, 'prelabels', `${key}.png`), encodeMaskPng(p, width, height, { classes: CLASSES, ignoreIndex: 255 }));
    });
    const unlabelled = readdirSync(join(root, 'images')).map((f) => f.replace(/\.jpg$/, '')).filter((k) => !keys.includes(k));
    for (const key of unlabelled.slice(0, 2)) writeFileSync(join(root, 'prelabels', `${key}.png`), encodeMaskPng(new Uint8Array(384 * 288), 384, 288, { classes: CLASSES, ignoreIndex: 255 }));
    writeFileSync(join(root, 'masks', `${broken}.png`), encodeMaskPng(new Uint8Array(100 * 80), 100, 80, { classes: CLASSES, ignoreIndex: 255 }));
    // Predicted instance maps (the true ones, over the shifted classes) for the evaluation's Instances card;
    // one for an unlabelled image without a class pre-label, which must not count as pre-labelled.
    mkdirSync(join(root, 'prelabels', 'instances'));
    for (const key of keys) copyFileSync(join(root, 'instances', `${key}.png`), join(root, 'prelabels', 'instances', `${key}.png`));
    copyFileSync(join(root, 'instances', `${keys[0]}.png`), join(root, 'prelabels', 'instances', `${unlabelled[2]}.png`));
    await waitForLabels(vs, [`Labelled: ${keys.length} images`, 'Pre-labelled (unreviewed): 2 images', `Unlabelled: ${images - keys.length - 2} images`], 'after adding pre-labels');

    await vs.page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur?.());
    await vs.page.keyboard.press('Control+Shift+M');
    const deadline = Date.now() + 60_000;
    let text = '';
    while (Date.now() < deadline && !(text = await problemsText(vs)).includes('mask is 100x80 but its image is')) await vs.page.waitForTimeout(300);
    assert.match(text, new RegExp(`${broken}\\.png[\\s\\S]*mask is 100x80 but its image is \\d+x\\d+`), `Problems panel: ${text.slice(0, 500)}`);
    await vs.screenshot('inspect-problems-dark');
    await togglePanel(vs);

    // 3. Statistics: the figures are those of `segment stats --json`.
    const stats = (await runCli(['stats', root, '--json'])).done!;
    await vs.runCommand('Segment: Show Dataset Statistics');
    const statsFrame = await vs.findWebviewFrame('body [data-stat="labelled"]', { timeoutMs: 120_000 });
    await ready(statsFrame, 'the statistics view');
    const shown = await figures(statsFrame);
    assert.deepEqual(
      { images: shown.images, labelled: shown.labelled, prelabelled: shown.prelabelled, unlabelled: shown.unlabelled, problems: shown.problems },
      { images: stats.images, labelled: stats.labelled, prelabelled: stats.prelabelled, unlabelled: stats.unlabelled, problems: stats.problems.length },
    );
    const classPixels = await statsFrame.evaluate(() => [...document.querySelectorAll<HTMLElement>('.card:nth-of-type(2) .bar-row')].map((r) => Number(r.dataset.value)));
    assert.deepEqual(classPixels, stats.classes.map((c: { pixels: number }) => c.pixels), 'class pixel frequencies');
    await vs.screenshot('inspect-statistics-dark');

    // 4. Evaluation of the pre-labels: the figures are those of `segment eval --json`.
    const evaluation = (await runCli(['eval', root, '--json'])).done!;
    await vs.runCommand('Segment: Evaluate');
    await vs.page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Pre-labels' }).first().click();
    const evalFrame = await vs.findWebviewFrame('body [data-stat="mIoU"]', { timeoutMs: 120_000 });
    await ready(evalFrame, 'the evaluation report');
    const ev = await figures(evalFrame);
    assert.equal(ev.mIoU, evaluation.mIoU);
    assert.equal(ev.pixelAccuracy, evaluation.pixelAccuracy);
    assert.equal(ev.meanPixelAccuracy, evaluation.meanPixelAccuracy);
    assert.equal(ev.images, evaluation.images.length);
    const perClass = await evalFrame.evaluate(() => [...document.querySelectorAll<HTMLElement>('tr[data-class]')].map((r) => [Number(r.dataset.class), Number(r.dataset.iou)]));
    assert.deepEqual(perClass, evaluation.perClass.map((c: { id: number; iou: number }) => [c.id, c.iou]));
    const order = await evalFrame.evaluate(() => [...document.querySelectorAll<HTMLElement>('tr[data-path]')].map((r) => r.dataset.path));
    assert.deepEqual(order, evaluation.images.map((i: { path: string }) => i.path), 'images worst first, as the CLI lists them');
    const cells = await evalFrame.evaluate(() => document.querySelectorAll('svg.heat g.cell').length);
    assert.equal(cells, 9, 'a 3x3 confusion heat map');
    await vs.screenshot('inspect-evaluation-dark');
    // Instance quality: the Instances card shows the CLI's PQ, SQ, RQ and AP50.
    assert.ok(evaluation.instances, 'the CLI reports instances');
    assert.deepEqual([ev.instancePQ, ev.instanceSQ, ev.instanceRQ, ev.instanceAP50, ev.instanceImages], [evaluation.instances.pq, evaluation.instances.sq, evaluation.instances.rq, evaluation.instances.ap50, evaluation.instances.images]);
    const instanceRows = await evalFrame.evaluate(() => [...document.querySelectorAll<HTMLElement>('tr[data-instance-class]')].map((r) => [Number(r.dataset.instanceClass), Number(r.dataset.pq)]));
    assert.deepEqual(instanceRows, evaluation.instances.perClass.map((c: { id: number; pq: number }) => [c.id, c.pq]));
    await evalFrame.locator('section.instances').scrollIntoViewIfNeeded();
    await vs.screenshot('inspect-evaluation-instances-dark');
    // The card's switch evaluates connected components of the predicted classes instead: the CLI's --pred-instances components.
    const components = (await runCli(['eval', root, '--pred-instances', 'components', '--json'])).done!;
    await evalFrame.locator('section.instances button[data-source="components"]').click();
    await evalFrame.locator('section.instances button[data-source="components"][aria-pressed="true"]').waitFor({ timeout: 60_000 });
    const cc = await figures(evalFrame);
    // (Equal to the last bits or so: images are matched in parallel, so sums may be added in another order.)
    const expected = [components.instances.pq, components.instances.sq, components.instances.rq, components.instances.ap50];
    [cc.instancePQ, cc.instanceSQ, cc.instanceRQ, cc.instanceAP50].forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-12, `${v} vs ${expected[i]}`));
    assert.notDeepEqual([cc.instancePQ, cc.instanceRQ], [ev.instancePQ, ev.instanceRQ], 'components merge the touching objects that the instance maps keep apart');
    assert.equal(cc.mIoU, evaluation.mIoU, 'the class figures stay');
    await evalFrame.locator('section.instances').scrollIntoViewIfNeeded();
    await vs.screenshot('inspect-evaluation-components-dark');
    await evalFrame.locator('section.instances button[data-source="maps"]').click();
    await evalFrame.locator('section.instances button[data-source="maps"][aria-pressed="true"]').waitFor({ timeout: 60_000 });

    // 5. A click on the worst image opens the comparison: errors coloured, toggle prediction / truth.
    const worst = evaluation.images[0].path as string;
    await evalFrame.locator(`tr[data-path="${worst}"] button.link`).click();
    const compare = await vs.findWebviewFrame('.modes button[data-mode="errors"]', { timeoutMs: 60_000 });
    await ready(compare, 'the comparison view');
    const legend = await compare.evaluate(() => Object.fromEntries([...document.querySelectorAll<HTMLElement>('#legend li')].map((li) => [li.dataset.key!, Number(li.dataset.count)])));
    for (const k of ['tp', 'fp', 'fn']) assert.ok(legend[k] > 0, `the worst image has ${k} pixels: ${JSON.stringify(legend)}`);
    await setOpacity(compare, 100);
    const colours = await canvasColours(compare);
    await setOpacity(compare, 65);
    for (const k of ['tp', 'fp', 'fn']) assert.ok(colours[k] > 20, `canvas shows ${k} colour: ${JSON.stringify(colours)}`);
    const miou = await compare.evaluate(() => Number((document.querySelector('dd[data-key="miou"]') as HTMLElement).dataset.value));
    assert.ok(Math.abs(miou - evaluation.images[0].mIoU) < 1e-12, `the view's mIoU ${miou} is the report's ${evaluation.images[0].mIoU}`);
    await vs.screenshot('inspect-compare-errors-dark');
    await compare.locator('button[data-mode="prediction"]').click();
    await compare.waitForFunction(() => document.body.dataset.mode === 'prediction');
    await compare.locator('canvas#view').focus().catch(() => {});
    await compare.evaluate(() => window.dispatchEvent(new KeyboardEvent('keydown', { key: ' ' })));
    await compare.waitForFunction(() => document.body.dataset.mode === 'truth');
    await vs.screenshot('inspect-compare-truth-dark');
    await compare.locator('button[data-mode="errors"]').click();

    // 6. The same views in the light theme.
    await vs.setColorTheme('Light Modern', 'vs');
    await vs.screenshot('inspect-compare-errors-light');
    await activateTab(vs, `Evaluation: ${root.split('/').pop()}`);
    await vs.screenshot('inspect-evaluation-light');
    await evalFrame.locator('section.instances').scrollIntoViewIfNeeded();
    await vs.screenshot('inspect-evaluation-instances-light');
    await activateTab(vs, `Statistics: ${root.split('/').pop()}`);
    await vs.screenshot('inspect-statistics-light');
    await togglePanel(vs);
    await vs.screenshot('inspect-view-problems-light');

    // 7. A value with no class: summarised on segment.json's "classes" with a quick fix that adds it.
    const odd = keys[6];
    const m = readIds(join(root, 'masks', `${odd}.png`));
    m.ids[10] = 7;
    writeFileSync(join(root, 'masks', `${odd}.png`), encodeMaskPng(m.ids, m.width, m.height, { classes: CLASSES, ignoreIndex: 255 }));
    await waitForProblems(vs, (text) => text.includes('mask values 7 are no class'), 'the unknown id on segment.json');
    await vs.quickOpen('segment.json');
    // Code actions arrive asynchronously after the diagnostics: ask again until the fix is offered.
    const fix = vs.page.locator('.action-widget .monaco-list-row', { hasText: 'Add class 7 to segment.json' }).first();
    for (let attempt = 1; ; attempt++) {
      await vs.page.keyboard.press('Escape');
      await vs.page.keyboard.press('F8');
      await vs.page.waitForTimeout(500);
      await vs.page.keyboard.press('Control+.');
      try {
        await fix.waitFor({ state: 'visible', timeout: 5_000 });
        break;
      } catch (e) {
        if (attempt === 5) throw e;
      }
    }
    await fix.click();
    await vs.page.keyboard.press('Control+S');
    await waitForProblems(vs, (text) => !text.includes('no class') && text.includes('mask is 100x80'), 'the fixed segment.json');
    const config = JSON.parse(readFileSync(join(root, 'segment.json'), 'utf8'));
    assert.deepEqual(config.classes.map((c: { id: number }) => c.id), [0, 1, 2, 7]);
    await vs.screenshot('inspect-quick-fix-light');
    t.diagnostic(vs.actions.join('; '));
  });
});
