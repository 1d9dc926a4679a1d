/**
 * Instance pre-labels end to end: the built CLI and worker run real onnxruntime-node sessions on
 * instance-capable models built here (class logits and embeddings, both 1x1 convolutions of the
 * colour), over real PNG files whose objects are known; the instance maps are read back with sharp.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { REPO, runCli } from '../helpers/cli';
import { tempDir } from '../helpers/dataset';
import { instancePixelModel, pixelModel } from '../helpers/onnxModels';
import { WorkerClient } from '../../src/extension/workerClient';
import type { PrelabelSidecar } from '../../src/core/prelabel';

const WORKER = path.join(REPO, 'dist', 'worker.js');

/** Background (stuff, unmarked), cell (thing), tissue (marked stuff). */
const CLASSES = [
  { id: 0, name: 'background', color: '#000000' },
  { id: 1, name: 'cell', color: '#e6194b', thing: true },
  { id: 2, name: 'tissue', color: '#3cb44b', thing: false },
];
/** x = rgb / 255. Background 0.5; cell where red outweighs green; tissue where green outweighs red. */
const W = [[0, 0, 0], [2, -2, 0], [-2, 2, 0]];
const B = [0.5, 0, 0];
/** Embedding: (4 * blue, 2 * green): cells of different blue lie 1 or more apart. */
const E = [[0, 0, 4], [0, 2, 0]];

const WIDTH = 64;
const HEIGHT = 48;
type Rect = { x: number; y: number; w: number; h: number; rgb: [number, number, number] };
/** Cells A and B touch (same class, blue 0 and 128), C stands apart (blue 255), a 3x3 speck (9 px) is under the minimum, tissue is stuff. */
const CELLS: Record<'A' | 'B' | 'C', Rect> = {
  A: { x: 4, y: 4, w: 16, h: 16, rgb: [255, 0, 0] },
  B: { x: 20, y: 4, w: 16, h: 16, rgb: [255, 0, 128] },
  C: { x: 44, y: 10, w: 16, h: 20, rgb: [255, 0, 255] },
};
const SPECK: Rect = { x: 10, y: 28, w: 3, h: 3, rgb: [255, 0, 64] };
const TISSUE: Rect = { x: 0, y: 40, w: 64, h: 8, rgb: [0, 255, 0] };

async function writeImage(file: string, rects: Rect[]): Promise<void> {
  const rgb = new Uint8Array(WIDTH * HEIGHT * 3);
  for (const r of rects) {
    for (let y = r.y; y < r.y + r.h; y++) for (let x = r.x; x < r.x + r.w; x++) rgb.set(r.rgb, (y * WIDTH + x) * 3);
  }
  await sharp(rgb, { raw: { width: WIDTH, height: HEIGHT, channels: 3 } }).png().toFile(file);
}

/** A dataset with `cells.png` (A, B, C, speck, tissue) and `plain.png` (tissue only). */
async function dataset(t: { after(fn: () => void): void }): Promise<string> {
  const root = tempDir(t);
  mkdirSync(path.join(root, 'images'));
  writeFileSync(path.join(root, 'segment.json'), JSON.stringify({ classes: CLASSES }, null, 2));
  await writeImage(path.join(root, 'images', 'cells.png'), [CELLS.A, CELLS.B, CELLS.C, SPECK, TISSUE]);
  await writeImage(path.join(root, 'images', 'plain.png'), [TISSUE]);
  return root;
}

async function readInstances(file: string): Promise<{ ids: Uint16Array; width: number; height: number; depth: string | undefined; channels: number | undefined }> {
  const meta = await sharp(file).metadata();
  const { data, info } = await sharp(file).toColourspace('grey16').raw({ depth: 'ushort' }).toBuffer({ resolveWithObject: true });
  const ids = new Uint16Array(data.buffer, data.byteOffset, data.byteLength / 2);
  return { ids, width: info.width, height: info.height, depth: meta.depth, channels: meta.channels };
}

/** The id each cell's pixels carry (all the same), and the pixels of each id. */
function checkCells(ids: Uint16Array): Map<string, number> {
  const byCell = new Map<string, number>();
  for (const [name, r] of Object.entries(CELLS)) {
    const values = new Set<number>();
    for (let y = r.y; y < r.y + r.h; y++) for (let x = r.x; x < r.x + r.w; x++) values.add(ids[y * WIDTH + x]);
    assert.equal(values.size, 1, `cell ${name} is one object: ${[...values]}`);
    byCell.set(name, [...values][0]);
  }
  return byCell;
}

function histogram(ids: Uint16Array): Map<number, number> {
  const h = new Map<number, number>();
  for (const v of ids) h.set(v, (h.get(v) ?? 0) + 1);
  return h;
}

test('CLI writes 16-bit instance maps: touching cells apart, stuff and specks 0, counts in the sidecar', async (t) => {
  const root = await dataset(t);
  // Tiles of 32 x 32 overlapping by 8: the embeddings are blended across tiles like the scores.
  const model = instancePixelModel(tempDir(t), 'cells', { W, B, E, classes: CLASSES }, { mode: 'tile', size: [32, 32], overlap: 8 }).onnx;
  // What a crashed run left: its partial folder with a half-written instance map goes.
  const crashed = path.join(root, 'prelabels', `.partial-${os.hostname()}-${spawnSync(process.execPath, ['-e', '0']).pid}-0badf00d`);
  mkdirSync(crashed, { recursive: true });
  writeFileSync(path.join(crashed, '1234abcd.instances.png'), 'half');
  const run = await runCli(['prelabel', root, '--model', model, '--device', 'cpu', '--json']);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.equal(run.done!.written, 2);
  assert.ok(!existsSync(crashed), 'the dead run\'s partial folder is swept');

  const prelabels = path.join(root, 'prelabels');
  assert.deepEqual(readdirSync(path.join(prelabels, 'instances')).sort(), ['cells.png', 'plain.png']);
  const map = await readInstances(path.join(prelabels, 'instances', 'cells.png'));
  assert.deepEqual([map.width, map.height, map.depth, map.channels], [WIDTH, HEIGHT, 'ushort', 1], '16-bit grey at the image size');
  const byCell = checkCells(map.ids);
  assert.deepEqual([byCell.get('A'), byCell.get('B'), byCell.get('C')], [1, 2, 3], 'ids 1..N in reading order; A and B touch but are two');
  assert.deepEqual(histogram(map.ids), new Map([[0, WIDTH * HEIGHT - 256 - 256 - 320], [1, 256], [2, 256], [3, 320]]), 'speck, tissue and background are 0');

  const info = JSON.parse(readFileSync(path.join(prelabels, 'cells.json'), 'utf8')) as PrelabelSidecar;
  assert.equal(info.instances, 3);
  assert.deepEqual(info.classes.map((c) => [c.name, c.instances]), [['background', undefined], ['cell', 3], ['tissue', undefined]]);
  assert.equal(info.classes[1].pixels, 256 + 256 + 320 + 9, 'the speck is a cell pixel, only not an object');

  const plain = await readInstances(path.join(prelabels, 'instances', 'plain.png'));
  assert.ok(plain.ids.every((v) => v === 0), 'no object in an image of tissue');
  const plainInfo = JSON.parse(readFileSync(path.join(prelabels, 'plain.json'), 'utf8')) as PrelabelSidecar;
  assert.equal(plainInfo.instances, 0);
  assert.equal(plainInfo.classes[1].instances, 0);

  // Nothing else was written: no partial folder left, no instances/ or masks/ beside the images.
  assert.deepEqual(readdirSync(prelabels).sort(), ['cells.json', 'cells.png', 'instances', 'plain.json', 'plain.png']);
  assert.deepEqual(readdirSync(root).sort(), ['images', 'prelabels', 'segment.json']);

  // A run that stopped between the files (instance map missing) does that image again; the rest is skipped.
  rmSync(path.join(prelabels, 'instances', 'plain.png'));
  const again = await runCli(['prelabel', root, '--model', model, '--device', 'cpu', '--json']);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(again.done!.written, 1);
  assert.deepEqual(again.done!.skipped, [{ path: 'images/cells.png', reason: 'already pre-labelled by this model' }]);
  assert.ok(existsSync(path.join(prelabels, 'instances', 'plain.png')));

  // A model without embeddings replaces the pre-labels whole: no instance map is left behind.
  const semantic = pixelModel(tempDir(t), 'semantic', { W, B }).onnx;
  writeFileSync(semantic.replace(/\.onnx$/, '.json'), JSON.stringify({ ...JSON.parse(readFileSync(semantic.replace(/\.onnx$/, '.json'), 'utf8')), classes: CLASSES }));
  const replaced = await runCli(['prelabel', root, '--model', semantic, '--device', 'cpu', '--json']);
  assert.equal(replaced.code, 0, replaced.stderr);
  assert.equal(replaced.done!.written, 2);
  assert.deepEqual(readdirSync(path.join(prelabels, 'instances')), []);
  const semanticInfo = JSON.parse(readFileSync(path.join(prelabels, 'cells.json'), 'utf8')) as PrelabelSidecar;
  assert.equal(semanticInfo.instances, undefined);
  assert.ok(semanticInfo.classes.every((c) => c.instances === undefined));
});

test('predict returns and writes the instance map too (resize mode, NHWC embeddings)', async (t) => {
  const root = await dataset(t);
  // The model's size is the image's: resizing changes nothing, so the objects are exact.
  const model = instancePixelModel(tempDir(t), 'cells-nhwc', { W, B, E, classes: CLASSES, embeddingLayout: 'NHWC' }, { size: [HEIGHT, WIDTH] }).onnx;
  const worker = new WorkerClient(WORKER);
  t.after(() => worker.dispose());
  const result = await worker.run('predict', { image: path.join(root, 'images', 'cells.png'), model, device: 'cpu' });
  assert.equal(result.instances, path.join(root, 'prelabels', 'instances', 'cells.png'));
  assert.equal(result.info.instances, 3);
  const map = await readInstances(result.instances!);
  assert.deepEqual([...checkCells(map.ids).values()], [1, 2, 3]);
  assert.deepEqual(readdirSync(path.join(root, 'prelabels')).sort(), ['cells.json', 'cells.png', 'instances']);
});

test('an embedding output that does not match the manifest fails before any work (exit 2)', async (t) => {
  const dir = tempDir(t);
  const good = instancePixelModel(dir, 'good', { W, B, E, classes: CLASSES });
  const variant = (name: string, embedding: object) => {
    writeFileSync(path.join(dir, `${name}.onnx`), readFileSync(good.onnx));
    writeFileSync(path.join(dir, `${name}.json`), JSON.stringify({ ...good.manifest, name, embedding: { ...good.manifest.embedding, ...embedding } }));
    return path.join(dir, `${name}.onnx`);
  };
  const cases: [string, string, RegExp][] = [
    ['wrong name', variant('name', { name: 'emb' }), /has no output "emb" \(manifest embedding\.name\); its outputs: "scores" float32 \[N, 3, H, W\], "embedding" float32 \[N, 2, H, W\]/],
    ['wrong dims', variant('dims', { dims: 8 }), /embedding output "embedding" \[N, 2, H, W\] has 2 channels \(NCHW\) but the manifest says embedding\.dims 8/],
    ['bad bandwidth', variant('bandwidth', { bandwidth: 0 }), /embedding\.bandwidth: must be a positive number/],
  ];
  for (const [what, model, message] of cases) {
    const root = await dataset(t);
    const run = await runCli(['prelabel', root, '--model', model, '--device', 'cpu']);
    assert.equal(run.code, 2, `${what}: exit 2 (${run.stderr})`);
    assert.match(run.stderr, message, what);
    assert.ok(!existsSync(path.join(root, 'prelabels')), `${what}: nothing written`);
  }
});
