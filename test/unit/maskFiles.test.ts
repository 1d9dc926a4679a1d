import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detectLayout } from '../../src/core/datasetLayout';
import { itemTargets } from '../../src/core/maskFiles';

test('an item without a mask gets the path its layout gives masks, instances and pre-labels', () => {
  const layout = detectLayout(['segment.json'])!;
  assert.deepEqual(itemTargets(layout, { key: 'sub/a', image: 'images/sub/a.jpg' }), { mask: 'masks/sub/a.png', instances: 'instances/sub/a.png', prelabel: 'prelabels/sub/a.png', prelabelInstances: 'prelabels/instances/sub/a.png' });
  const camvid = detectLayout(['train/1.png', 'trainannot/1.png'])!;
  assert.deepEqual(itemTargets(camvid, { key: 'train/7', image: 'train/7.png' }), { mask: 'trainannot/7.png', instances: undefined, prelabel: 'prelabels/train/7.png', prelabelInstances: 'prelabels/instances/train/7.png' });
  const root = detectLayout(['segment.json'], { classes: [], ignoreIndex: 255, folders: { images: '', masks: 'masks', prelabels: 'prelabels', instances: 'instances' } })!;
  assert.equal(itemTargets(root, { key: 'cat', image: 'cat.jpg' }).mask, 'masks/cat.png', 'images at the dataset root');
  assert.equal(itemTargets(layout, { key: 'a', image: 'images/a.jpg', mask: 'masks/a.png' }).mask, 'masks/a.png');
  assert.throws(() => itemTargets(layout, { key: 'x', image: 'elsewhere/x.jpg' }), /no image folder/);
});
