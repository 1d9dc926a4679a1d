import { test } from 'node:test';
import assert from 'node:assert/strict';
import { brushCentre, capsuleSpans, polygonSpans, rectSpans, Point } from '../../src/core/raster';

/** Pixels emitted by a rasteriser, as a set of "x,y". */
function collect(run: (emit: (y: number, x0: number, x1: number) => void) => void): Set<string> {
  const out = new Set<string>();
  run((y, x0, x1) => {
    for (let x = x0; x < x1; x++) {
      assert.ok(!out.has(`${x},${y}`), `pixel ${x},${y} emitted twice`);
      out.add(`${x},${y}`);
    }
  });
  return out;
}

/** Brute force over every pixel: the oracle the span rasterisers must equal. */
function everyPixel(width: number, height: number, inside: (cx: number, cy: number) => boolean): Set<string> {
  const out = new Set<string>();
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) if (inside(x + 0.5, y + 0.5)) out.add(`${x},${y}`);
  return out;
}

function segDist(px: number, py: number, a: Point, b: Point): number {
  const dx = b.x - a.x, dy = b.y - a.y;
  const len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((px - a.x) * dx + (py - a.y) * dy) / len2));
  return Math.hypot(a.x + t * dx - px, a.y + t * dy - py);
}

test('brush sizes stamp symmetric discs: 1 is one pixel, 2 a 2x2 block, 3 a 3x3 block', () => {
  const stamp = (size: number, p: Point) => {
    const c = brushCentre(p, size);
    return collect((emit) => capsuleSpans(c, c, size / 2, 50, 50, emit));
  };
  assert.deepEqual([...stamp(1, { x: 10.9, y: 20.1 })], ['10,20']);
  assert.deepEqual([...stamp(2, { x: 10.4, y: 20.6 })].sort(), ['10,20', '10,21', '9,20', '9,21']);
  assert.equal(stamp(3, { x: 5.5, y: 5.5 }).size, 9);
  assert.equal(stamp(4, { x: 5, y: 5 }).size, 12, 'a 4x4 block without its corners');
  assert.equal(stamp(9, { x: 20.2, y: 20.7 }).size, 69);
});

test('capsule spans equal the pixels whose centres lie within the radius of the segment', () => {
  const cases: [Point, Point, number][] = [
    [{ x: 3.2, y: 4.7 }, { x: 30.1, y: 17.9 }, 4],
    [{ x: 12, y: 12 }, { x: 12, y: 12 }, 6.5],
    [{ x: -5, y: 10 }, { x: 20, y: -3 }, 3], // leaves the image
    [{ x: 40.5, y: 2.5 }, { x: 41.5, y: 38.5 }, 1.5],
  ];
  for (const [a, b, r] of cases) {
    const got = collect((emit) => capsuleSpans(a, b, r, 45, 40, emit));
    const want = everyPixel(45, 40, (cx, cy) => segDist(cx, cy, a, b) <= r);
    assert.deepEqual([...got].sort(), [...want].sort(), `capsule ${JSON.stringify([a, b, r])}`);
  }
});

test('polygon spans follow the even-odd rule at pixel centres', () => {
  const inside = (pts: Point[], px: number, py: number) => {
    let c = false;
    for (let i = 0, j = pts.length - 1; i < pts.length; j = i++) {
      if (pts[i].y > py !== pts[j].y > py && px < ((pts[j].x - pts[i].x) * (py - pts[i].y)) / (pts[j].y - pts[i].y) + pts[i].x) c = !c;
    }
    return c;
  };
  const shapes: Point[][] = [
    [{ x: 2.3, y: 3.1 }, { x: 28.7, y: 5.2 }, { x: 15.1, y: 27.9 }],
    [{ x: 1.2, y: 1.2 }, { x: 30.4, y: 1.7 }, { x: 5.6, y: 20.1 }, { x: 30.2, y: 28.8 }, { x: 2.1, y: 29.3 }], // self-intersecting
    [{ x: -10, y: -10 }, { x: 50, y: 3.3 }, { x: 12.2, y: 60 }], // larger than the image
  ];
  for (const pts of shapes) {
    const got = collect((emit) => polygonSpans(pts, 32, 32, emit));
    const want = everyPixel(32, 32, (cx, cy) => inside(pts, cx, cy));
    assert.deepEqual([...got].sort(), [...want].sort(), JSON.stringify(pts));
  }
  assert.equal(collect((emit) => polygonSpans([{ x: 1, y: 1 }, { x: 5, y: 5 }], 10, 10, emit)).size, 0, 'two points are no polygon');
});

test('a rectangle covers the pixels under both corners and between them', () => {
  const got = collect((emit) => rectSpans({ x: 7.9, y: 2.2 }, { x: 3.1, y: 5.5 }, 10, 10, emit));
  assert.equal(got.size, 5 * 4);
  assert.ok(got.has('3,2') && got.has('7,5') && !got.has('8,5') && !got.has('3,6'));
  assert.equal(collect((emit) => rectSpans({ x: -4, y: -4 }, { x: 100, y: 1 }, 10, 10, emit)).size, 20, 'clipped to the image');
});
