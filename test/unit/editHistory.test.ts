import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EditHistory } from '../../src/core/editHistory';
import { applyWrites, EditRecorder, EditTarget, SpanPainter } from '../../src/core/maskPatch';

/** An edit that paints row `y` with `value` on a copy of the state, as the webview would. */
function paint(t: EditTarget, y: number, value: number, label = `row ${y}`) {
  const recorder = new EditRecorder(t);
  new SpanPainter(t, recorder, { value }).span(y, 0, t.width);
  return { label, patches: recorder.finish() };
}

/** The state the writes give when replayed over the file on disk. */
function replay(disk: Uint8Array, history: EditHistory): Uint8Array {
  const t = { width: 8, height: 8, mask: disk.slice() };
  applyWrites(t, history.unsavedWrites());
  return t.mask;
}

test('unsaved writes always turn the file on disk into what the user sees', () => {
  const view: EditTarget = { width: 8, height: 8, mask: new Uint8Array(64) };
  let disk = view.mask.slice();
  const h = new EditHistory();
  assert.equal(h.dirty, false);
  for (let k = 1; k <= 3; k++) h.push(paint(view, k, k));
  assert.ok(h.dirty);
  assert.deepEqual(replay(disk, h), view.mask);

  applyWrites(view, h.undo());
  assert.deepEqual(replay(disk, h), view.mask, 'after an undo');

  disk = view.mask.slice();
  h.markSaved();
  assert.equal(h.dirty, false);
  assert.deepEqual(h.unsavedWrites(), []);

  applyWrites(view, h.undo());
  applyWrites(view, h.undo());
  assert.ok(h.dirty, 'undoing past the save point makes it dirty');
  assert.deepEqual(replay(disk, h), view.mask, 'undo past the save');

  // A new edit drops the redo branch, which holds the saved state: the way back is kept.
  h.push(paint(view, 6, 5));
  assert.equal(h.length, 1);
  assert.deepEqual(replay(disk, h), view.mask, 'after branching away from the saved state');
  applyWrites(view, h.undo());
  assert.ok(h.dirty, 'the saved state is no longer reachable by undo');
  assert.deepEqual(replay(disk, h), view.mask);
  assert.deepEqual(h.undo(), [], 'nothing left to undo');
});

test('redo after undo, revert, and restoring a backup', () => {
  const view: EditTarget = { width: 8, height: 8, mask: new Uint8Array(64) };
  const disk = view.mask.slice();
  const h = new EditHistory();
  h.push(paint(view, 0, 4));
  const painted = view.mask.slice();
  applyWrites(view, h.undo());
  applyWrites(view, h.redo());
  assert.deepEqual(view.mask, painted);
  assert.deepEqual(h.redo(), [], 'nothing to redo');

  const backup = h.unsavedWrites();
  const restored = new EditHistory();
  restored.restore(backup);
  assert.ok(restored.dirty, 'a restored backup is unsaved work');
  assert.deepEqual(replay(disk, restored), painted);
  restored.markReverted();
  assert.equal(restored.dirty, false);
  assert.deepEqual(replay(disk, restored), disk);
});
