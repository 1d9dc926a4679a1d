// Round trips of the sample dataset through every export format, by the built CLI in real child
// processes, plus the bad-input rules: errors that name file, entry and problem, nothing half written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { runCli } from '../helpers/cli';
import { copySample, readMaskIndependently, SAMPLE, tempDir } from '../helpers/dataset';
import { compareRoundTrip, readIds } from '../helpers/roundTrip';
import { decodeRle, rleFromString } from '../../src/core/rle';
import { encodeMaskPng } from '../../src/core/maskCodec';

const labelledKeys = () => readdirSync(path.join(SAMPLE, 'masks')).map((f) => f.replace(/\.png$/, '')).sort();

async function convert(args: string[]) {
  const run = await runCli(['convert', ...args, '--json']);
  assert.equal(run.code, 0, `segment convert ${args.join(' ')}: ${run.stdout}${run.stderr}`);
  return run.done!;
}

async function roundTrip(t: any, root: string, exportArgs: string[]) {
  const dir = tempDir(t);
  const out = path.join(dir, 'export');
  const back = path.join(dir, 'back');
  const exported = await convert([root, ...exportArgs, '--out', out]);
  const from = exportArgs[exportArgs.indexOf('--to') + 1];
  const imported = await convert([out, '--from', from, '--out', back]);
  return { out, back, exported, imported, report: compareRoundTrip(root, back) };
}

function assertExact(report: ReturnType<typeof compareRoundTrip>, what: string) {
  assert.deepEqual(report.missing, [], `${what}: images missing after the round trip`);
  assert.equal(report.images, labelledKeys().length, what);
  assert.equal(report.differentPixels, 0, `${what}: ${report.differentPixels} pixels changed`);
  assert.equal(report.identical, report.images);
}

test('COCO RLE round trip: identical masks, same instances, images copied byte for byte', async (t) => {
  const { out, back, exported, report } = await roundTrip(t, SAMPLE, ['--to', 'coco']);
  assertExact(report, 'COCO RLE');
  assert.equal(report.sameInstances, report.instanceMaps);
  assert.equal(report.instanceMaps, labelledKeys().length, 'every sample mask has an instance map');
  assert.equal(exported.skipped.length, 8, 'the 8 unlabelled images are left out');
  for (const key of labelledKeys()) {
    assert.deepEqual(readFileSync(path.join(back, 'images', `${key}.jpg`)), readFileSync(path.join(SAMPLE, 'images', `${key}.jpg`)));
  }
  // Each annotation: a compressed RLE whose area and box describe its pixels, all of one class;
  // per image the annotations of a class cover exactly that class's pixels (masks read by libvips).
  const coco = JSON.parse(readFileSync(path.join(out, 'annotations', 'instances.json'), 'utf8'));
  assert.deepEqual(coco.categories.map((c: any) => [c.id, c.name]), [[1, 'red blood cell'], [2, 'spirochaete']]);
  assert.equal(coco.annotations.length, exported.objects);
  for (const image of coco.images.slice(0, 6)) {
    const mask = await readMaskIndependently(path.join(SAMPLE, 'masks', image.file_name.replace(/\.jpg$/, '.png')));
    const covered = new Uint8Array(image.width * image.height);
    for (const a of coco.annotations.filter((a: any) => a.image_id === image.id)) {
      assert.equal(typeof a.segmentation.counts, 'string');
      assert.deepEqual(a.segmentation.size, [image.height, image.width]);
      const bits = decodeRle({ size: a.segmentation.size, counts: rleFromString(a.segmentation.counts) });
      let area = 0, x0 = Infinity, y0 = Infinity, x1 = -1, y1 = -1;
      bits.forEach((b, k) => {
        if (!b) return;
        area++;
        const x = k % image.width, y = Math.floor(k / image.width);
        x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x); y1 = Math.max(y1, y);
        assert.equal(mask.ids[k], a.category_id, `annotation ${a.id} covers a pixel of another class`);
        assert.equal(covered[k], 0, `annotations overlap at pixel ${k}`);
        covered[k] = 1;
      });
      assert.equal(a.area, area);
      assert.deepEqual(a.bbox, [x0, y0, x1 - x0 + 1, y1 - y0 + 1]);
    }
    mask.ids.forEach((id, k) => assert.equal(covered[k], id === 0 ? 0 : 1, `pixel ${k} of class ${id}`));
  }
});

test('VOC round trip: identical masks and instances; palette PNGs, split lists and labelmap', async (t) => {
  const { out, report } = await roundTrip(t, SAMPLE, ['--to', 'voc']);
  assertExact(report, 'VOC');
  assert.equal(report.sameInstances, report.instanceMaps);
  const key = labelledKeys()[0];
  const meta = await sharp(path.join(out, 'SegmentationClass', `${key}.png`)).metadata();
  assert.equal(meta.isPalette, true, 'SegmentationClass is a palette PNG');
  const splitKeys = (f: string) => readFileSync(path.join(SAMPLE, 'splits', f), 'utf8').trim().split('\n').sort();
  for (const s of ['train', 'val', 'test']) {
    assert.deepEqual(readFileSync(path.join(out, 'ImageSets', 'Segmentation', `${s}.txt`), 'utf8').trim().split('\n').sort(), splitKeys(`${s}.txt`));
  }
  assert.match(readFileSync(path.join(out, 'labelmap.txt'), 'utf8'), /^spirochaete:60,180,75::$/m);
});

test('COCO polygons and YOLO: exact at the default tolerance, close at 1 px (IoU measured)', async (t) => {
  for (const args of [['--to', 'coco', '--segmentation', 'polygon'], ['--to', 'yolo']]) {
    const exact = await roundTrip(t, SAMPLE, args);
    assertExact(exact.report, args.join(' '));
    const loose = await roundTrip(t, SAMPLE, [...args, '--tolerance', '1']);
    const ious = [...loose.report.iou].map(([c, v]) => `class ${c} ${v.toFixed(4)}`).join(', ');
    t.diagnostic(`${args.join(' ')} --tolerance 1: mean IoU ${loose.report.meanIoU.toFixed(4)} (${ious}), ${loose.report.differentPixels} of ${loose.report.pixels} pixels differ`);
    assert.ok(loose.report.differentPixels > 0, 'a 1 px tolerance does simplify');
    assert.ok(loose.report.meanIoU > 0.85 && loose.report.meanIoU < 1, `mean IoU ${loose.report.meanIoU}`);
  }
});

test('YOLO labels: 0-based classes without background, normalised polygons, data.yaml names, split folders', async (t) => {
  const out = path.join(tempDir(t), 'yolo');
  await convert([SAMPLE, '--to', 'yolo', '--out', out]);
  assert.match(readFileSync(path.join(out, 'data.yaml'), 'utf8'), /names:\n  0: "red blood cell"\n  1: "spirochaete"/);
  const train = readFileSync(path.join(SAMPLE, 'splits', 'train.txt'), 'utf8').trim().split('\n');
  const label = readFileSync(path.join(out, 'labels', 'train', `${train[0]}.txt`), 'utf8').trim().split('\n');
  assert.ok(existsSync(path.join(out, 'images', 'train', `${train[0]}.jpg`)));
  for (const line of label) {
    const [cls, ...xy] = line.split(' ').map(Number);
    assert.ok(cls === 0 || cls === 1, line);
    assert.ok(xy.length >= 6 && xy.length % 2 === 0 && xy.every((v) => v >= 0 && v <= 1), line.slice(0, 80));
  }
});

test('ignore pixels survive COCO (segment_ignore) and VOC; YOLO says it drops them', async (t) => {
  const root = copySample(t);
  const key = labelledKeys()[0];
  const file = path.join(root, 'masks', `${key}.png`);
  const mask = readIds(file);
  for (let y = 10; y < 30; y++) for (let x = 10; x < 50; x++) mask.ids[y * mask.width + x] = 255;
  const classes = JSON.parse(readFileSync(path.join(root, 'segment.json'), 'utf8')).classes;
  writeFileSync(file, encodeMaskPng(mask.ids, mask.width, mask.height, { classes, ignoreIndex: 255 }));
  for (const to of ['coco', 'voc']) assertExact((await roundTrip(t, root, ['--to', to])).report, `${to} with ignore pixels`);
  const yolo = await roundTrip(t, root, ['--to', 'yolo']);
  assert.ok(yolo.exported.notes.some((n: string) => /ignore pixels of 1 masks became background/.test(n)), JSON.stringify(yolo.exported.notes));
});

test('export never overwrites without --force and never writes beside its output folder', async (t) => {
  const dir = tempDir(t);
  const out = path.join(dir, 'out');
  mkdirSync(out);
  writeFileSync(path.join(out, 'keep.txt'), 'mine');
  const refused = await runCli(['convert', SAMPLE, '--to', 'voc', '--out', out, '--json']);
  assert.equal(refused.code, 2);
  assert.match(refused.done?.message ?? refused.events.at(-1)?.message, /not empty \(keep\.txt\): pass --force/);
  assert.deepEqual(readdirSync(out), ['keep.txt']);
  assert.deepEqual(readdirSync(dir), ['out'], 'nothing written beside the output folder');

  await convert([SAMPLE, '--to', 'voc', '--out', out, '--force']);
  assert.deepEqual(readdirSync(out).sort(), ['ImageSets', 'JPEGImages', 'SegmentationClass', 'SegmentationObject', 'keep.txt', 'labelmap.txt']);
  assert.deepEqual(readdirSync(dir), ['out']);

  const root = copySample(t);
  const into = await runCli(['convert', root, '--to', 'coco', '--out', root, '--force', '--json']);
  assert.equal(into.code, 2);
  assert.match(into.events.at(-1)!.message, /is the source/);
  const above = await runCli(['convert', root, '--to', 'coco', '--out', path.dirname(root), '--force', '--json']);
  assert.equal(above.code, 2);
  assert.match(above.events.at(-1)!.message, /contains the source/);
});

test('malformed COCO, YOLO and LabelMe: the error names file, entry and problem; nothing is imported', async (t) => {
  const dir = tempDir(t);
  const coco = path.join(dir, 'coco');
  await convert([SAMPLE, '--to', 'coco', '--out', coco]);
  const annFile = path.join(coco, 'annotations', 'instances.json');
  const json = JSON.parse(readFileSync(annFile, 'utf8'));
  json.annotations[5].segmentation.counts = json.annotations[5].segmentation.counts.slice(0, -2);
  writeFileSync(annFile, JSON.stringify(json));
  const out = path.join(dir, 'imported');
  const bad = await runCli(['convert', coco, '--from', 'coco', '--out', out, '--json']);
  assert.equal(bad.code, 2);
  const message = bad.events.at(-1)!.message as string;
  assert.match(message, /instances\.json: annotations\[5\] \(id 6\): segmentation\.counts: /, message);
  assert.ok(!existsSync(out), 'no output folder after a failed import');

  // A problem found only while writing (a missing image) still leaves nothing behind.
  writeFileSync(annFile, JSON.stringify({ ...json, annotations: json.annotations.filter((_: any, i: number) => i !== 5) }));
  const last = json.images.at(-1).file_name;
  renameSync(path.join(coco, 'images', last), path.join(dir, 'moved.jpg'));
  mkdirSync(out);
  writeFileSync(path.join(out, 'old.txt'), 'old');
  const missing = await runCli(['convert', coco, '--from', 'coco', '--out', out, '--force', '--json']);
  assert.equal(missing.code, 2);
  assert.match(missing.events.at(-1)!.message, new RegExp(`images\\[${json.images.length - 1}\\] \\(id ${json.images.at(-1).id}\\): image "${last}" not found`));
  assert.deepEqual(readdirSync(out), ['old.txt'], 'the output folder is as it was');

  const yolo = path.join(dir, 'yolo');
  await convert([SAMPLE, '--to', 'yolo', '--out', yolo]);
  const train = readFileSync(path.join(SAMPLE, 'splits', 'train.txt'), 'utf8').trim().split('\n')[0];
  const labelFile = path.join(yolo, 'labels', 'train', `${train}.txt`);
  const lines = readFileSync(labelFile, 'utf8').trim().split('\n');
  lines[1] = '7 ' + lines[1].split(' ').slice(1).join(' ');
  writeFileSync(labelFile, lines.join('\n'));
  const badYolo = await runCli(['convert', yolo, '--from', 'yolo', '--out', path.join(dir, 'y'), '--json']);
  assert.equal(badYolo.code, 2);
  assert.match(badYolo.events.at(-1)!.message, new RegExp(`labels/train/${train}\\.txt: line 2: class index 7 is not one of 0\\.\\.1`));
  assert.ok(!existsSync(path.join(dir, 'y')));

  const lm = path.join(dir, 'labelme');
  mkdirSync(lm);
  writeFileSync(path.join(lm, 'a.json'), JSON.stringify({ imagePath: 'a.png', imageWidth: 4, imageHeight: 4, shapes: [{ label: 'cell', points: [[0, 0], [1, 1]], shape_type: 'polygon' }] }));
  const badLm = await runCli(['convert', lm, '--from', 'labelme', '--out', path.join(dir, 'l'), '--json']);
  assert.equal(badLm.code, 2);
  assert.match(badLm.events.at(-1)!.message, /a\.json: shapes\[0\] \("cell"\): a polygon needs at least 3 points, got 2/);
  assert.ok(!existsSync(path.join(dir, 'l')));
});

test('LabelMe import: polygons, rectangles, circles, groups and embedded image data', async (t) => {
  const dir = tempDir(t);
  const lm = path.join(dir, 'labelme');
  mkdirSync(path.join(lm, 'sub'), { recursive: true });
  const png = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#203040' } }).png().toBuffer();
  writeFileSync(path.join(lm, 'sub', 'photo.png'), png);
  writeFileSync(path.join(lm, 'sub', 'photo.json'), JSON.stringify({
    imagePath: 'photo.png', imageWidth: 40, imageHeight: 30, imageData: null,
    shapes: [
      { label: 'box', points: [[2, 3], [11, 7]], shape_type: 'rectangle', group_id: null },
      // Two rectangles of one group: one instance.
      { label: 'box', points: [[20, 20], [24, 24]], shape_type: 'rectangle', group_id: 1 },
      { label: 'box', points: [[30, 20], [34, 24]], shape_type: 'rectangle', group_id: 1 },
      { label: 'disc', points: [[20, 8], [26, 8]], shape_type: 'circle' },
      { label: 'tri', points: [[0, 29], [9, 29], [0, 20]], shape_type: 'polygon' },
      { label: 'edge', points: [[0, 0], [5, 5]], shape_type: 'line' },
    ],
  }));
  writeFileSync(path.join(lm, 'embedded.json'), JSON.stringify({
    imagePath: 'gone.png', imageWidth: 40, imageHeight: 30, imageData: png.toString('base64'),
    shapes: [{ label: 'tri', points: [[1, 1], [10, 1], [1, 10]], shape_type: 'polygon' }],
  }));
  const out = path.join(dir, 'ds');
  const done = await convert([lm, '--from', 'labelme', '--out', out]);
  assert.deepEqual(done.classes, [{ id: 0, name: 'background' }, { id: 1, name: 'box' }, { id: 2, name: 'disc' }, { id: 3, name: 'tri' }]);
  assert.ok(done.notes.some((n: string) => /1 line/.test(n)));
  assert.deepEqual(readFileSync(path.join(out, 'images', 'embedded.png')), png, 'embedded image data written as the image');
  const m = readIds(path.join(out, 'masks', 'sub', 'photo.png'));
  const count = (id: number) => m.ids.reduce((n, v) => n + (v === id ? 1 : 0), 0);
  // Rectangles include both corner pixels, as LabelMe draws them: 10x5 + 2 x 5x5.
  assert.equal(count(1), 50 + 25 + 25);
  for (let y = 3; y <= 7; y++) for (let x = 2; x <= 11; x++) assert.equal(m.ids[y * 40 + x], 1);
  // A circle of radius 6: about pi r^2 = 113 pixels.
  assert.ok(Math.abs(count(2) - Math.PI * 36) < 8, `disc has ${count(2)} pixels`);
  // Right triangle with legs of 9 px between pixel centres: about 9 * 9 / 2 = 40 pixels.
  assert.ok(Math.abs(count(3) - 40.5) < 6, `triangle has ${count(3)} pixels`);
  const inst = (await import('../../src/core/maskCodec')).decodeInstancePng(readFileSync(path.join(out, 'instances', 'sub', 'photo.png')));
  assert.equal(inst.ids[22 * 40 + 22], inst.ids[22 * 40 + 32], 'one group is one instance');
  assert.equal(new Set(inst.ids).size, 5, 'background + 4 instances');
  const stats = await runCli(['stats', out, '--json']);
  assert.equal(stats.code, 0, stats.stdout);
  assert.equal(stats.done!.labelled, 2);
});
