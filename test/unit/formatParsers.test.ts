import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCoco } from '../../src/core/formats/coco';
import { parseYoloDataYaml, parseYoloLabels, formatYoloDataYaml } from '../../src/core/formats/yolo';
import { parseLabelme } from '../../src/core/formats/labelme';
import { FormatError } from '../../src/core/formats/formatError';
import { formatLabelmap, parseLabelmap, vocColormap } from '../../src/core/formats/voc';

const COCO = {
  images: [{ id: 1, file_name: 'a.jpg', width: 4, height: 3 }],
  categories: [{ id: 1, name: 'cell' }],
  annotations: [
    { id: 10, image_id: 1, category_id: 1, segmentation: [[0, 0, 2, 0, 2, 2]] },
    { id: 11, image_id: 1, category_id: 1, segmentation: { size: [3, 4], counts: '412010' } },
    { id: 12, image_id: 1, category_id: 1, segmentation: { size: [3, 4], counts: [4, 1, 7] }, iscrowd: 1 },
  ],
};

function rejects(fn: () => unknown, file: string, entry: string | undefined, problem: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof FormatError, `expected a FormatError, got ${e}`);
    assert.equal(e.file, file);
    assert.equal(e.entry, entry);
    assert.match(e.problem, problem);
    assert.ok(e.message.startsWith(`${file}: ${entry ? entry + ': ' : ''}`), e.message);
    return true;
  });
}

const withChange = (change: (j: any) => void) => {
  const j = structuredClone(COCO);
  change(j);
  return JSON.stringify(j);
};

test('parseCoco reads polygons, compressed and uncompressed RLE', () => {
  const coco = parseCoco(JSON.stringify(COCO), 'in.json');
  assert.deepEqual(coco.annotations.map((a) => a.segmentation.kind), ['polygons', 'rle', 'rle']);
  const rle = coco.annotations[1].segmentation;
  assert.ok(rle.kind === 'rle');
  assert.deepEqual(rle.counts, [4, 1, 2, 1, 3, 1]);
  assert.equal(coco.annotations[2].iscrowd, 1);
});

test('parseCoco names the file, the entry and the problem', () => {
  rejects(() => parseCoco('{"images": [', 'x.json'), 'x.json', undefined, /not valid JSON/);
  rejects(() => parseCoco(withChange((j) => delete j.categories), 'x.json'), 'x.json', 'categories', /is missing/);
  rejects(() => parseCoco(withChange((j) => (j.annotations[1].segmentation.counts = '41201')), 'x.json'), 'x.json', 'annotations[1] (id 11)', /sum to 11 pixels but size 3x4/);
  rejects(() => parseCoco(withChange((j) => (j.annotations[1].segmentation.size = [4, 3])), 'x.json'), 'x.json', 'annotations[1] (id 11)', /expected \[3, 4\]/);
  rejects(() => parseCoco(withChange((j) => (j.annotations[0].segmentation = [[0, 0, 2, 0, 2]])), 'x.json'), 'x.json', 'annotations[0] (id 10)', /segmentation\[0\] has 5 numbers/);
  rejects(() => parseCoco(withChange((j) => (j.annotations[0].segmentation = [[0, 0, 2, 'a', 2, 2]])), 'x.json'), 'x.json', 'annotations[0] (id 10)', /segmentation\[0\]\[3\] is "a"/);
  rejects(() => parseCoco(withChange((j) => (j.annotations[2].image_id = 5)), 'x.json'), 'x.json', 'annotations[2] (id 12)', /image_id 5 is no image/);
  rejects(() => parseCoco(withChange((j) => (j.annotations[2].category_id = 2)), 'x.json'), 'x.json', 'annotations[2] (id 12)', /category_id 2 is no category/);
  rejects(() => parseCoco(withChange((j) => (j.annotations[2].id = 10)), 'x.json'), 'x.json', 'annotations[2] (id 10)', /used by another annotation/);
  rejects(() => parseCoco(withChange((j) => (j.images[0].width = 0)), 'x.json'), 'x.json', 'images[0] (id 1)', /width must be a positive integer/);
  rejects(() => parseCoco(withChange((j) => (j.categories[0].id = 0)), 'x.json'), 'x.json', 'categories[0]', /0 is the background/);
});

test('parseYoloLabels reads polygons and refuses boxes, bad classes and bad coordinates by line', () => {
  const objects = parseYoloLabels('0 0.1 0.1 0.5 0.1 0.5 0.5\n\n1 0 0 1 0 1 1 0 1\n', 'l.txt', 2);
  assert.deepEqual(objects.map((o) => [o.classIndex, o.points.length, o.line]), [[0, 6, 1], [1, 8, 3]]);
  rejects(() => parseYoloLabels('0 0.1 0.1 0.5 0.1 0.5 0.5\n2 0 0 1 0 1 1', 'l.txt', 2), 'l.txt', 'line 2', /class index 2 is not one of 0..1/);
  rejects(() => parseYoloLabels('0 0.5 0.5 0.2 0.2', 'l.txt', 2), 'l.txt', 'line 1', /bounding box/);
  rejects(() => parseYoloLabels('0 0.5 0.5 0.2 0.2 0.3', 'l.txt', 2), 'l.txt', 'line 1', /5 coordinates/);
  rejects(() => parseYoloLabels('0 0.5 0.5 0.2 1.7 0.3 0.1', 'l.txt', 2), 'l.txt', 'line 1', /1.7 is outside 0..1/);
  rejects(() => parseYoloLabels('0 0.5 x 0.2 0.2 0.3 0.1', 'l.txt', 2), 'l.txt', 'line 1', /"x" is not a number/);
});

test('parseYoloDataYaml reads names as a flow list, a block list or a map, and our own output', () => {
  assert.deepEqual(parseYoloDataYaml('path: .\ntrain: images/train\nnames: [cell, "red blood cell"] # two\n', 'd.yaml').names, ['cell', 'red blood cell']);
  assert.deepEqual(parseYoloDataYaml('names:\n  - a\n  - \'b c\'\n', 'd.yaml').names, ['a', 'b c']);
  const map = parseYoloDataYaml('train: images/train\nval: images/val\nnames:\n  0: a\n  1: b\n', 'd.yaml');
  assert.deepEqual(map, { names: ['a', 'b'], splits: { train: 'images/train', val: 'images/val' } });
  const ours = formatYoloDataYaml(['x: y', 'z'], { train: 'images/train' });
  assert.deepEqual(parseYoloDataYaml(ours, 'd.yaml').names, ['x: y', 'z']);
  rejects(() => parseYoloDataYaml('names:\n  0: a\n  2: b\n', 'd.yaml'), 'd.yaml', 'names', /2 is missing|1 is missing/);
  rejects(() => parseYoloDataYaml('train: x\n', 'd.yaml'), 'd.yaml', 'names', /is missing/);
});

test('parseLabelme reads area shapes in our pixel convention and counts the others', () => {
  const file = parseLabelme(JSON.stringify({
    imagePath: 'a.png', imageWidth: 10, imageHeight: 8, imageData: null,
    shapes: [
      { label: 'cell', points: [[1, 1], [4, 1], [4, 4]], shape_type: 'polygon', group_id: null },
      { label: 'cell', points: [[2, 2], [3, 5]], shape_type: 'rectangle', group_id: 3 },
      { label: 'dot', points: [[5, 5], [5, 7]], shape_type: 'circle' },
      { label: 'edge', points: [[0, 0], [1, 1]], shape_type: 'line' },
    ],
  }), 'a.json');
  assert.deepEqual(file.shapes.map((s) => s.label), ['cell', 'cell', 'dot']);
  assert.deepEqual(file.shapes[0].rings, [[1.5, 1.5, 4.5, 1.5, 4.5, 4.5]]);
  assert.deepEqual(file.shapes[1].rings, [[2, 2, 4, 2, 4, 6, 2, 6]]);
  assert.equal(file.shapes[1].groupId, 3);
  assert.equal(file.shapes[2].rings![0].length, 256);
  assert.deepEqual(file.skipped, { line: 1 });
  rejects(() => parseLabelme(JSON.stringify({ imagePath: 'a.png', imageWidth: 10, imageHeight: 8, shapes: [{ label: 'x', points: [[1, 1], [2, 2]], shape_type: 'polygon' }] }), 'a.json'), 'a.json', 'shapes[0] ("x")', /needs at least 3 points, got 2/);
  rejects(() => parseLabelme(JSON.stringify({ imagePath: 'a.png', imageWidth: 10, shapes: [] }), 'a.json'), 'a.json', 'imageHeight', /positive integer/);
  rejects(() => parseLabelme(JSON.stringify({ imagePath: 'a.png', imageWidth: 10, imageHeight: 8, shapes: [{ label: 'x', points: [[1, 1]], shape_type: 'blob' }] }), 'a.json'), 'a.json', 'shapes[0] ("x")', /shape_type "blob"/);
});

test('VOC colour map and labelmap', () => {
  const map = vocColormap();
  assert.deepEqual([...map.slice(0, 12)], [0, 0, 0, 128, 0, 0, 0, 128, 0, 128, 128, 0]);
  assert.deepEqual([...map.slice(255 * 3)], [224, 224, 192]);
  const text = formatLabelmap([{ id: 0, name: 'background', color: '#000000' }, { id: 1, name: 'a:b', color: '#e6194b' }]);
  assert.deepEqual(parseLabelmap(text), [{ name: 'background', color: '#000000' }, { name: 'a b', color: '#e6194b' }]);
});
