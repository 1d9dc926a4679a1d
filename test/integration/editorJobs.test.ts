import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { mkdirSync, readFileSync, writeFileSync, cpSync } from 'node:fs';
import sharp from 'sharp';
import { EditRecorder, SpanPainter } from '../../src/core/maskPatch';
import { EditHistory } from '../../src/core/editHistory';
import { REPO } from '../helpers/cli';
import { startWorker } from '../helpers/worker';
import { copySample, readMaskIndependently, sampleClasses, tempDir } from '../helpers/dataset';

const client = startWorker;

test('writeMask rebuilds an edited mask from the file and the unsaved writes, without a webview', async (t) => {
  const root = copySample(t);
  const worker = client(t);
  const maskFile = path.join(root, 'masks', 'df_002.png');
  const before = await readMaskIndependently(maskFile);
  const prelabelBytes = readFileSync(maskFile);
  // Two edits as the webview records them, one undone: only the other may reach the file.
  const view = { width: before.width, height: before.height, mask: before.ids.slice() };
  const history = new EditHistory();
  for (const [y, value] of [[10, 2], [20, 1]] as const) {
    const recorder = new EditRecorder(view);
    new SpanPainter(view, recorder, { value }).span(y, 5, 300);
    history.push({ label: 'Brush', patches: recorder.finish() });
  }
  history.undo();
  const result = await worker.run('writeMask', {
    image: path.join(root, 'images', 'df_002.jpg'),
    base: maskFile,
    emptyFill: 0,
    options: { classes: sampleClasses(root), ignoreIndex: 255 },
    writes: history.unsavedWrites(),
    maskTarget: maskFile,
  });
  assert.deepEqual(result.written, [maskFile]);
  const after = await readMaskIndependently(maskFile);
  for (let i = 0; i < after.ids.length; i++) {
    const x = i % after.width, y = Math.floor(i / after.width);
    assert.equal(after.ids[i], y === 10 && x >= 5 && x < 300 ? 2 : before.ids[i], `pixel ${x},${y}`);
  }
  assert.ok(!readFileSync(maskFile).equals(prelabelBytes));
});

test('writeMask starts an image without a mask from the empty fill, and writes a 16-bit instance map when edited', async (t) => {
  const root = copySample(t);
  const worker = client(t);
  const view = { width: 384, height: 288, mask: new Uint8Array(384 * 288).fill(255) };
  const recorder = new EditRecorder(view);
  new SpanPainter(view, recorder, { value: 1, instance: 700 }).span(100, 50, 60);
  const maskTarget = path.join(root, 'masks', 'df_030.png');
  const instancesTarget = path.join(root, 'instances', 'df_030.png');
  const history = new EditHistory();
  history.push({ label: 'Brush', patches: recorder.finish() });
  await worker.run('writeMask', {
    image: path.join(root, 'images', 'df_030.jpg'), emptyFill: 255, options: { classes: sampleClasses(root), ignoreIndex: 255 },
    writes: history.unsavedWrites(), maskTarget, instancesTarget,
  });
  const mask = await readMaskIndependently(maskTarget, [...sampleClasses(root), { id: 255, name: 'ignore', color: '#e0e0c0' }]);
  assert.equal(mask.ids[100 * 384 + 55], 1);
  assert.equal(mask.ids[0], 255, 'the rest is ignore');
  const { data } = await sharp(instancesTarget).toColourspace('grey16').raw({ depth: 'ushort' }).toBuffer({ resolveWithObject: true });
  const ids = new Uint16Array(data.buffer, data.byteOffset, 384 * 288);
  assert.equal(ids[100 * 384 + 55], 700);
  assert.equal(ids[100 * 384 + 60], 0);
});

test('writeMask refuses a base mask of the wrong size and leaves it alone', async (t) => {
  const root = tempDir(t);
  cpSync(path.join(REPO, 'samples', 'darkfield'), root, { recursive: true });
  const worker = client(t);
  const bad = path.join(root, 'masks', 'df_001.png');
  await sharp({ create: { width: 10, height: 10, channels: 3, background: '#000000' } }).png().toFile(bad);
  const bytes = readFileSync(bad);
  await assert.rejects(
    worker.run('writeMask', { image: path.join(root, 'images', 'df_001.jpg'), base: bad, emptyFill: 0, options: { classes: sampleClasses(root), ignoreIndex: 255 }, writes: [], maskTarget: bad }),
    /10x10 but the image is 384x288/,
  );
  assert.ok(readFileSync(bad).equals(bytes));
});

test('listItems gives each image its status, and locate says where its files go', async (t) => {
  const root = copySample(t);
  mkdirSync(path.join(root, 'prelabels'));
  cpSync(path.join(root, 'masks', 'df_001.png'), path.join(root, 'prelabels', 'df_025.png'));
  const worker = client(t);
  const { items } = await worker.run('listItems', { root });
  assert.equal(items.length, 32);
  const status = Object.fromEntries(items.map((i) => [i.key, i.status]));
  assert.equal(status.df_001, 'labelled');
  assert.equal(status.df_025, 'prelabelled');
  assert.equal(status.df_026, 'unlabelled');
  const located = await worker.run('locate', { image: path.join(root, 'images', 'df_026.jpg') });
  assert.deepEqual(located.dataset?.targets, { mask: 'masks/df_026.png', instances: 'instances/df_026.png', prelabel: 'prelabels/df_026.png', prelabelInstances: 'prelabels/instances/df_026.png' });
});

test('a segment.json with images "." (what the editor creates for a loose folder) makes that folder a dataset', async (t) => {
  const dir = tempDir(t);
  cpSync(path.join(REPO, 'samples', 'darkfield', 'images', 'df_003.jpg'), path.join(dir, 'photo.jpg'));
  writeFileSync(path.join(dir, 'segment.json'), JSON.stringify({ classes: [{ id: 0, name: 'background', color: '#000000' }, { id: 1, name: 'object', color: '#e6194b' }], folders: { images: '.', masks: 'masks' } }));
  const worker = client(t);
  const located = await worker.run('locate', { image: path.join(dir, 'photo.jpg') });
  assert.equal(located.dataset?.root, dir);
  assert.equal(located.dataset?.item.key, 'photo');
  assert.equal(located.dataset?.targets?.mask, 'masks/photo.png');
});
