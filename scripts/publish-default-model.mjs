// Publishes a `segment train` run as the model pre-labelling ships with: models/default.onnx, its
// manifest models/default.json, and models/MODEL_CARD.md written from the manifest's training record.
// Used by `npm run train:default` (node scripts/publish-default-model.mjs <run folder>).
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import * as ort from 'onnxruntime-node';

const run = process.argv[2];
if (!run) {
  console.error('usage: node scripts/publish-default-model.mjs <folder of a segment train run>');
  process.exit(2);
}
const manifest = JSON.parse(readFileSync(path.join(run, 'model.json'), 'utf8'));
const t = manifest.training;
mkdirSync('models', { recursive: true });
copyFileSync(path.join(run, 'model.onnx'), 'models/default.onnx');
manifest.name = 'default: UNet trained on samples/darkfield';
// Provenance relative to the repository, not to the machine that trained it.
t.dataset = path.relative(process.cwd(), t.dataset).split(path.sep).join('/');
writeFileSync('models/default.json', JSON.stringify(manifest, null, 2) + '\n');

/**
 * mIoU of the exported model on the sample's test split, computed independently of the training code:
 * onnxruntime-node on 256-pixel tiles (no overlap: a lower bound), images and masks read by sharp.
 */
async function testSplitMIoU(root, manifest) {
  const list = path.join(root, 'splits', 'test.txt');
  if (!existsSync(list)) return undefined;
  const keys = readFileSync(list, 'utf8').split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  const session = await ort.InferenceSession.create('models/default.onnx');
  const K = manifest.classes.length;
  const byColor = new Map(manifest.classes.map((c, k) => [parseInt(c.color.slice(1), 16), k]));
  const [tile] = manifest.input.size;
  const confusion = new Float64Array(K * K);
  for (const key of keys) {
    const image = readdirSync(path.join(root, 'images')).find((f) => path.parse(f).name === key);
    const { data: rgb, info } = await sharp(path.join(root, 'images', image)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const { data: mask } = await sharp(path.join(root, 'masks', `${key}.png`)).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    const { width: w, height: h } = info;
    for (let y0 = 0; y0 < h; y0 += tile) {
      for (let x0 = 0; x0 < w; x0 += tile) {
        const input = new Float32Array(3 * tile * tile);
        for (let y = 0; y < tile; y++) for (let x = 0; x < tile; x++) {
          const inside = y0 + y < h && x0 + x < w;
          for (let c = 0; c < 3; c++) input[(c * tile + y) * tile + x] = inside ? (rgb[((y0 + y) * w + x0 + x) * 3 + c] - manifest.input.mean[c]) / manifest.input.std[c] : 0;
        }
        const out = (await session.run({ [manifest.input.name]: new ort.Tensor('float32', input, [1, 3, tile, tile]) }))[manifest.output.name].data;
        for (let y = 0; y < tile && y0 + y < h; y++) for (let x = 0; x < tile && x0 + x < w; x++) {
          let best = 0;
          for (let k = 1; k < K; k++) if (out[(k * tile + y) * tile + x] > out[(best * tile + y) * tile + x]) best = k;
          const p = ((y0 + y) * w + x0 + x) * 3;
          const truth = byColor.get((mask[p] << 16) | (mask[p + 1] << 8) | mask[p + 2]);
          if (truth !== undefined) confusion[truth * K + best]++;
        }
      }
    }
  }
  const ious = manifest.classes.map((_, i) => {
    let t = 0, p = 0;
    for (let j = 0; j < K; j++) { t += confusion[i * K + j]; p += confusion[j * K + i]; }
    const union = t + p - confusion[i * K + i];
    return union > 0 ? confusion[i * K + i] / union : null;
  });
  const present = ious.filter((v) => v !== null);
  return { images: keys.length, mIoU: present.reduce((a, b) => a + b, 0) / present.length, ious };
}

const test = await testSplitMIoU(t.dataset, manifest);

const pct = (v) => (v === null || v === undefined ? '–' : `${(v * 100).toFixed(1)}%`);
const card = `# Model card: models/default.onnx

The model Segment Studio's pre-labelling ships with. It is small and fast, and it is trained on the
embedded synthetic sample, so it is a starting point: train on your own masks ("Segment: Train on
Workspace" or \`segment train\`) for a model that knows your data.

## What it does

Semantic segmentation of darkfield microscopy images into ${manifest.classes.length} classes:
${manifest.classes.map((c) => `\`${c.id}\` ${c.name}`).join(', ')}. Input: RGB, normalised with the mean
${JSON.stringify(manifest.input.mean)} and standard deviation ${JSON.stringify(manifest.input.std)} (0..255 scale),
NCHW, run on ${manifest.input.size[0]}x${manifest.input.size[1]} tiles with ${manifest.input.overlap} pixels of overlap
(any image size). Output: logits, NCHW, one channel per class${manifest.embedding ? `, and \`embedding\`: ${manifest.embedding.dims} values per
pixel from the instance head (discriminative loss), which pre-labelling clusters into objects of the thing classes
(${manifest.classes.filter((c) => c.thing).map((c) => c.name).join(', ')}) and writes to \`prelabels/instances/\`` : ''}. The manifest \`models/default.json\` says all this to
pre-labelling.

## Architecture

${t.arch === 'unet' ? `U-Net with batch norm (folded into the convolutions on export), ${t.settings.depth} levels, base width ${t.settings.width}` : t.arch}:
${t.parameters.toLocaleString('en-US')} parameters, ${(readFileSync('models/default.onnx').length / 1e6).toFixed(1)} MB of ONNX (opset 13).

## Data

\`${t.dataset}\`: synthetic darkfield images (red blood cells and spirochaetes) made by the project's seeded generator
(\`npm run samples\`). Its split lists: ${t.trainImages} images trained, ${t.valImages} validated; the test split was not used.
${t.semi === 'fixmatch' ? `Semi-supervised (FixMatch-style EMA teacher) with ${t.unlabelledImages} unlabelled images.` : 'Supervised (the sample\'s unlabelled images were not used).'}

## Training

\`npm run train:default\` (\`segment train samples/darkfield --seed ${t.seed} ...\`): ${t.steps} steps of batch ${t.batch} at
${t.size} px, AdamW with peak learning rate ${t.lr}, warm-up and cosine decay, cross-entropy${t.dice ? ' + Dice' : ''}${t.instances ? ' + the discriminative loss on the sample\'s instance maps' : ''}, class weights
${t.classWeights}, augmentation (scale, rotation, flips, crop, colour). Backend: ${t.backend}. Trained on ${t.date.slice(0, 10)}.
The best validation checkpoint (step ${t.bestStep}) was exported.

## Validation

| class | IoU |
|---|---|
${t.perClass.map((c) => `| ${c.name} | ${pct(c.iou)} |`).join('\n')}
| **mean (mIoU)** | **${pct(t.valMIoU)}** |

Measured on the ${t.valImages} validation images of the sample, whole images, tiled as pre-labelling runs them.
${test ? `On the ${test.images} images of the test split, never seen in training, the exported model run by onnxruntime-node
(${manifest.input.size[0]}-pixel tiles without overlap, masks read by sharp) scores mIoU ${pct(test.mIoU)} (${manifest.classes.map((c, k) => `${c.name} ${pct(test.ious[k])}`).join(', ')}).
` : ''}These are synthetic images: expect lower figures on real microscopy until the model is trained on it.

## Limits

- Trained on synthetic data; real darkfield images differ in noise, illumination and shapes.
- Thin spirochaetes are the hard class: check them when reviewing pre-labels.
- Licence: MIT, like the project (the sample data is generated by the project).
`;
writeFileSync('models/MODEL_CARD.md', card);
console.log(`published models/default.onnx (validation mIoU ${pct(t.valMIoU)}${test ? `, test split ${pct(test.mIoU)}` : ''}), models/default.json, models/MODEL_CARD.md`);
