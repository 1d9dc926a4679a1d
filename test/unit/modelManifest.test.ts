import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkManifestAgainstModel, MANIFEST_FORMAT, ModelManifest, TensorInfo, validateManifest } from '../../src/core/modelManifest';

const GOOD = {
  format: MANIFEST_FORMAT,
  name: 'cells',
  classes: [
    { id: 0, name: 'background', color: '#000000' },
    { id: 5, name: 'cell', color: '#e6194b' },
    { id: 2, name: 'bacterium' },
  ],
  ignoreIndex: 255,
  input: { name: 'image', layout: 'NCHW', channels: 3, mode: 'tile', size: [256, 320], overlap: 32, mean: [0, 0, 0], std: [255, 255, 255] },
  output: { name: 'logits', layout: 'NCHW', kind: 'logits' },
};

function manifest(): ModelManifest {
  const r = validateManifest(structuredClone(GOOD), 'm.json');
  assert.ok(r.ok, JSON.stringify(r));
  return r.manifest;
}

test('a valid manifest keeps its classes in channel order and gets default colours', () => {
  const m = manifest();
  assert.deepEqual(m.classes.map((c) => c.id), [0, 5, 2], 'channel k is classes[k]: not sorted by id');
  assert.match(m.classes[2].color, /^#[0-9a-f]{6}$/);
  assert.equal(m.input.overlap, 32);
});

test('every manifest error names its field, all at once', () => {
  const bad = structuredClone(GOOD) as any;
  bad.format = 'other';
  bad.classes[1].id = 0;
  bad.input.layout = 'CHW';
  bad.input.size = [256];
  bad.input.mean = [0, 0];
  bad.input.std = [1, 0, 1];
  bad.output.kind = 'softmax';
  const r = validateManifest(bad, 'm.json');
  assert.equal(r.ok, false);
  const text = (r as { errors: string[] }).errors.join('\n');
  for (const field of ['format', 'classes[1].id', 'input.layout', 'input.size', 'input.mean', 'input.std', 'output.kind']) {
    assert.ok(text.includes(`m.json: ${field}:`), `no error for ${field} in:\n${text}`);
  }
});

test('tile overlap must be under half the tile', () => {
  const bad = structuredClone(GOOD) as any;
  bad.input.overlap = 128;
  const r = validateManifest(bad, 'm.json');
  assert.equal(r.ok, false);
  assert.match((r as { errors: string[] }).errors[0], /input\.overlap: must be an integer from 0 to 127/);
});

const INPUT: TensorInfo = { name: 'image', type: 'float32', shape: ['N', 3, 'H', 'W'] };
const OUTPUT: TensorInfo = { name: 'logits', type: 'float32', shape: ['N', 3, 'H', 'W'] };

test('a model whose inputs and outputs fit its manifest has no mismatch', () => {
  assert.deepEqual(checkManifestAgainstModel(manifest(), [INPUT], [OUTPUT], 'm.onnx'), []);
  assert.deepEqual(checkManifestAgainstModel(manifest(), [{ ...INPUT, shape: [1, 3, 256, 320] }], [{ ...OUTPUT, shape: [1, 3, 256, 320] }], 'm.onnx'), []);
});

test('mismatched names list what the model has', () => {
  const errors = checkManifestAgainstModel(manifest(), [{ ...INPUT, name: 'input_1' }], [{ ...OUTPUT, name: 'out' }], 'm.onnx');
  assert.equal(errors.length, 2);
  assert.match(errors[0], /m\.onnx has no input "image" \(manifest input\.name\); its inputs: "input_1" float32 \[N, 3, H, W\]/);
  assert.match(errors[1], /no output "logits" \(manifest output\.name\); its outputs: "out"/);
});

test('channels, fixed sizes, types and class counts are checked against the real shapes', () => {
  const m = manifest();
  const errors = checkManifestAgainstModel(m, [{ ...INPUT, type: 'uint8', shape: [1, 4, 512, 320] }], [{ ...OUTPUT, shape: ['N', 2, 'H', 'W'] }], 'm.onnx');
  const text = errors.join('\n');
  assert.match(text, /input "image" is uint8; pre-labelling feeds float32/);
  assert.match(text, /has 4 channels at axis 1 \(NCHW\); the manifest says input\.channels 3/);
  assert.match(text, /fixed height of 512; the manifest's input\.size says 256/);
  assert.doesNotMatch(text, /width/);
  assert.match(text, /has 2 channels \(NCHW\) but the manifest lists 3 classes/);
});

test('an NHWC model described as NCHW gets a hint about the layout', () => {
  const errors = checkManifestAgainstModel(manifest(), [{ ...INPUT, shape: ['N', 'H', 'W', 3] }], [OUTPUT], 'm.onnx');
  assert.match(errors.join('\n'), /has a fixed width of 3; the manifest's input\.size says 320/);
  assert.match(errors.join('\n'), /input "image" looks NHWC: is the manifest's input\.layout "NCHW" right\?/);
});

test('a labels output needs an integer label map', () => {
  const m = { ...manifest(), output: { name: 'labels', layout: 'NCHW' as const, kind: 'labels' as const } };
  assert.deepEqual(checkManifestAgainstModel(m, [INPUT], [{ name: 'labels', type: 'int64', shape: ['N', 'H', 'W'] }], 'm.onnx'), []);
  const errors = checkManifestAgainstModel(m, [INPUT], [{ name: 'labels', type: 'string', shape: ['N', 3, 'H', 'W'] }], 'm.onnx');
  assert.equal(errors.length, 2, errors.join('\n'));
});

test('a second input is refused', () => {
  const errors = checkManifestAgainstModel(manifest(), [INPUT, { name: 'mask', type: 'float32', shape: ['N', 1, 'H', 'W'] }], [OUTPUT], 'm.onnx');
  assert.match(errors.join('\n'), /has 2 inputs .*pre-labelling feeds one image input/);
});

const EMBEDDING = { name: 'embedding', layout: 'NCHW', dims: 4, bandwidth: 0.75 };

test('an embedding output is validated field by field', () => {
  const good = validateManifest({ ...structuredClone(GOOD), embedding: EMBEDDING }, 'm.json');
  assert.ok(good.ok, JSON.stringify(good));
  assert.deepEqual(good.manifest.embedding, EMBEDDING);
  const bad = validateManifest({ ...structuredClone(GOOD), embedding: { name: 'logits', layout: 'CHW', dims: 0, bandwidth: -1 } }, 'm.json');
  assert.equal(bad.ok, false);
  const text = (bad as { errors: string[] }).errors.join('\n');
  assert.match(text, /m\.json: embedding\.name: must differ from output\.name \("logits"\)/);
  assert.match(text, /m\.json: embedding\.layout: must be one of "NCHW", "NHWC", got "CHW"/);
  assert.match(text, /m\.json: embedding\.dims: must be an integer from 1 to 64/);
  assert.match(text, /m\.json: embedding\.bandwidth: must be a positive number/);
  const notObject = validateManifest({ ...structuredClone(GOOD), embedding: 'emb' }, 'm.json');
  assert.match((notObject as { errors: string[] }).errors.join('\n'), /m\.json: embedding: must be an object/);
});

test('the embedding output is checked against the model: name, type, rank, channels on the layout axis', () => {
  const m = { ...manifest(), embedding: { ...EMBEDDING } } as ModelManifest;
  const emb = (shape: (number | string)[], type = 'float32', name = 'embedding'): TensorInfo => ({ name, type, shape });
  assert.deepEqual(checkManifestAgainstModel(m, [INPUT], [OUTPUT, emb(['N', 4, 'H', 'W'])], 'm.onnx'), []);
  assert.deepEqual(checkManifestAgainstModel(m, [INPUT], [OUTPUT, emb(['N', 'C', 'H', 'W'])], 'm.onnx'), [], 'a symbolic channel count is checked when it runs');
  const check = (outputs: TensorInfo[]) => checkManifestAgainstModel(m, [INPUT], outputs, 'm.onnx').join('\n');
  assert.match(check([OUTPUT]), /m\.onnx has no output "embedding" \(manifest embedding\.name\); its outputs: "logits" float32/);
  assert.match(check([OUTPUT, emb(['N', 4, 'H', 'W'], 'float16')]), /embedding output "embedding" \[N, 4, H, W\] is float16; embeddings must be float32/);
  assert.match(check([OUTPUT, emb(['N', 4, 'H'])]), /embedding output "embedding" \[N, 4, H\] has 3 dimensions; embeddings need 4/);
  assert.match(check([OUTPUT, emb(['N', 8, 'H', 'W'])]), /embedding output "embedding" \[N, 8, H, W\] has 8 channels \(NCHW\) but the manifest says embedding\.dims 4$/);
  assert.match(check([OUTPUT, emb([1, 64, 64, 4])]), /has 64 channels \(NCHW\) but the manifest says embedding\.dims 4; it looks NHWC: is embedding\.layout "NCHW" right\?/);
  const nhwc = { ...m, embedding: { ...EMBEDDING, layout: 'NHWC' as const } };
  assert.deepEqual(checkManifestAgainstModel(nhwc, [INPUT], [OUTPUT, emb([1, 64, 64, 4])], 'm.onnx'), []);
});
