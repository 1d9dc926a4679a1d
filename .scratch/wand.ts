import sharp from 'sharp';
import { similarColorSpans } from '../src/core/floodFill';
import { readMaskIndependently } from '../test/helpers/dataset';
(async () => {
  const { data, info } = await sharp('samples/darkfield/images/df_001.jpg').ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const m = await readMaskIndependently('samples/darkfield/masks/df_001.png');
  const W = info.width, H = info.height;
  // cells: centroid of each class-1 blob
  const seen = new Uint8Array(W * H);
  for (let i = 0; i < m.ids.length; i++) {
    if (m.ids[i] !== 1 || seen[i]) continue;
    const q = [i]; seen[i] = 1; let sx = 0, sy = 0, n = 0;
    while (q.length) { const j = q.pop()!; const x = j % W, y = (j - x) / W; sx += x; sy += y; n++; for (const k of [j - 1, j + 1, j - W, j + W]) if (k >= 0 && k < W * H && !seen[k] && m.ids[k] === 1) { seen[k] = 1; q.push(k); } }
    const cx = Math.round(sx / n), cy = Math.round(sy / n);
    const res: string[] = [];
    for (const tol of [16, 24, 32, 48]) { let inCell = 0; const r = similarColorSpans(data, W, H, cx, cy, tol, (yy, x0, x1) => { for (let k = x0; k < x1; k++) if (m.ids[yy * W + k] === 1) inCell++; }); res.push(`t${tol}:${r}/${inCell}`); }
    console.log(`cell ${n}px at ${cx},${cy}:`, res.join(' '));
  }
})();
