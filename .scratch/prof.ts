const W = 4096, H = 4096;
const ids = new Uint8Array(W * H);
let seed = 1; const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
for (let k = 0; k < 400; k++) { const cx = rnd() * W, cy = rnd() * H, r = 20 + rnd() * 80, c = 1 + (k % 2);
  for (let y = Math.max(0, cy - r | 0); y < Math.min(H, cy + r); y++) for (let x = Math.max(0, cx - r | 0); x < Math.min(W, cx + r); x++) if ((x - cx) ** 2 + (y - cy) ** 2 < r * r) ids[y * W + x] = c; }
for (let rep = 0; rep < 3; rep++) {
let t = performance.now(); let m = 0; for (let i = 0; i < ids.length; i++) if (ids[i] >= 3) m++; const tcheck = performance.now() - t;
const row = new Uint8Array(W + 1);
let tf = 0, ta = 0, tr = 0, runs = 0; let a = 1, b = 0;
for (let y = 0; y < H; y++) {
  t = performance.now(); const s = y * W; if (y === 0) for (let x = 0; x < W; x++) row[1 + x] = ids[x]; else for (let x = 0; x < W; x++) row[1 + x] = ids[s + x] - ids[s - W + x]; tf += performance.now() - t;
  t = performance.now(); for (let i = 0; i < row.length;) { const end = Math.min(row.length, i + 5552); for (; i < end; i++) { a += row[i]; b += a; } a %= 65521; b %= 65521; } ta += performance.now() - t;
  t = performance.now(); for (let i = 0; i < row.length;) { const v = row[i]; let j = i + 1; while (j < row.length && row[j] === v) j++; runs++; i = j; } tr += performance.now() - t;
}
console.log({ tcheck, tf, ta, tr, runs });
}
