import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fillPolygons, joinRings, maskToPolygons, signedArea, simplifyRing, traceRings } from '../../src/core/polygons';
import { maskObjects, cropObject, thingComponents } from '../../src/core/components';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

function grid(rows: string[]): { m: Uint8Array; w: number; h: number } {
  return { m: Uint8Array.from(rows.join('').split('').map((c) => (c === '#' ? 1 : 0))), w: rows[0].length, h: rows.length };
}

function fill(groups: number[][][], w: number, h: number): Uint8Array {
  const out = new Uint8Array(w * h);
  for (const g of groups) fillPolygons([joinRings(g)], w, h, out);
  return out;
}

test('a square traces to its four pixel corners, counter-clockwise on screen', () => {
  const { m, w, h } = grid(['....', '.##.', '.##.', '....']);
  const rings = traceRings(m, w, h);
  assert.equal(rings.length, 1);
  assert.ok(rings[0].outer);
  assert.equal(rings[0].points.length, 8);
  assert.equal(signedArea(rings[0].points), -4);
  assert.deepEqual(new Set(chunk(rings[0].points).map(String)), new Set(['1,1', '3,1', '3,3', '1,3']));
});

test('a hole is its own clockwise ring, grouped with its outline, and comes back as a hole', () => {
  const { m, w, h } = grid(['#####', '#...#', '#.#.#', '#...#', '#####']);
  const groups = maskToPolygons(m, w, h, 0);
  // Outer square with a hole holding an island: two parts (8-connectivity keeps the island apart).
  assert.equal(groups.length, 2);
  const frame = groups.find((g) => g.length === 2)!;
  assert.ok(frame, 'the frame has an outline and a hole');
  assert.ok(signedArea(frame[0]) < 0 && signedArea(frame[1]) > 0);
  assert.deepEqual(fill(groups, w, h), m);
});

test('diagonal neighbours are one outline (8-connectivity), as one polygon through the saddle', () => {
  const { m, w, h } = grid(['#.', '.#']);
  const groups = maskToPolygons(m, w, h, 0);
  assert.equal(groups.length, 1);
  assert.equal(groups[0].length, 1, 'one ring through the shared corner');
  assert.deepEqual(fill(groups, w, h), m);
});

test('tracing then filling gives back every random mask exactly (tolerance 0 and 0.5)', () => {
  const r = rng(11);
  for (let c = 0; c < 300; c++) {
    const w = 1 + Math.floor(r() * 30), h = 1 + Math.floor(r() * 30);
    const p = r();
    const m = Uint8Array.from({ length: w * h }, () => (r() < p ? 1 : 0));
    for (const tol of [0, 0.5]) {
      const groups = maskToPolygons(m, w, h, tol);
      for (const g of groups) for (const ring of g) for (const v of ring) assert.ok(Number.isInteger(v), 'vertices stay on pixel corners');
      assert.deepEqual(fill(groups, w, h), m, `case ${c} at tolerance ${tol}: ${w}x${h}`);
    }
  }
});

test('simplification keeps every changed pixel within the tolerance of the outline and saves vertices', () => {
  const w = 80, h = 80;
  const m = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if ((x - 40.3) ** 2 + (y - 39.6) ** 2 < 30 ** 2) m[y * w + x] = 1;
  const exact = maskToPolygons(m, w, h, 0);
  for (const tol of [1, 2]) {
    const simple = maskToPolygons(m, w, h, tol);
    assert.ok(simple[0][0].length < exact[0][0].length / 2, `tolerance ${tol} drops most stair corners`);
    const back = fill(simple, w, h);
    const ring = exact[0][0];
    for (let k = 0; k < m.length; k++) {
      if (back[k] === m[k]) continue;
      const cx = (k % w) + 0.5, cy = Math.floor(k / w) + 0.5;
      assert.ok(distanceToRing(ring, cx, cy) <= tol + 1e-9, `pixel ${k % w},${Math.floor(k / w)} changed but lies ${distanceToRing(ring, cx, cy)} from the outline`);
    }
  }
});

test('a ring that would collapse under simplification is kept whole', () => {
  const ring = [0, 0, 0, 1, 1, 1, 1, 0];
  assert.deepEqual(simplifyRing(ring, 5), ring);
});

test('fillPolygons samples pixel centres: a box from corners (1,1) to (3,3) covers four pixels', () => {
  const out = new Uint8Array(36);
  fillPolygons([[1, 1, 1, 3, 3, 3, 3, 1]], 6, 6, out);
  assert.deepEqual([...out.keys()].filter((k) => out[k]), [7, 8, 13, 14]);
  const clipped = new Uint8Array(4);
  fillPolygons([[-5, -5, 10, -5, 10, 10, -5, 10]], 2, 2, clipped, 3);
  assert.deepEqual(clipped, Uint8Array.from([3, 3, 3, 3]));
});

test('maskObjects: components of equal class, and instances split by class', () => {
  const ids = Uint8Array.from([
    1, 1, 0, 2,
    0, 1, 0, 2,
    255, 0, 1, 1,
  ]);
  const comps = maskObjects(ids, 4, 3, { ignoreIndex: 255 });
  // 8-connectivity joins (1,1) with (2,2); the 2s form one object.
  assert.deepEqual(comps.objects.map((o) => [o.classId, o.area]), [[1, 5], [2, 2]]);
  const instances = Uint16Array.from([
    7, 7, 0, 7,
    0, 7, 0, 7,
    0, 0, 3, 0,
  ]);
  const withInst = maskObjects(ids, 4, 3, { ignoreIndex: 255, instances });
  // Instance 3 first (id order), instance 7 split by class, then the uncovered 1 at (3,2).
  assert.deepEqual(withInst.objects.map((o) => [o.instanceId ?? 0, o.classId, o.area]), [[3, 1, 1], [7, 1, 3], [7, 2, 2], [0, 1, 1]]);
  const crop = cropObject(withInst, 4, 2);
  assert.deepEqual([crop.width, crop.height, [...crop.mask]], [1, 2, [1, 1]]);
});

function chunk(r: number[]): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < r.length; i += 2) out.push([r[i], r[i + 1]]);
  return out;
}

function distanceToRing(ring: number[], px: number, py: number): number {
  let best = Infinity;
  for (let i = 0; i < ring.length; i += 2) {
    const j = (i + 2) % ring.length;
    const ax = ring[i], ay = ring[i + 1], bx = ring[j], by = ring[j + 1];
    const dx = bx - ax, dy = by - ay;
    const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy || 1)));
    best = Math.min(best, Math.hypot(px - ax - t * dx, py - ay - t * dy));
  }
  return best;
}

test('thingComponents: 8-connected components of thing classes only, numbered by first pixel', () => {
  // Class 1 (thing): two blobs touching diagonally (one component) and a separate one; class 2
  // (stuff) is left out; 255 (ignore) separates nothing and belongs to none.
  const rows = [
    '11.2.1',
    '..1..1',
    '2....1',
    '1.....',
  ];
  const ids = Uint8Array.from([...rows.join('')].map((ch) => (ch === '.' ? 0 : Number(ch))));
  const labels = thingComponents(ids, 6, 4, new Set([1]), 255);
  assert.deepEqual([...labels], [
    1, 1, 0, 0, 0, 2,
    0, 0, 1, 0, 0, 2,
    0, 0, 0, 0, 0, 2,
    3, 0, 0, 0, 0, 0,
  ]);
  // With class 0 as a thing too (stuff is then another value), its pixels form components as well.
  const withZero = thingComponents(Uint8Array.from([0, 0, 2, 0]), 4, 1, new Set([0]), 255);
  assert.deepEqual([...withZero], [1, 1, 0, 2]);
});
