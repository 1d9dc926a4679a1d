// Editing masks in a real VS Code: a brush stroke with class 2, undo, redo and save put class 2
// exactly under the stroke and change nothing else; fill, polygon and eraser change the file as
// drawn; a window reload with an unsaved stroke brings it back, dirty. The expected pixels come
// from the points the test drew and the view transform the webview reports, through geometry
// written here (not the editor's own rasterisers), and the saved file is read with libvips.
// Needs segment-studio.vsix (`npm run package`) and the e2e tools (`node scripts/e2e-setup.mjs`).
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readMaskIndependently } from '../helpers/dataset';
import { REPO_ROOT, withVSCode, type VSCode } from './harness';
import {
  activeTab, assertPainted, brushFootprint, clickAt, dataset, drag, editorFrame, focusEditor, geometry, openInEditor,
  polygonFootprint, pressAndWait, region, waitDirty, waitFor,
  answerFileDialog, OPEN_IMAGES_IN_EDITOR,
} from './editorDriver';

const VSIX = join(REPO_ROOT, 'segment-studio.vsix');
const SAMPLE = join(REPO_ROOT, 'samples', 'darkfield');

/** Saves with Ctrl+S and reads the mask once the file is newer than before. */
async function saveAndRead(vs: VSCode, file: string): Promise<{ ids: Uint8Array; width: number; height: number }> {
  const since = statSync(file).mtimeMs;
  await vs.page.keyboard.press('Control+s');
  return savedMask(file, since);
}

async function savedMask(file: string, since: number): Promise<{ ids: Uint8Array; width: number; height: number }> {
  const deadline = Date.now() + 30_000;
  while (!existsSync(file) || statSync(file).mtimeMs <= since) {
    if (Date.now() > deadline) throw new Error(`${file} was not written`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return readMaskIndependently(file);
}

test('brush, undo, redo, save, fill, polygon, eraser and hot exit change exactly the pixels drawn', { timeout: 10 * 60_000 }, async (t) => {
  assert.ok(existsSync(VSIX), `${VSIX} is missing: run \`npm run package\` first.`);
  const root = mkdtempSync(join(tmpdir(), 'editor-editing-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  cpSync(SAMPLE, root, { recursive: true });
  const maskFile = join(root, 'masks', 'df_001.png');
  const original = await readMaskIndependently(maskFile);
  const { width, height } = original;

  // VS Code for the Web saves after a delay by default; desktop VS Code does not, and hot exit is about unsaved work.
  await withVSCode({ name: 'editor-editing', folder: root, vsix: VSIX, settings: { 'files.autoSave': 'off', ...OPEN_IMAGES_IN_EDITOR } }, async (vs) => {
    const frame = await openInEditor(vs, 'images/df_001.jpg');
    assert.equal((await dataset(frame)).source, 'mask');
    await focusEditor(frame);

    // --- brush with class 2, undo, redo, save ------------------------------------------------
    await pressAndWait(vs, frame, '2', 'classId', '2');
    await pressAndWait(vs, frame, 'b', 'tool', 'brush');
    const size = Number((await dataset(frame)).brushSize);
    // Brush centres snap to pixel corners for even sizes and to pixel centres for odd ones:
    // drawing through such points makes the test immune to sub-pixel pointer rounding.
    const snap = (x: number, y: number) => (size % 2 === 0 ? { x, y } : { x: x + 0.5, y: y + 0.5 });
    const stroke = [snap(40, 60), snap(90, 84), snap(150, 70), snap(205, 122), snap(230, 180)];
    await drag(vs, frame, stroke);
    await waitDirty(vs, true, 'after the stroke');
    await vs.screenshot('editor-dark-stroke');

    await vs.page.keyboard.press('Control+z');
    await waitFor(frame, 'writes', (v) => v === '1', 'undo to reach the editor');
    await waitDirty(vs, false, 'after undoing the only edit');
    await vs.page.keyboard.press('Control+Shift+z');
    await waitFor(frame, 'writes', (v) => v === '2', 'redo to reach the editor');
    await waitDirty(vs, true, 'after redo');

    const afterStroke = await saveAndRead(vs, maskFile);
    await waitDirty(vs, false, 'after saving');
    const painted = assertPainted(original.ids, afterStroke.ids, brushFootprint(stroke, size, width, height), 2, width, 'brush stroke');
    t.diagnostic(`brush: ${painted} pixels of class 2 under a ${size}-pixel stroke, nothing else changed`);
    assert.ok(painted > 1000);

    // --- fill: a red blood cell becomes class 2 ----------------------------------------------
    let seed: { x: number; y: number; fill: Uint8Array } | undefined;
    for (let i = 0; i < afterStroke.ids.length && !seed; i += 97) {
      if (afterStroke.ids[i] !== 1) continue;
      const x = i % width;
      const y = Math.floor(i / width);
      const fill = region(afterStroke.ids, width, height, x, y);
      const n = fill.reduce((s, v) => s + v, 0);
      if (n > 300 && n < 20_000) seed = { x, y, fill };
    }
    assert.ok(seed, 'df_001 has a red blood cell to fill');
    await pressAndWait(vs, frame, 'g', 'tool', 'fill');
    const editsBeforeFill = Number((await dataset(frame)).edits);
    await clickAt(vs, frame, [{ x: seed.x + 0.5, y: seed.y + 0.5 }]);
    await waitFor(frame, 'edits', (v) => Number(v) === editsBeforeFill + 1, 'the fill edit');
    const afterFill = await saveAndRead(vs, maskFile);
    t.diagnostic(`fill: ${assertPainted(afterStroke.ids, afterFill.ids, seed.fill, 2, width, 'fill')} pixels`);

    // --- polygon with class 1 ---------------------------------------------------------------
    await pressAndWait(vs, frame, '1', 'classId', '1');
    await pressAndWait(vs, frame, 'p', 'tool', 'polygon');
    const vertices = [{ x: 262.3, y: 40.7 }, { x: 341.2, y: 58.1 }, { x: 318.6, y: 141.4 }, { x: 251.8, y: 118.2 }, { x: 290.1, y: 92.6 }];
    const editsBeforePolygon = Number((await dataset(frame)).edits);
    await clickAt(vs, frame, [...vertices, vertices[0]]); // a click on the first vertex closes it
    await waitFor(frame, 'edits', (v) => Number(v) === editsBeforePolygon + 1, 'the polygon edit');
    const { view } = await geometry(frame);
    const afterPolygon = await saveAndRead(vs, maskFile);
    // Vertices are not snapped: pixels within a screen pixel of an edge may go either way.
    t.diagnostic(`polygon: ${assertPainted(afterFill.ids, afterPolygon.ids, polygonFootprint(vertices, width, height, 1 / view.scale), 1, width, 'polygon')} pixels`);

    // --- eraser -------------------------------------------------------------------------------
    await pressAndWait(vs, frame, 'e', 'tool', 'eraser');
    const erase = [snap(60, 200), snap(160, 230), snap(300, 150)];
    await drag(vs, frame, erase);
    const afterErase = await saveAndRead(vs, maskFile);
    const erased = assertPainted(afterPolygon.ids, afterErase.ids, brushFootprint(erase, size, width, height), 0, width, 'eraser');
    t.diagnostic(`eraser: ${erased} pixels back to background`);

    // --- rectangle, lasso, magic wand ------------------------------------------------------------
    await pressAndWait(vs, frame, '2', 'classId', '2');
    await pressAndWait(vs, frame, 'r', 'tool', 'rectangle');
    const corners = [{ x: 20.5, y: 240.5 }, { x: 70.5, y: 270.5 }]; // pixel centres: the rectangle covers the pixels under both
    await drag(vs, frame, corners);
    const afterRect = await saveAndRead(vs, maskFile);
    const rect = new Uint8Array(width * height);
    for (let y = 240; y <= 270; y++) for (let x = 20; x <= 70; x++) rect[y * width + x] = 1;
    t.diagnostic(`rectangle: ${assertPainted(afterErase.ids, afterRect.ids, rect, 2, width, 'rectangle')} pixels`);

    await pressAndWait(vs, frame, '1', 'classId', '1');
    await pressAndWait(vs, frame, 'l', 'tool', 'lasso');
    const loop = Array.from({ length: 24 }, (_, k) => ({ x: 330 + 28 * Math.cos((k / 24) * 2 * Math.PI), y: 90 + 18 * Math.sin((k / 24) * 2 * Math.PI) }));
    await drag(vs, frame, loop);
    const afterLasso = await saveAndRead(vs, maskFile);
    t.diagnostic(`lasso: ${assertPainted(afterRect.ids, afterLasso.ids, polygonFootprint(loop, width, height, 1 / view.scale), 1, width, 'lasso')} pixels`);

    // The wand follows the image's colours (decoded by Chromium): the test checks the region's shape, not each pixel.
    await pressAndWait(vs, frame, 'w', 'tool', 'wand');
    // A labeller clicks the middle of an object: the centre of the cell filled above.
    let cx = 0, cy = 0, cell = 0;
    seed.fill.forEach((v, i) => v && ((cx += i % width), (cy += Math.floor(i / width)), cell++));
    const centre = { x: Math.round(cx / cell), y: Math.round(cy / cell) };
    assert.equal(seed.fill[centre.y * width + centre.x], 1, 'the cell contains its centre');
    const editsBeforeWand = Number((await dataset(frame)).edits);
    await clickAt(vs, frame, [{ x: centre.x + 0.5, y: centre.y + 0.5 }]);
    await waitFor(frame, 'edits', (v) => Number(v) === editsBeforeWand + 1, 'the magic wand edit');
    const afterWand = await saveAndRead(vs, maskFile);
    const changed = new Uint8Array(width * height);
    let wandPixels = 0;
    for (let i = 0; i < changed.length; i++) if (afterWand.ids[i] !== afterLasso.ids[i]) (changed[i] = 1), wandPixels++;
    for (let i = 0; i < changed.length; i++) if (changed[i]) assert.equal(afterWand.ids[i], 1, 'the wand paints the class');
    const connected = region(changed, width, height, centre.x, centre.y).reduce((n, v) => n + v, 0);
    assert.equal(connected, wandPixels, 'the wand region is one connected piece around the click');
    assert.ok(wandPixels > cell / 5 && wandPixels < cell * 2, `the wand took ${wandPixels} pixels around a cell of ${cell}`);
    t.diagnostic(`magic wand: ${wandPixels} pixels of similar colour around the click (the cell's mask has ${cell})`);

    // --- revert drops unsaved changes -----------------------------------------------------------
    await pressAndWait(vs, frame, 'b', 'tool', 'brush');
    await drag(vs, frame, [snap(10, 10), snap(60, 20)]);
    await waitDirty(vs, true, 'before revert');
    const loads = Number((await dataset(frame)).loads);
    const savedBytes = statSync(maskFile).mtimeMs;
    await vs.runCommand('File: Revert File');
    await waitDirty(vs, false, 'after revert');
    await waitFor(frame, 'loads', (v) => Number(v) === loads + 1, 'the editor to show the file again');
    assert.equal(statSync(maskFile).mtimeMs, savedBytes, 'revert leaves the file alone');

    // --- hot exit: reload the window with an unsaved stroke --------------------------------------
    await pressAndWait(vs, frame, 'b', 'tool', 'brush');
    await pressAndWait(vs, frame, '2', 'classId', '2');
    const unsaved = [snap(320, 220), snap(360, 250)];
    await drag(vs, frame, unsaved);
    await waitDirty(vs, true, 'after the unsaved stroke');
    await vs.page.waitForTimeout(3000); // VS Code backs dirty editors up a moment after each change
    await vs.runCommand('Developer: Reload Window');
    await vs.waitForWorkbench();
    const restored = await editorFrame(vs, 'df_001.jpg', 120_000);
    await vs.waitForActiveTab('df_001.jpg');
    assert.equal((await activeTab(vs)).dirty, true, 'the restored editor is dirty');
    await focusEditor(restored);
    const afterRestore = await saveAndRead(vs, maskFile);
    await waitDirty(vs, false, 'after saving the restored stroke');
    t.diagnostic(`hot exit: ${assertPainted(afterWand.ids, afterRestore.ids, brushFootprint(unsaved, size, width, height), 2, width, 'restored stroke')} pixels restored`);

    // --- Save As: the image is copied and its mask written where the copy's mask belongs ---------
    await drag(vs, restored, [snap(300, 30), snap(340, 40)]);
    await vs.runCommand('File: Save As...');
    await answerFileDialog(vs, join(root, 'images', 'df_001_copy.jpg'));
    await vs.waitForActiveTab('df_001_copy.jpg');
    const copyMask = await savedMask(join(root, 'masks', 'df_001_copy.png'), 0);
    assertPainted(afterRestore.ids, copyMask.ids, brushFootprint([snap(300, 30), snap(340, 40)], size, width, height), 2, width, 'Save As');
    assert.ok(readFileSync(join(root, 'images', 'df_001_copy.jpg')).equals(readFileSync(join(root, 'images', 'df_001.jpg'))), 'the image was copied');
    t.diagnostic(vs.actions.join('; '));
  });
});
