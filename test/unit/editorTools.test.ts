import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EditRecorder, EditTarget, Rect } from '../../src/core/maskPatch';
import { ToolId } from '../../src/core/protocol';
import { ToolController, ToolHost } from '../../src/webview/editor/tools';
import { Viewport } from '../../src/webview/editor/viewport';

/** The editor's side of the tools, recording what they commit. */
function host(tool: ToolId, width = 40, height = 30) {
  const target: EditTarget = { width, height, mask: new Uint8Array(width * height) };
  const view = new Viewport(() => undefined);
  view.resize(400, 300);
  view.setImage(width, height);
  const edits: { label: string; pixels: number }[] = [];
  const h: ToolHost & { tool: ToolId; edits: typeof edits; changedRects: Rect[] } = {
    target, view, tool, brushSize: 3, tolerance: 10, edits, changedRects: [],
    paintSpec: (erase) => ({ value: erase ? 0 : 2 }),
    imagePixels: () => Promise.resolve(new Uint8ClampedArray(width * height * 4)),
    changed: (r) => void h.changedRects.push(r),
    commit: (label: string, recorder: EditRecorder) => {
      const patches = recorder.finish();
      if (patches.length) edits.push({ label, pixels: target.mask.reduce((n, v) => n + (v === 2 ? 1 : 0), 0) });
    },
    preview: () => undefined,
  };
  return h;
}

test('a brush stroke is one edit; changing tool mid-stroke keeps it, Escape drops it', () => {
  const h = host('brush');
  const tools = new ToolController(h);
  tools.down({ x: 5.5, y: 5.5 });
  tools.move([{ x: 10.5, y: 5.5 }, { x: 20.5, y: 8.5 }], 1);
  assert.ok(h.changedRects.length >= 2, 'each move redraws its dirty rectangle');
  tools.up({ x: 20.5, y: 8.5 });
  assert.deepEqual(h.edits.map((e) => e.label), ['Brush']);
  const painted = h.edits[0].pixels;

  tools.down({ x: 5.5, y: 20.5 });
  tools.finish(); // a tool key pressed while drawing
  assert.equal(h.edits.length, 2, 'the interrupted stroke is kept as an edit');

  tools.down({ x: 30.5, y: 25.5 });
  assert.ok(tools.key('Escape'));
  assert.equal(h.edits.length, 2);
  assert.equal(h.target.mask[25 * 40 + 30], 0, 'Escape put the pixels back');
  assert.ok(painted > 20);
});

test('a polygon closes on its first point, Enter or a double-click; Backspace removes a point', () => {
  const h = host('polygon');
  const tools = new ToolController(h);
  const s = h.view.scale;
  for (const p of [{ x: 2, y: 2 }, { x: 30, y: 3 }, { x: 20, y: 25 }]) tools.down(p);
  tools.down({ x: 2 + 2 / s, y: 2 + 1 / s }); // within a few screen pixels of the first point
  assert.deepEqual(h.edits.map((e) => e.label), ['Polygon']);
  assert.ok(!tools.active);

  for (const p of [{ x: 2, y: 20 }, { x: 10, y: 20 }, { x: 10, y: 28 }, { x: 39, y: 0 }]) tools.down(p);
  assert.ok(tools.key('Backspace'), 'the stray last point goes');
  assert.ok(tools.key('Enter'));
  assert.equal(h.edits.length, 2);
  assert.equal(h.target.mask[0 * 40 + 39], 0, 'the removed point was not part of the polygon');
  assert.ok(!tools.key('Enter'), 'nothing to close');
});
