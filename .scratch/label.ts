import { decodeMaskPng, encodeMaskPng, maskPalette } from '../src/core/maskCodec';
import { encodeLabelPng } from '../src/core/labelPng';
import { decodePng } from '../src/core/png';
import * as zlib from 'node:zlib';
const W = 4096, H = 4096;
const ids = new Uint8Array(W * H);
let seed = 1; const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
for (let k = 0; k < 400; k++) { const cx = rnd() * W, cy = rnd() * H, r = 20 + rnd() * 80, c = 1 + (k % 2);
  for (let y = Math.max(0, cy - r | 0); y < Math.min(H, cy + r); y++) for (let x = Math.max(0, cx - r | 0); x < Math.min(W, cx + r); x++) if ((x - cx) ** 2 + (y - cy) ** 2 < r * r) ids[y * W + x] = c; }
const opts = { classes: [{ id: 0, name: 'bg', color: '#000000' }, { id: 1, name: 'a', color: '#ff0000' }, { id: 2, name: 'b', color: '#00ff00' }], ignoreIndex: 255 };
function strict(png: Uint8Array) { const b = Buffer.from(png); const idat = []; let p = 8; while (p < b.length) { const len = b.readUInt32BE(p); const type = b.toString('latin1', p+4, p+8); if (type==='IDAT') idat.push(b.subarray(p+8,p+8+len)); p += 12+len; } return zlib.inflateSync(Buffer.concat(idat)).length; }
for (let r = 0; r < 3; r++) {
  let t = performance.now(); const png = encodeLabelPng({ width: W, height: H, samples: ids, palette: (m) => maskPalette(m, opts) }); const te = performance.now() - t;
  t = performance.now(); const full = encodeMaskPng(ids, W, H, opts); const tf = performance.now() - t;
  const back = decodeMaskPng(png, opts);
  console.log(`label ${te.toFixed(0)} ms ${png.length} B; encodeMaskPng ${tf.toFixed(0)} ms ${full.length} B; roundtrip ${back.ids.every((v, i) => v === ids[i])} strict ${strict(png)}`);
}
const inst = new Uint16Array(W * H); for (let i = 0; i < inst.length; i++) inst[i] = ids[i] ? ((i / 50000) | 0) + 300 : 0;
let t = performance.now(); const p16 = encodeLabelPng({ width: W, height: H, samples: inst }); console.log('16-bit', (performance.now()-t).toFixed(0), 'ms', p16.length);
const d = decodePng(p16); console.log('16 roundtrip', (d.data as Uint16Array).every((v, i) => v === inst[i]), strict(p16));
for (const [w,h] of [[1,1],[3,5],[513,7],[512,512]]) { const noise = new Uint8Array(w*h).map(() => (Math.random()*3)|0);
const pn = encodeLabelPng({ width: w, height: h, samples: noise, palette: (m) => maskPalette(m, opts) });
console.log('noise', w, h, pn.length, decodeMaskPng(pn, opts).ids.every((v, i) => v === noise[i]), strict(pn)); }
const zero = new Uint8Array(100*100); const pz = encodeLabelPng({ width: 100, height: 100, samples: zero }); console.log('zeros', pz.length, strict(pz), decodePng(pz).data.every(v => v === 0));
