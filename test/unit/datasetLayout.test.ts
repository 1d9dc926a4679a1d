import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detectLayout, findDatasetRoots, keyOfImage, pairDataset, parseSplitList } from '../../src/core/datasetLayout';
import { isInsideRoot, normalizeRelative, stripExtension } from '../../src/core/paths';

test('the default layout pairs images with masks, instances and pre-labels by relative path', () => {
  const files = [
    'segment.json',
    'images/a.jpg', 'images/sub/b.png', 'images/c.tif', 'images/notes.txt',
    'masks/a.png', 'masks/sub/b.png', 'masks/orphan.png',
    'instances/a.png',
    'prelabels/c.png', 'prelabels/c.json', 'prelabels/sub/b.png',
  ];
  const layout = detectLayout(files)!;
  assert.equal(layout.kind, 'segment.json');
  const { items, problems } = pairDataset(files, layout);
  assert.deepEqual(items.map((i) => i.key), ['a', 'c', 'sub/b']);
  const [a, c, b] = items;
  assert.deepEqual(a, { key: 'a', image: 'images/a.jpg', mask: 'masks/a.png', instances: 'instances/a.png' });
  assert.deepEqual(c, { key: 'c', image: 'images/c.tif', prelabel: 'prelabels/c.png', prelabelInfo: 'prelabels/c.json' });
  assert.equal(b.mask, 'masks/sub/b.png');
  assert.equal(b.prelabel, 'prelabels/sub/b.png');
  assert.equal(problems.length, 1);
  assert.equal(problems[0].code, 'mask-without-image');
  assert.equal(problems[0].file, 'masks/orphan.png');
});

test('two images with the same stem are a problem naming both', () => {
  const files = ['images/x.jpg', 'images/x.png', 'masks/x.png'];
  const { items, problems } = pairDataset(files, detectLayout(files)!);
  assert.equal(items.length, 1);
  assert.equal(problems[0].code, 'duplicate-stem');
  assert.match(problems[0].message, /images\/x\.jpg/);
});

test('segment.json folders are honoured', () => {
  const files = ['segment.json', 'img/a.png', 'gt/a.png'];
  const layout = detectLayout(files, { classes: [], ignoreIndex: 255, folders: { images: 'img', masks: 'gt', prelabels: 'pred', instances: 'inst' } })!;
  const { items } = pairDataset(files, layout);
  assert.deepEqual(items, [{ key: 'a', image: 'img/a.png', mask: 'gt/a.png' }]);
});

test('Pascal VOC, CamVid and images+labels layouts are recognised without segment.json', () => {
  const voc = ['JPEGImages/2007_000032.jpg', 'SegmentationClass/2007_000032.png', 'SegmentationObject/2007_000032.png', 'ImageSets/Segmentation/train.txt'];
  const vocLayout = detectLayout(voc)!;
  assert.equal(vocLayout.kind, 'voc');
  assert.deepEqual(pairDataset(voc, vocLayout).items[0], {
    key: '2007_000032', image: 'JPEGImages/2007_000032.jpg', mask: 'SegmentationClass/2007_000032.png', instances: 'SegmentationObject/2007_000032.png',
  });

  const camvid = ['train/0001.png', 'trainannot/0001.png', 'test/0002.png', 'testannot/0002.png'];
  const camLayout = detectLayout(camvid)!;
  assert.equal(camLayout.kind, 'camvid');
  assert.deepEqual(pairDataset(camvid, camLayout).items, [
    { key: 'test/0002', image: 'test/0002.png', split: 'test', mask: 'testannot/0002.png' },
    { key: 'train/0001', image: 'train/0001.png', split: 'train', mask: 'trainannot/0001.png' },
  ]);

  assert.equal(detectLayout(['images/a.png', 'labels/a.png'])!.kind, 'images+labels');
  assert.equal(detectLayout(['images/a.png', 'labels/a.txt']), undefined, 'YOLO labels are not masks');
  assert.equal(detectLayout(['photos/a.png']), undefined);
});

test('split lists assign splits by key', () => {
  const files = ['images/a.png', 'images/b.png', 'images/c.png'];
  const splits = new Map([['train', parseSplitList('a\n# comment\n\nb.png\n')], ['test', parseSplitList('c')]] as const);
  const { items } = pairDataset(files, detectLayout(files.concat('masks/a.png'))!, splits);
  assert.deepEqual(items.map((i) => [i.key, i.split]), [['a', 'train'], ['b', 'train'], ['c', 'test']]);
});

test('items sort in natural order', () => {
  const files = ['images/img10.png', 'images/img2.png', 'images/img1.png', 'masks/img1.png'];
  assert.deepEqual(pairDataset(files, detectLayout(files)!).items.map((i) => i.key), ['img1', 'img2', 'img10']);
});

test('dataset roots are found in a workspace, nested ones belong to the outer root', () => {
  const files = [
    'projects/cells/segment.json', 'projects/cells/images/a.png', 'projects/cells/images/masks/x.png',
    'voc/JPEGImages/a.jpg', 'voc/SegmentationClass/a.png',
    'random/photos/a.png', 'README.md',
  ];
  assert.deepEqual(findDatasetRoots(files), ['voc', 'projects/cells']);
  assert.deepEqual(findDatasetRoots(['segment.json', 'images/a.png', 'sub/images/x.png', 'sub/masks/x.png']), ['']);
});

test('keyOfImage finds an image inside a layout and nothing outside', () => {
  const layout = detectLayout(['images/a.png', 'masks/a.png'])!;
  assert.equal(keyOfImage(layout, 'images/sub/a.png'), 'sub/a');
  assert.equal(keyOfImage(layout, 'masks/a.png'), undefined);
  assert.equal(keyOfImage(layout, 'images/readme.txt'), undefined);
});

test('relative paths normalise and stay inside the root', () => {
  assert.equal(normalizeRelative('a//b/./c/../d\\e'), 'a/b/d/e');
  assert.equal(isInsideRoot('a/../b'), true);
  assert.equal(isInsideRoot('a/../../b'), false);
  assert.equal(isInsideRoot('/etc'), false);
  assert.equal(stripExtension('a.b/c'), 'a.b/c');
  assert.equal(stripExtension('a/c.tar.png'), 'a/c.tar');
});

test('predicted instance maps under prelabels/instances/ belong to their pre-label: no item, no pre-label, no orphan', () => {
  const files = [
    'segment.json',
    'images/a.jpg', 'images/b.jpg', 'images/instances/c.jpg',
    'masks/a.png',
    'prelabels/a.png', 'prelabels/a.json', 'prelabels/instances/a.png',
    // b has an instance map but no class pre-label (yet): it stays unlabelled.
    'prelabels/instances/b.png',
    // an instance map of no image at all is ignored like a stray sidecar.
    'prelabels/instances/gone.png',
  ];
  const { items, problems } = pairDataset(files, detectLayout(files)!);
  assert.deepEqual(items, [
    { key: 'a', image: 'images/a.jpg', mask: 'masks/a.png', prelabel: 'prelabels/a.png', prelabelInfo: 'prelabels/a.json', prelabelInstances: 'prelabels/instances/a.png' },
    { key: 'b', image: 'images/b.jpg' },
    // An image folder named "instances" is no pre-label folder: its image pairs as usual.
    { key: 'instances/c', image: 'images/instances/c.jpg' },
  ]);
  assert.deepEqual(problems, []);

  // Images at the root: the pre-label folder (instance maps included) holds no images.
  const flat = ['segment.json', 'a.png', 'prelabels/a.png', 'prelabels/instances/a.png'];
  const layout = detectLayout(flat, { classes: [], ignoreIndex: 255, folders: { images: '', masks: 'masks', prelabels: 'prelabels', instances: 'instances' } })!;
  assert.deepEqual(pairDataset(flat, layout).items, [{ key: 'a', image: 'a.png', prelabel: 'prelabels/a.png', prelabelInstances: 'prelabels/instances/a.png' }]);
});
