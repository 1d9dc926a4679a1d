import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyWrites, EditRecorder, EditTarget, packPixels, PATCH_TILE, redoWrites, SpanPainter, undoWrites, unpackPixels } from '../../src/core/maskPatch';
import { capsuleSpans } from '../../src/core/raster';

function target(width = 200, height = 150): EditTarget {
  const mask = new Uint8Array(width * height);
  for (let i = 0; i < mask.length; i++) mask[i] = (i * 7) % 3; // something to overwrite
  return { width, height, mask };
}

test('a stroke becomes patches cropped to what changed, and undo/redo writes restore each state', () => {
  const t = target();
  const before = t.mask.slice();
  const recorder = new EditRecorder(t);
  const painter = new SpanPainter(t, recorder, { value: 9 });
  capsuleSpans({ x: 10.5, y: 10.5 }, { x: 150.5, y: 120.5 }, 6, t.width, t.height, painter.span);
  const after = t.mask.slice();
  const patches = recorder.finish();
  assert.ok(patches.length >= 3, 'a long diagonal touches several tiles');
  let covered = 0;
  for (const p of patches) {
    assert.ok(p.w <= PATCH_TILE && p.h <= PATCH_TILE);
    covered += p.w * p.h;
  }
  assert.ok(covered < t.width * t.height / 2, `patches cover ${covered} pixels, far less than the mask`);
  let changed = 0;
  for (let i = 0; i < before.length; i++) if (before[i] !== after[i]) changed++;
  assert.ok(changed > 1000);

  applyWrites(t, undoWrites(patches));
  assert.deepEqual(t.mask, before, 'undo restores every pixel');
  applyWrites(t, redoWrites(patches));
  assert.deepEqual(t.mask, after, 'redo restores the stroke');
});

test('protected classes are left alone, and a stroke that changes nothing makes no patch', () => {
  const t = target(50, 50);
  const before = t.mask.slice();
  const protect = new Uint8Array(256);
  protect[1] = 1;
  const recorder = new EditRecorder(t);
  const painter = new SpanPainter(t, recorder, { value: 2, protect });
  for (let y = 0; y < 50; y++) painter.span(y, -5, 60); // clipped to the image
  for (let i = 0; i < before.length; i++) assert.equal(t.mask[i], before[i] === 1 ? 1 : 2);
  assert.deepEqual(painter.takeDirty(), { x: 0, y: 0, w: 50, h: 50 });
  recorder.finish();
  const again = new EditRecorder(t);
  const same = new SpanPainter(t, again, { value: 2, protect });
  same.span(3, 0, 50);
  assert.deepEqual(again.finish(), []);
});

test('instance mode writes the instance map along with the class, and cancel puts everything back', () => {
  const t = target(70, 70);
  const before = t.mask.slice();
  const recorder = new EditRecorder(t);
  const painter = new SpanPainter(t, recorder, { value: 1, instance: 513 });
  painter.span(65, 56, 64); // inside one tile
  assert.equal(t.instances![65 * 70 + 61], 513);
  const patches = recorder.finish();
  assert.deepEqual(patches.map((p) => p.layer).sort(), ['instances', 'mask']);
  const inst = patches.find((p) => p.layer === 'instances')!;
  assert.deepEqual(Array.from(unpackPixels(inst.after, 'instances', inst.w * inst.h)), new Array(8).fill(513));

  const r2 = new EditRecorder(t);
  new SpanPainter(t, r2, { value: 2 }).span(0, 0, 70);
  assert.deepEqual(r2.cancel(), { x: 0, y: 0, w: 70, h: 64 }, 'the two tiles the span touched');
  assert.deepEqual(t.mask.subarray(0, 70), before.subarray(0, 70));
});

test('patches pack to a fraction of their size and refuse to land outside the mask', () => {
  const px = new Uint8Array(64 * 64).fill(3);
  assert.ok(packPixels(px).length < 100);
  assert.throws(() => unpackPixels(packPixels(px), 'mask', 10), /holds 4096 bytes, expected 10/);
  const t = target(10, 10);
  assert.throws(() => applyWrites(t, [{ layer: 'mask', x: 8, y: 8, w: 4, h: 1, pixels: packPixels(new Uint8Array(4)) }]), /outside the 10x10 mask/);
});
