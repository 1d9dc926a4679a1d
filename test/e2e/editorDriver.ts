// Driving the segmentation editor's webview in a real VS Code (see harness.ts): finding its frame,
// painting with real mouse events at image coordinates, pressing its keys, and the independent
// geometry the tests expect painted pixels from.
import assert from 'node:assert/strict';
import type { Frame } from 'playwright-core';
import type { VSCode } from './harness';

export interface View {
  scale: number;
  x: number;
  y: number;
}

export interface Pt {
  x: number;
  y: number;
}

/** Settings that open images in the segmentation editor, as a labeller would set VS Code up. */
export const OPEN_IMAGES_IN_EDITOR = { 'workbench.editorAssociations': { '*.jpg': 'segment.editor', '*.png': 'segment.editor' } };

/**
 * Opens `path` (relative to the workspace) by Quick Open and returns its ready editor webview;
 * needs OPEN_IMAGES_IN_EDITOR in the settings. Keyboard only: the file is opened with Enter once
 * it is the first result, since the list re-renders while search providers answer.
 */
export async function openInEditor(vs: VSCode, path: string): Promise<Frame> {
  const name = path.split('/').pop()!;
  const dir = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '';
  const input = vs.page.locator('.quick-input-widget .quick-input-box input');
  const first = vs.page.locator('.quick-input-widget .quick-input-list .monaco-list-row').first();
  for (let attempt = 1; ; attempt++) {
    try {
      await vs.closeQuickInput();
      await vs.page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur?.());
      await vs.page.keyboard.press('Control+P');
      await input.waitFor({ state: 'visible', timeout: 5_000 });
      await input.fill(path);
      await vs.page.waitForFunction(
        ({ name, dir }) => {
          const row = document.querySelector('.quick-input-widget .quick-input-list .monaco-list-row');
          const label = row?.querySelector('.label-name')?.textContent?.trim();
          const description = row?.querySelector('.label-description')?.textContent ?? '';
          return label === name && description.includes(dir);
        },
        { name, dir },
        { timeout: 10_000 },
      );
      await first.waitFor({ timeout: 1_000 });
      await vs.page.keyboard.press('Enter');
      await vs.waitForActiveTab(name, 15_000);
      break;
    } catch (e) {
      if (attempt === 3) throw new Error(`could not open ${path} by Quick Open: ${(e as Error).message}`);
    }
  }
  return editorFrame(vs, name);
}

/** The ready editor webview of the image named `name` (each webview's document title is its image's name). */
export async function editorFrame(vs: VSCode, name: string, timeoutMs = 60_000): Promise<Frame> {
  const frame = await vs.findFrame(
    async (f) => (await f.evaluate(() => ({ title: document.title, ready: document.body?.dataset.ready }))).title === name,
    `editor webview of ${name}`,
    { timeoutMs },
  );
  await frame.waitForFunction(() => document.body.dataset.ready === 'true', null, { timeout: timeoutMs }).catch(async (e) => {
    const state = await frame.evaluate(() => ({ ...document.body.dataset }));
    throw new Error(`the editor of ${name} never got ready: ${JSON.stringify(state)} (${(e as Error).message})`);
  });
  return frame;
}

export async function dataset(frame: Frame): Promise<Record<string, string | undefined>> {
  return frame.evaluate(() => ({ ...document.body.dataset }));
}

/** Waits until body[data-<key>] satisfies `ok`. */
export async function waitFor(frame: Frame, key: string, ok: (value: string | undefined) => boolean, what: string, timeoutMs = 30_000): Promise<string | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = (await dataset(frame))[key];
    if (ok(value)) return value;
    if (Date.now() > deadline) {
      const state = await dataset(frame);
      throw new Error(`timed out waiting for ${what}: data-${key} is ${JSON.stringify(value)}; editor state ${JSON.stringify(state)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Gives the webview the keyboard without painting: a click on its status line. */
export async function focusEditor(frame: Frame): Promise<void> {
  await frame.locator('#statusline').click({ position: { x: 5, y: 5 } });
}

/**
 * Presses a key that a VS Code keybinding turns into an editor command, and waits until the editor
 * has run it (its command count moves) and shows the effect: a command still on its way when the
 * next gesture starts would land in the middle of it.
 */
export async function pressAndWait(vs: VSCode, frame: Frame, key: string, field: string, value: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const before = Number((await dataset(frame)).commands ?? 0);
    await vs.page.keyboard.press(key);
    try {
      await waitFor(frame, 'commands', (v) => Number(v ?? 0) > before, `${key} to reach the editor`, 5_000);
      await waitFor(frame, field, (v) => v === value, `${key} to set data-${field}=${value}`, 5_000);
      return;
    } catch (e) {
      // The focus context key reaches VS Code a moment after the click that focused the webview.
      if (attempt === 3) throw e;
      await focusEditor(frame);
    }
  }
}

/** The view transform the webview reports and the canvas' box on the page. */
export async function geometry(frame: Frame): Promise<{ view: View; box: { x: number; y: number; width: number; height: number } }> {
  const view = JSON.parse((await dataset(frame)).view!) as View;
  const box = (await frame.locator('canvas#view').boundingBox())!;
  return { view, box };
}

export function toPage(g: Awaited<ReturnType<typeof geometry>>, p: Pt): Pt {
  return { x: g.box.x + g.view.x + p.x * g.view.scale, y: g.box.y + g.view.y + p.y * g.view.scale };
}

/** Drags through image points `points` with the left button; waits for the edit to reach the host unless told not to. */
export async function drag(vs: VSCode, frame: Frame, points: Pt[], expectEdit = true): Promise<void> {
  const edits = Number((await dataset(frame)).edits ?? 0);
  const g = await geometry(frame);
  const first = toPage(g, points[0]);
  await vs.page.mouse.move(first.x, first.y);
  await vs.page.mouse.down();
  for (const p of points.slice(1)) {
    const q = toPage(g, p);
    await vs.page.mouse.move(q.x, q.y);
  }
  await vs.page.mouse.up();
  if (!expectEdit) return;
  await waitFor(frame, 'edits', (v) => Number(v ?? 0) === edits + 1, 'the stroke to become an edit');
}

/** Clicks image points one after another (polygon vertices, a fill seed). */
export async function clickAt(vs: VSCode, frame: Frame, points: Pt[]): Promise<void> {
  const g = await geometry(frame);
  for (const p of points) {
    const q = toPage(g, p);
    await vs.page.mouse.click(q.x, q.y);
  }
}

/**
 * Answers VS Code's own file dialog (code-server has no native one) with `file`: types the path and
 * presses OK until the dialog closes (it ignores OK while it is still reading a folder).
 */
export async function answerFileDialog(vs: VSCode, file: string): Promise<void> {
  const widget = vs.page.locator('.quick-input-widget');
  const input = widget.locator('.quick-input-box input');
  await input.waitFor({ state: 'visible' });
  await input.fill(file);
  for (let attempt = 1; ; attempt++) {
    await vs.page.waitForTimeout(500);
    if (!(await widget.isVisible())) return;
    if ((await input.inputValue()) !== file) await input.fill(file);
    await widget.locator('.monaco-button', { hasText: 'OK' }).click();
    try {
      await widget.waitFor({ state: 'hidden', timeout: 3_000 });
      return;
    } catch (e) {
      if (attempt === 5) throw new Error(`the file dialog did not take ${file}: ${(e as Error).message}`);
    }
  }
}

/** Sets the opacity slider (0..100) as a user drags it. */
export async function setOpacity(frame: Frame, value: number): Promise<void> {
  await frame.locator('#opacity').evaluate((el: HTMLInputElement, v) => {
    el.value = String(v);
    el.dispatchEvent(new Event('input', { bubbles: true }));
  }, value);
}

/** The title of the active tab and whether it shows the dirty dot. */
export async function activeTab(vs: VSCode): Promise<{ title: string | undefined; dirty: boolean }> {
  const title = await vs.activeTabTitle();
  const dirty = await vs.page.locator('.part.editor .tabs-container .tab.active').first().evaluate((el) => el.classList.contains('dirty'));
  return { title, dirty };
}

export async function waitDirty(vs: VSCode, dirty: boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await activeTab(vs)).dirty !== dirty) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for the tab to be ${dirty ? 'dirty' : 'clean'} (${what})`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

// --- the geometry tests expect, written independently of src/core/raster.ts --------------------

function distToSegment(px: number, py: number, a: Pt, b: Pt): number {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((px - a.x) * dx + (py - a.y) * dy) / len2));
  return Math.hypot(a.x + t * dx - px, a.y + t * dy - py);
}

/**
 * For each pixel: 1 painted by a round brush of diameter `size` dragged through `centres`
 * (pixel centre within size/2 of the path), 0 not, 2 too close to the edge to tell.
 */
export function brushFootprint(centres: Pt[], size: number, width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height);
  const r = size / 2;
  const segments = centres.length === 1 ? [[centres[0], centres[0]]] : centres.slice(1).map((p, i) => [centres[i], p]);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let d = Infinity;
      for (const [a, b] of segments) d = Math.min(d, distToSegment(x + 0.5, y + 0.5, a, b));
      out[y * width + x] = Math.abs(d - r) < 1e-6 ? 2 : d < r ? 1 : 0;
    }
  }
  return out;
}

/** Pixels whose centre is inside the polygon (even-odd); 2 within `band` image pixels of an edge. */
export function polygonFootprint(vertices: Pt[], width: number, height: number, band: number): Uint8Array {
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const px = x + 0.5;
      const py = y + 0.5;
      let inside = false;
      let edge = Infinity;
      for (let i = 0, j = vertices.length - 1; i < vertices.length; j = i++) {
        const a = vertices[i];
        const b = vertices[j];
        if (a.y > py !== b.y > py && px < ((b.x - a.x) * (py - a.y)) / (b.y - a.y) + a.x) inside = !inside;
        edge = Math.min(edge, distToSegment(px, py, a, b));
      }
      out[y * width + x] = edge <= band ? 2 : inside ? 1 : 0;
    }
  }
  return out;
}

/** The 4-connected region of equal ids around (x, y), by breadth-first search. */
export function region(ids: Uint8Array, width: number, height: number, x: number, y: number): Uint8Array {
  const out = new Uint8Array(width * height);
  const seed = ids[y * width + x];
  const queue = [y * width + x];
  out[queue[0]] = 1;
  while (queue.length) {
    const i = queue.pop()!;
    const cx = i % width;
    const cy = (i - cx) / width;
    for (const [nx, ny] of [[cx - 1, cy], [cx + 1, cy], [cx, cy - 1], [cx, cy + 1]]) {
      if (nx < 0 || ny < 0 || nx >= width || ny >= height) continue;
      const j = ny * width + nx;
      if (!out[j] && ids[j] === seed) {
        out[j] = 1;
        queue.push(j);
      }
    }
  }
  return out;
}

/**
 * Checks `after` against `before` and a footprint: pixels in it (1) hold `value`, pixels outside
 * (0) are unchanged, edge pixels (2) may be either. Returns the number of pixels painted.
 */
export function assertPainted(before: Uint8Array, after: Uint8Array, footprint: Uint8Array, value: number, width: number, what: string): number {
  assert.equal(after.length, before.length, `${what}: the mask changed size`);
  const wrong: string[] = [];
  let painted = 0;
  for (let i = 0; i < after.length; i++) {
    const f = footprint[i];
    const ok = f === 1 ? after[i] === value : f === 0 ? after[i] === before[i] : after[i] === value || after[i] === before[i];
    if (f === 1) painted++;
    if (!ok && wrong.length < 8) wrong.push(`(${i % width}, ${Math.floor(i / width)}) is ${after[i]}, was ${before[i]}, expected ${f === 1 ? value : f === 0 ? before[i] : `${value} or ${before[i]}`}`);
    else if (!ok) wrong.push('');
  }
  assert.equal(wrong.length, 0, `${what}: ${wrong.length} pixels differ from what was drawn: ${wrong.filter(Boolean).join('; ')}`);
  return painted;
}
