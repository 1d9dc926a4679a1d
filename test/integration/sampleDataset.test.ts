import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { writeDarkfieldDataset, SAMPLE_DEFAULTS } from '../../src/engine/synthetic/writeDataset';
import { decodeInstancePng } from '../../src/core/maskCodec';
import { readMaskIndependently, SAMPLE, tempDir } from '../helpers/dataset';

test('the committed sample dataset is exactly what its seeded generator writes', async (t) => {
  const dir = tempDir(t);
  await writeDarkfieldDataset(dir);
  for (const folder of ['masks', 'instances', 'splits']) {
    const names = readdirSync(path.join(SAMPLE, folder)).sort();
    assert.deepEqual(readdirSync(path.join(dir, folder)).sort(), names);
    for (const n of names) {
      assert.ok(readFileSync(path.join(dir, folder, n)).equals(readFileSync(path.join(SAMPLE, folder, n))), `${folder}/${n} differs: run "npm run samples"`);
    }
  }
  assert.equal(readFileSync(path.join(dir, 'segment.json'), 'utf8'), readFileSync(path.join(SAMPLE, 'segment.json'), 'utf8'));
  // JPEG bytes may differ between libjpeg builds; the pixels may not, beyond rounding.
  for (const n of readdirSync(path.join(SAMPLE, 'images'))) {
    const a = await sharp(path.join(SAMPLE, 'images', n)).raw().toBuffer();
    const b = await sharp(path.join(dir, 'images', n)).raw().toBuffer();
    assert.equal(a.length, b.length);
    let diff = 0;
    for (let k = 0; k < a.length; k++) diff += Math.abs(a[k] - b[k]);
    assert.ok(diff / a.length < 1, `images/${n} differs by ${diff / a.length} per sample`);
  }
});

test('sample masks hold both classes, instances sit inside their class, and some images are unlabelled', async () => {
  const images = readdirSync(path.join(SAMPLE, 'images'));
  const masks = readdirSync(path.join(SAMPLE, 'masks'));
  assert.equal(images.length, SAMPLE_DEFAULTS.count);
  assert.equal(masks.length, SAMPLE_DEFAULTS.count - SAMPLE_DEFAULTS.unlabelled);
  let cells = 0;
  let bacteria = 0;
  for (const m of masks) {
    const { ids, width, height } = await readMaskIndependently(path.join(SAMPLE, 'masks', m));
    const inst = decodeInstancePng(readFileSync(path.join(SAMPLE, 'instances', m)));
    assert.deepEqual([inst.width, inst.height], [width, height]);
    const instanceClass = new Map<number, number>();
    for (let k = 0; k < ids.length; k++) {
      if (ids[k] === 1) cells++;
      if (ids[k] === 2) bacteria++;
      assert.equal(inst.ids[k] === 0, ids[k] === 0, `${m}: instance and class disagree at pixel ${k}`);
      if (inst.ids[k] === 0) continue;
      const cls = instanceClass.get(inst.ids[k]);
      if (cls === undefined) instanceClass.set(inst.ids[k], ids[k]);
      else assert.equal(cls, ids[k], `${m}: instance ${inst.ids[k]} spans two classes`);
    }
    assert.ok(instanceClass.size >= 4, `${m} has ${instanceClass.size} objects`);
  }
  const fractionBacteria = bacteria / (cells + bacteria);
  assert.ok(fractionBacteria > 0.02 && fractionBacteria < 0.3, `bacteria are thin and rare: ${fractionBacteria}`);
  const test = readFileSync(path.join(SAMPLE, 'splits', 'test.txt'), 'utf8').trim().split('\n');
  assert.equal(test.length, SAMPLE_DEFAULTS.test);
  for (const k of test) assert.ok(masks.includes(`${k}.png`), `test image ${k} is labelled`);
});
