import { encodeMaskPng, decodeMaskPng } from '../src/core/maskCodec';
const W = 4096, H = 4096;
const ids = new Uint8Array(W * H);
let seed = 1; const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
for (let k = 0; k < 400; k++) { const cx = rnd() * W, cy = rnd() * H, r = 20 + rnd() * 80, c = 1 + (k % 2);
  for (let y = Math.max(0, cy - r | 0); y < Math.min(H, cy + r); y++) for (let x = Math.max(0, cx - r | 0); x < Math.min(W, cx + r); x++) if ((x - cx) ** 2 + (y - cy) ** 2 < r * r) ids[y * W + x] = c; }
const opts = { classes: [{ id: 0, name: 'bg', color: '#000000' }, { id: 1, name: 'a', color: '#ff0000' }, { id: 2, name: 'b', color: '#00ff00' }], ignoreIndex: 255 };
for (let i = 0; i < 3; i++) {
  let t = performance.now(); const png = encodeMaskPng(ids, W, H, opts); const te = performance.now() - t;
  t = performance.now(); decodeMaskPng(png, opts); const td = performance.now() - t;
  console.log(`encode ${te.toFixed(0)} ms  decode ${td.toFixed(0)} ms  size ${png.length}`);
}
import { encodePng } from '../src/core/png';
import { zlibSync, deflateSync } from 'fflate';
const pal = new Uint8Array(256*3);
for (const level of [1, 2, 3, 4, 6]) { let t = performance.now(); const p = encodePng({ width: W, height: H, colorType: 3, bitDepth: 8, data: ids, palette: pal }, { level }); console.log('level', level, (performance.now() - t).toFixed(0), 'ms', p.length); }
// band-parallel idea: cost of filtering alone
let t = performance.now(); const raw = new Uint8Array(H * (W + 1)); for (let y = 0; y < H; y++) { raw[y*(W+1)] = 2; const o=y*(W+1)+1, c=y*W; if (y===0) raw.set(ids.subarray(0,W), o); else for (let x=0;x<W;x++) raw[o+x]=(ids[c+x]-ids[c-W+x])&255; } console.log('filter only', (performance.now()-t).toFixed(0));
t = performance.now(); zlibSync(raw, {level: 6}); console.log('zlib 6 only', (performance.now()-t).toFixed(0));
t = performance.now(); zlibSync(raw, {level: 1}); console.log('zlib 1 only', (performance.now()-t).toFixed(0));
