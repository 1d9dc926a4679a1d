/**
 * The project's ONNX exporter against TensorFlow.js: every architecture, exported with batch norm
 * folded, run in onnxruntime-node, gives the logits tfjs computes within 1e-4 (and, with the instance
 * head, the embeddings).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { onnx } from 'onnx-proto';
import type * as TF from '@tensorflow/tfjs-core';
import { tf } from '../../src/engine/training/tf';
import { shutdownTrainingBackend, trainingBackend } from '../../src/engine/training/backend';
import { ARCHITECTURE_NAMES } from '../../src/core/training';
import { buildArchitecture } from '../../src/engine/training/architectures';
import { forwardHeads } from '../../src/engine/training/forward';
import { disposeWeights, initWeights, readWeights } from '../../src/engine/training/weights';
import { exportOnnx, ONNX_OPSET } from '../../src/engine/onnx/export';
import { Random } from '../../src/engine/synthetic/random';

before(() => trainingBackend('wasm', 2));
after(() => shutdownTrainingBackend());

const cases = [...ARCHITECTURE_NAMES.map((arch) => ({ arch, embeddingDims: 0 })), ...ARCHITECTURE_NAMES.map((arch) => ({ arch, embeddingDims: 3 }))];

for (const { arch, embeddingDims } of cases) {
  const what = embeddingDims ? "logits and instance embeddings" : "logits";
  test(`${arch}: the exported ONNX model gives tfjs's ${what} within 1e-4 in onnxruntime-node`, async () => {
    const graph = buildArchitecture(arch, { classes: 4, width: 8, depth: 3, embeddingDims });
    const weights = initWeights(graph, 11);
    // Trained-looking batch-norm statistics and scales, so folding them is really tested.
    const rng = new Random(12);
    for (const [name, t] of weights.state) {
      const values = Float32Array.from({ length: t.size }, () => (name.endsWith('.var') ? rng.range(0.2, 3) : rng.range(-1, 1)));
      weights.state.set(name, tf.tensor(values, t.shape));
      t.dispose();
    }
    for (const [name, v] of weights.params) {
      if (name.includes('.bn.')) tf.tidy(() => v.assign(tf.add(v, tf.randomUniform(v.shape, -0.5, 0.5, 'float32', 13))));
    }
    // A size that is a multiple of every architecture's stride but not square.
    const [n, h, w] = [2, 64, 96];
    const input = Float32Array.from({ length: n * h * w * 3 }, () => rng.normal());
    const [expected, expectedEmbedding] = tf.tidy(() => {
      const heads = forwardHeads(graph, weights, tf.tensor4d(input, [n, h, w, 3]), { training: false });
      return [heads.logits, heads.embedding].map((t) => t && tf.transpose(t, [0, 3, 1, 2]));
    });
    const bytes = exportOnnx(graph, await readWeights(weights));
    disposeWeights(weights);

    const model = onnx.ModelProto.decode(bytes);
    assert.equal(Number(model.opsetImport[0].version), ONNX_OPSET);
    assert.ok(!model.graph!.node!.some((node) => node.opType === 'BatchNormalization'), 'batch norm is folded into the convolutions');
    const session = await ort.InferenceSession.create(bytes);
    assert.deepEqual(session.inputNames, ['image']);
    assert.deepEqual(session.outputNames, embeddingDims ? ['logits', 'embedding'] : ['logits']);
    const nchw = tf.tidy(() => tf.transpose(tf.tensor4d(input, [n, h, w, 3]), [0, 3, 1, 2]).dataSync() as Float32Array);
    const result = await session.run({ image: new ort.Tensor('float32', nchw, [n, 3, h, w]) });
    assert.deepEqual(result.logits.dims, [n, 4, h, w]);
    const worstDifference = (got: Float32Array, want: TF.Tensor) => {
      const values = want.dataSync() as Float32Array;
      assert.equal(got.length, values.length);
      let worst = 0;
      for (let i = 0; i < values.length; i++) worst = Math.max(worst, Math.abs(got[i] - values[i]));
      want.dispose();
      return worst;
    };
    const worst = worstDifference(result.logits.data as Float32Array, expected!);
    assert.ok(worst <= 1e-4, `max |onnx - tfjs| = ${worst}`);
    if (embeddingDims) {
      assert.deepEqual(result.embedding.dims, [n, embeddingDims, h, w]);
      const worstEmbedding = worstDifference(result.embedding.data as Float32Array, expectedEmbedding!);
      assert.ok(worstEmbedding <= 1e-4, `embeddings: max |onnx - tfjs| = ${worstEmbedding}`);
    } else {
      assert.equal(expectedEmbedding, undefined);
    }
    await session.release();
  });
}
