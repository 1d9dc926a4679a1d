import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBackup, serializeBackup } from '../../src/core/editorBackup';
import { packPixels } from '../../src/core/maskPatch';

test('a backup holds the writes and the base they apply to, byte for byte', () => {
  const writes = [
    { layer: 'mask' as const, x: 3, y: 4, w: 5, h: 2, pixels: packPixels(new Uint8Array(10).fill(2)) },
    { layer: 'instances' as const, x: 0, y: 0, w: 1, h: 1, pixels: packPixels(Uint16Array.of(700)) },
  ];
  const bytes = serializeBackup({ image: '/d/images/a.png', base: { file: 'masks/a.png', mtime: 123, size: 456 }, writes });
  const back = parseBackup(bytes);
  assert.equal(back.image, '/d/images/a.png');
  assert.deepEqual(back.base, { file: 'masks/a.png', mtime: 123, size: 456 });
  assert.deepEqual(back.writes, writes);
});

test('damaged backups are refused with a reason', () => {
  const bytes = serializeBackup({ image: 'x', base: {}, writes: [{ layer: 'mask', x: 0, y: 0, w: 1, h: 1, pixels: packPixels(Uint8Array.of(1)) }] });
  assert.throws(() => parseBackup(bytes.subarray(0, bytes.length - 1)), /truncated pixels/);
  assert.throws(() => parseBackup(new Uint8Array(20)), /wrong signature/);
  const extra = new Uint8Array(bytes.length + 1);
  extra.set(bytes);
  assert.throws(() => parseBackup(extra), /1 bytes after the last write/);
});
