import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clusterEmbeddings, clusterManyEmbeddings, instanceMap } from '../../src/core/embeddingClustering';
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

/** `count` centres on a grid `spacing` apart in the first two of `dims` dimensions. */
function gridCentres(count: number, dims: number, spacing: number): number[][] {
  const side = Math.ceil(Math.sqrt(count));
  return Array.from({ length: count }, (_, i) => [(i % side) * spacing, Math.floor(i / side) * spacing, ...new Array(dims - 2).fill(0.25 * (i % 3))]);
}

test('sampled clustering gives the partition of the full algorithm on many points', () => {
  // 36 objects x 1000 pixels, 4 dimensions, margins of the loss (delta_v 0.5, means 3 apart).
  const { data, truth, count, dims } = blobs(gridCentres(36, 4, 3), 1000, 0.5, 11);
  const full = clusterEmbeddings(data, count, dims, { bandwidth: 1, minSize: 16 });
  const sampled = clusterManyEmbeddings(data, count, dims, { bandwidth: 1, minSize: 16, sample: 1024 });
  assert.ok(samePartition(full, truth), 'the full algorithm finds the objects');
  assert.ok(samePartition(sampled, full), 'the sampled one finds the same');
  assert.equal(Math.max(...sampled), 36);
  assert.ok(!sampled.includes(0));
});

test('sampled clustering finds an object too small for the sample to see, and keeps minSize over all points', () => {
  const big = blobs(gridCentres(4, 3, 4), 5000, 0.4, 5);
  const small = blobs([[20, 20, 0]], 40, 0.4, 6); // 40 of 20040 points: about 2 in a 1024 sample
  const tiny = blobs([[-20, 0, 0]], 10, 0.2, 8); // under minSize: noise
  const data = new Float32Array([...big.data, ...small.data, ...tiny.data]);
  const count = big.count + small.count + tiny.count;
  const labels = clusterManyEmbeddings(data, count, 3, { bandwidth: 1, minSize: 16, sample: 1024 });
  const smallLabels = new Set(labels.slice(big.count, big.count + small.count));
  assert.equal(smallLabels.size, 1);
  assert.ok(!smallLabels.has(0), 'the small object is found');
  assert.ok(labels.slice(big.count + small.count).every((l) => l === 0), 'the tiny one is noise');
  assert.ok(samePartition(labels.slice(0, big.count), big.truth));
  assert.equal(Math.max(...labels), 5);
  assert.deepEqual(clusterManyEmbeddings(data, count, 3, { bandwidth: 1, minSize: 16, sample: 1024 }), labels, 'deterministic');
});

test('diffuse embeddings (an untrained model) still end, every point labelled or noise', () => {
  const rng = new Random(3);
  const count = 6000;
  const data = Float32Array.from({ length: count * 2 }, () => rng.next() * 40);
  const labels = clusterManyEmbeddings(data, count, 2, { bandwidth: 0.5, minSize: 16, sample: 512 });
  assert.equal(labels.length, count);
  const sizes = new Map<number, number>();
  for (const l of labels) sizes.set(l, (sizes.get(l) ?? 0) + 1);
  for (const [l, n] of sizes) if (l !== 0) assert.ok(n >= 16, `cluster ${l} has ${n} points`);
});

test('instance map: touching objects of a thing class split by embedding, stuff gets none, ids in reading order', () => {
  // 12 x 4 image: class 1 (thing) on columns 0..7, class 2 (stuff) on 8..11. Embedding: 0 on
  // columns 0..3, 5 on 4..7 (two touching objects), 9 on the stuff. minSize 4 pixels.
  const W = 12;
  const H = 4;
  const classIds = new Uint8Array(W * H);
  const emb = new Float32Array(W * H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      classIds[y * W + x] = x < 8 ? 1 : 2;
      emb[y * W + x] = x < 4 ? 0 : x < 8 ? 5 : 9;
    }
  }
  classIds[3 * W + 11] = 1; // a lone pixel of the thing class: under minSize
  emb[3 * W + 11] = 20;
  const map = instanceMap(classIds, W, emb, 1, [1], { bandwidth: 1, minSize: 4 });
  assert.equal(map.count, 2);
  assert.deepEqual(map.perClass, new Map([[1, 2]]));
  assert.deepEqual(Array.from(map.ids.slice(0, W)), [1, 1, 1, 1, 2, 2, 2, 2, 0, 0, 0, 0]);
  assert.equal(map.ids[3 * W + 11], 0);
  assert.equal(map.ids.filter((v) => v === 1).length, 16);
  const none = instanceMap(classIds, W, emb, 1, [2], { bandwidth: 1, minSize: 4 });
  assert.equal(none.count, 1, 'one object of class 2 when it is the thing class');
  assert.throws(() => instanceMap(classIds, W, new Float32Array(3), 1, [1], { bandwidth: 1 }), /expected 48 x 1/);
});

test('instanceMap: objects apart never merge, even with one embedding; a stray speck inside an object joins it', () => {
  // 9 x 3: class 1 on columns 0..3 and 5..8 (two regions apart), all with embedding 0; inside the
  // left one, two pixels whose embedding is far off (a cluster under minSize).
  const W = 9;
  const classIds = new Uint8Array(W * 3).map((_, i) => (i % W === 4 ? 0 : 1));
  const emb = new Float32Array(W * 3);
  emb[0] = emb[1] = 10;
  const map = instanceMap(classIds, W, emb, 1, [1], { bandwidth: 1, minSize: 4 });
  assert.equal(map.count, 2);
  assert.deepEqual(Array.from(map.ids.slice(0, W)), [1, 1, 1, 1, 0, 2, 2, 2, 2]);
});
