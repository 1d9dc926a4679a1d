// `npm run report:formats [root...]`: round trips of real datasets (default: the sample and
// ../shared/datasets/nuclei with its instances) through every export format, with the measured
// IoU of the polygon formats at several tolerances. Where Python's pycocotools is installed, the
// exported COCO files are also decoded by it and compared with our import, pixel for pixel.
// Reads ../shared, so it is a report, not part of `npm test`.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { compareRoundTrip, readIds } from '../test/helpers/roundTrip';

const REPO = path.resolve(__dirname, '..');
const CLI = path.join(REPO, 'dist', 'cli.js');
/** `shared/datasets` beside the repository (or beside a folder above it, for worktrees). */
function sharedDatasets(): string {
  for (let dir = path.dirname(REPO); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'shared', 'datasets'))) return path.join(dir, 'shared', 'datasets');
    if (path.dirname(dir) === dir) return path.resolve(REPO, '..', 'shared', 'datasets');
  }
}
const roots = process.argv.slice(2).length ? process.argv.slice(2) : [path.join(REPO, 'samples', 'darkfield'), path.join(sharedDatasets(), 'nuclei')];
const FORMATS: { name: string; args: string[]; from: string }[] = [
  { name: 'COCO RLE', args: ['--to', 'coco'], from: 'coco' },
  { name: 'VOC', args: ['--to', 'voc'], from: 'voc' },
  { name: 'COCO polygons (default 0.5 px)', args: ['--to', 'coco', '--segmentation', 'polygon'], from: 'coco' },
  { name: 'COCO polygons, 1 px', args: ['--to', 'coco', '--segmentation', 'polygon', '--tolerance', '1'], from: 'coco' },
  { name: 'COCO polygons, 2 px', args: ['--to', 'coco', '--segmentation', 'polygon', '--tolerance', '2'], from: 'coco' },
  { name: 'YOLO (default 0.5 px)', args: ['--to', 'yolo'], from: 'yolo' },
  { name: 'YOLO, 1 px', args: ['--to', 'yolo', '--tolerance', '1'], from: 'yolo' },
];

function cli(args: string[]): any {
  const out = execFileSync(process.execPath, [CLI, ...args, '--json'], { encoding: 'utf8', maxBuffer: 1 << 28 });
  return JSON.parse(out.trim().split('\n').at(-1)!);
}

const hasPycocotools = spawnSync('python3', ['-c', 'import pycocotools.mask, numpy'], { stdio: 'ignore' }).status === 0;

/** Pixels where pycocotools' decoding of a COCO export differs from our import of it. */
function pycocotoolsDiff(cocoDir: string, backDir: string): { images: number; different: number } {
  // Our imported masks as raw bytes, for numpy.
  const raw = path.join(cocoDir, 'raw');
  mkdirSync(raw, { recursive: true });
  for (const f of readdirSync(path.join(backDir, 'masks'))) writeFileSync(path.join(raw, f.replace(/\.png$/, '.bin')), readIds(path.join(backDir, 'masks', f)).ids);
  const py = `
import json, sys, numpy as np, pycocotools.mask as M
d = json.load(open(sys.argv[1])); raw = sys.argv[2]
anns = {}
for a in d['annotations']: anns.setdefault(a['image_id'], []).append(a)
diff = 0
for im in d['images']:
    h, w = im['height'], im['width']
    m = np.zeros((h, w), np.uint8)
    if 'segment_ignore' in im: m[M.decode({'size': [h, w], 'counts': im['segment_ignore']['counts'].encode()}) > 0] = 255
    for a in anns.get(im['id'], []):
        s = a['segmentation']
        r = M.merge(M.frPyObjects(s, h, w)) if isinstance(s, list) else {'size': s['size'], 'counts': s['counts'].encode()}
        m[M.decode(r) > 0] = a['category_id']
    ours = np.fromfile(raw + '/' + im['file_name'].rsplit('.', 1)[0] + '.bin', np.uint8).reshape(h, w)
    diff += int((ours != m).sum())
print(json.dumps({'images': len(d['images']), 'different': diff}))
`;
  const r = spawnSync('python3', ['-c', py, path.join(cocoDir, 'annotations', 'instances.json'), raw], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
}

function main(): void {
  if (!existsSync(CLI)) throw new Error('run `npm run build` first');
  console.log(`pycocotools cross-check: ${hasPycocotools ? 'yes' : 'no (python3 with pycocotools and numpy not found)'}`);
  for (const root of roots) {
    if (!existsSync(root)) {
      console.log(`\n${root}: not found, skipped`);
      continue;
    }
    const stats = cli(['stats', root]);
    console.log(`\n${root}: ${stats.labelled} labelled images, ${stats.withInstances} with instance maps`);
    console.log('format                           objects  identical  pixels changed   IoU per class                  mean IoU  instances  pycocotools');
    for (const f of FORMATS) {
      const tmp = mkdtempSync(path.join(os.tmpdir(), 'report-formats-'));
      try {
        const started = Date.now();
        const exported = cli(['convert', root, ...f.args, '--out', path.join(tmp, 'out')]);
        cli(['convert', path.join(tmp, 'out'), '--from', f.from, '--out', path.join(tmp, 'back')]);
        const seconds = (Date.now() - started) / 1000;
        const r = compareRoundTrip(root, path.join(tmp, 'back'));
        const ious = [...r.iou].sort((a, b) => a[0] - b[0]).map(([c, v]) => `${c}: ${v.toFixed(4)}`).join(', ');
        const coco = f.from === 'coco' && hasPycocotools ? pycocotoolsDiff(path.join(tmp, 'out'), path.join(tmp, 'back')) : undefined;
        console.log(
          [
            f.name.padEnd(32),
            String(exported.objects).padStart(7),
            `${r.identical}/${r.images}`.padStart(10),
            `${r.differentPixels} / ${r.pixels}`.padStart(16),
            ('  ' + ious).padEnd(32),
            r.meanIoU.toFixed(4).padStart(8),
            `${r.sameInstances}/${r.instanceMaps}`.padStart(10),
            (coco ? `${coco.different} px differ` : '-').padStart(14),
            `  (${seconds.toFixed(1)} s)`,
          ].join(' '),
        );
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
    }
  }
}

main();
