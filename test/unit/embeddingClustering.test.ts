import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clusterEmbeddings } from '../../src/core/embeddingClustering';
import { Random } from '../../src/engine/synthetic/random';

/** Points around `centres`, each within `spread` of its centre (what the pull term of the loss gives). */
function blobs(centres: number[][], perBlob: number, spread: number, seed: number) {
  const rng = new Random(seed);
  const dims = centres[0].length;
  const truth: number[] = [];
  const data = new Float32Array(centres.length * perBlob * dims);
  let p = 0;
  // Interleave blobs so clusters are not contiguous in the input.
  for (let i = 0; i < perBlob; i++) {
    centres.forEach((c, b) => {
      const dir = c.map(() => rng.normal());
      const norm = Math.hypot(...dir);
      const radius = spread * rng.next();
      c.forEach((v, d) => (data[p * dims + d] = v + (dir[d] / norm) * radius));
      truth.push(b);
      p++;
    });
  }
  return { data, truth, count: p, dims };
}

/** Same partition up to renaming of the labels. */
function samePartition(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  const ab = new Map<number, number>();
  const ba = new Map<number, number>();
  for (let i = 0; i < a.length; i++) {
    if ((ab.get(a[i]) ?? b[i]) !== b[i] || (ba.get(b[i]) ?? a[i]) !== a[i]) return false;
    ab.set(a[i], b[i]);
    ba.set(b[i], a[i]);
  }
  return true;
}

test('mean-shift recovers instances whose embeddings obey the discriminative margins', () => {
  // delta_v = 0.5, delta_d = 1.5: points within 0.5 of their mean, means at least 3 apart, 8 dimensions.
  const centres = [
    [0, 0, 0, 0, 0, 0, 0, 0], [3, 0, 0, 0, 0, 0, 0, 0], [0, 3, 0, 0, 0, 0, 0, 0],
    [3, 3, 0, 0, 0, 0, 0, 0], [0, 0, 3, 0, 0, 0, 0, 1], [1.5, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5],
  ];
  const { data, truth, count, dims } = blobs(centres, 200, 0.5, 7);
  const labels = clusterEmbeddings(data, count, dims, { bandwidth: 0.5 * 2 });
  assert.equal(new Set(labels).size, centres.length);
  assert.ok(samePartition(labels, truth));
  assert.ok(!labels.includes(0));
});

test('small clusters become noise (0) and the result is deterministic', () => {
  const { data, count, dims } = blobs([[0, 0], [10, 10]], 50, 0.3, 3);
  const withOutlier = new Float32Array([...data, 100, 100]);
  const labels = clusterEmbeddings(withOutlier, count + 1, dims, { bandwidth: 1, minSize: 5 });
  assert.equal(labels[count], 0);
  assert.equal(new Set(Array.from(labels).slice(0, count)).size, 2);
  assert.deepEqual(clusterEmbeddings(withOutlier, count + 1, dims, { bandwidth: 1, minSize: 5 }), labels);
});

test('a wrong buffer size is refused', () => {
  assert.throws(() => clusterEmbeddings(new Float32Array(5), 2, 3, { bandwidth: 1 }), /expected 2 x 3/);
});
