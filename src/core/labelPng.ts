/**
 * A fast PNG encoder for label images (class masks, instance maps). Rows are filtered "up", which
 * turns a label image into long runs of zeros (rows equal to the row above are found four bytes
 * at a time), the runs become distance-1 matches, and one deflate block with Huffman codes fitted
 * to those few symbols stores them. No match search: on a 4096x4096 mask this is several times
 * faster than a general deflate, for smaller files (bench/editor.bench.ts measures both). Any PNG
 * reader reads the result.
 */
import { pngFromZlib } from './png';

export interface LabelPngInput {
  width: number;
  height: number;
  /** 8-bit ids (grayscale, or palette when `palette` is given) or 16-bit ids (grayscale). */
  samples: Uint8Array | Uint16Array;
  /** The palette (RGB triplets) for the largest id present: makes an 8-bit palette PNG. */
  palette?: (maxId: number) => Uint8Array;
}

const LEN_BASE = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
const LEN_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
/** Length 3..258 -> index into LEN_BASE (its symbol is 257 + index). */
const LEN_INDEX = new Uint8Array(259);
for (let len = 3, k = 0; len <= 258; len++) {
  while (k + 1 < LEN_BASE.length && LEN_BASE[k + 1] <= len) k++;
  LEN_INDEX[len] = k;
}
/** Order in which the code-length code lengths are stored (RFC 1951, 3.2.7). */
const CL_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];
const EOB = 256;

export function encodeLabelPng({ width, height, samples, palette }: LabelPngInput): Uint8Array {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new Error(`cannot encode PNG: invalid image size ${width}x${height}`);
  }
  if (samples.length !== width * height) throw new Error(`cannot encode PNG: ${samples.length} samples for ${width}x${height}`);
  const sixteen = samples instanceof Uint16Array;
  if (sixteen && palette) throw new Error('cannot encode PNG: palette images have 8-bit samples');

  const { tokens, count, adler, maxValue } = tokenize(samples, width, height);
  let paletteBytes: Uint8Array | undefined;
  if (palette) {
    paletteBytes = palette(maxValue);
    if (maxValue >= paletteBytes.length / 3) throw new Error(`cannot encode PNG: id ${maxValue} has no palette entry (${paletteBytes.length / 3} entries)`);
  }
  const deflated = deflateTokens(tokens, count);
  const stream = new Uint8Array(2 + deflated.length + 4);
  stream[0] = 0x78; // zlib: deflate, 32K window
  stream[1] = 0x01; // (0x78 << 8 | 0x01) % 31 === 0
  stream.set(deflated, 2);
  const p = 2 + deflated.length;
  stream[p] = adler >>> 24;
  stream[p + 1] = adler >>> 16;
  stream[p + 2] = adler >>> 8;
  stream[p + 3] = adler;
  return pngFromZlib({ width, height, colorType: paletteBytes ? 3 : 0, bitDepth: sixteen ? 16 : 8, palette: paletteBytes }, stream);
}

/**
 * The "up"-filtered rows as deflate tokens: 0..255 a literal byte, 256 + L a distance-1 match of
 * length L (3..258). Also the zlib Adler-32 of the filtered bytes and the largest sample.
 */
function tokenize(samples: Uint8Array | Uint16Array, width: number, height: number) {
  const bytesPerSample = samples instanceof Uint16Array ? 2 : 1;
  const rowBytes = width * bytesPerSample;
  // Four bytes at a time where the rows allow it: most words equal the word above.
  const wordsPerRow = samples.byteOffset % 4 === 0 && rowBytes % 4 === 0 ? rowBytes / 4 : 0;
  const words = wordsPerRow ? new Uint32Array(samples.buffer, samples.byteOffset, wordsPerRow * height) : undefined;
  const samplesPerWord = 4 / bytesPerSample;

  let tokens = new Uint32Array(1 << 16);
  let count = 0;
  const push = (t: number) => {
    if (count === tokens.length) {
      const grown = new Uint32Array(tokens.length * 2);
      grown.set(tokens);
      tokens = grown;
    }
    tokens[count++] = t;
  };
  let runValue = -1;
  let runLength = 0;
  const flushRun = () => {
    if (runLength === 0) return;
    push(runValue);
    let rest = runLength - 1;
    while (rest >= 3) {
      const m = rest > 258 ? 258 : rest;
      push(256 + m);
      rest -= m;
    }
    while (rest-- > 0) push(runValue);
    runLength = 0;
  };
  // Adler-32 sums kept as doubles, reduced every 64K bytes: exact far below 2^53.
  let a = 1;
  let b = 0;
  let sinceReduce = 0;
  const byte = (v: number) => {
    if (v === runValue) runLength++;
    else {
      flushRun();
      runValue = v;
      runLength = 1;
    }
    a += v;
    b += a;
    if (++sinceReduce === 65536) {
      a %= 65521;
      b %= 65521;
      sinceReduce = 0;
    }
  };
  const zeros = (n: number) => {
    if (runValue === 0) runLength += n;
    else {
      flushRun();
      runValue = 0;
      runLength = n;
    }
    b += a * n;
    sinceReduce += n;
    if (sinceReduce >= 65536) {
      a %= 65521;
      b %= 65521;
      sinceReduce = 0;
    }
  };
  let maxValue = 0;
  const sampleBytes = (i: number, above: number) => {
    const v = samples[i];
    if (v > maxValue) maxValue = v;
    if (bytesPerSample === 1) byte((v - above) & 255);
    else {
      byte(((v >> 8) - (above >> 8)) & 255);
      byte(((v & 255) - (above & 255)) & 255);
    }
  };

  for (let y = 0; y < height; y++) {
    byte(2); // filter type "up"; on the first row the row above is zeros
    const row = y * width;
    if (words) {
      const w0 = y * wordsPerRow;
      const up = y > 0 ? wordsPerRow : 0; // on row 0, compare with zero words
      for (let k = 0; k < wordsPerRow; ) {
        let j = k;
        while (j < wordsPerRow && words[w0 + j] === (up ? words[w0 + j - up] : 0)) j++;
        if (j > k) {
          zeros(4 * (j - k));
          k = j;
          continue;
        }
        const s = row + k * samplesPerWord;
        for (let i = 0; i < samplesPerWord; i++) sampleBytes(s + i, y > 0 ? samples[s + i - width] : 0);
        k++;
      }
    } else {
      for (let x = 0; x < width; x++) sampleBytes(row + x, y > 0 ? samples[row + x - width] : 0);
    }
  }
  flushRun();
  push(EOB);
  a %= 65521;
  b %= 65521;
  // Every value present appears first on row 0 or where a row differs from the one above,
  // and both are read above: maxValue is the image's maximum.
  return { tokens, count, adler: ((b << 16) | a) >>> 0, maxValue };
}

/** One final deflate block with dynamic Huffman codes (RFC 1951, 3.2.7) holding the tokens. */
function deflateTokens(tokens: Uint32Array, count: number): Uint8Array {
  const litFreq = new Uint32Array(286);
  const distFreq = new Uint32Array(30);
  for (let i = 0; i < count; i++) {
    const t = tokens[i];
    if (t <= 256) litFreq[t]++;
    else litFreq[257 + LEN_INDEX[t - 256]]++;
  }
  distFreq[0] = 1; // every match has distance 1 (code 0)
  distFreq[1] = 1; // a second, unused code keeps the code complete, which every inflater accepts
  litFreq[0] ||= 1; // likewise: at least two literal/length codes besides the end of block
  const litLen = huffmanLengths(litFreq, 15);
  const distLen = huffmanLengths(distFreq, 15);
  const litCode = canonicalCodes(litLen);
  const distCode = canonicalCodes(distLen);

  let hlit = 286;
  while (hlit > 257 && litLen[hlit - 1] === 0) hlit--;
  let hdist = 30;
  while (hdist > 1 && distLen[hdist - 1] === 0) hdist--;
  const lengths = new Uint8Array(hlit + hdist);
  lengths.set(litLen.subarray(0, hlit));
  lengths.set(distLen.subarray(0, hdist), hlit);
  const clTokens = runLengthCodeLengths(lengths);
  const clFreq = new Uint32Array(19);
  for (const [sym] of clTokens) clFreq[sym]++;
  if (clFreq.reduce((n, f) => n + (f > 0 ? 1 : 0), 0) < 2) clFreq[clTokens[0][0] === 0 ? 1 : 0] ||= 1;
  const clLen = huffmanLengths(clFreq, 7);
  const clCode = canonicalCodes(clLen);
  let hclen = 19;
  while (hclen > 4 && clLen[CL_ORDER[hclen - 1]] === 0) hclen--;

  const w = new BitWriter(count * 2 + 1024);
  w.put(1, 1); // BFINAL
  w.put(2, 2); // BTYPE = 10, dynamic codes
  w.put(hlit - 257, 5);
  w.put(hdist - 1, 5);
  w.put(hclen - 4, 4);
  for (let i = 0; i < hclen; i++) w.put(clLen[CL_ORDER[i]], 3);
  for (const [sym, extra, extraBits] of clTokens) {
    w.put(clCode[sym], clLen[sym]);
    if (extraBits) w.put(extra, extraBits);
  }
  const matchCode = new Uint32Array(259);
  const matchBits = new Uint8Array(259);
  for (let len = 3; len <= 258; len++) {
    const k = LEN_INDEX[len];
    const sym = 257 + k;
    matchCode[len] = litCode[sym] | ((len - LEN_BASE[k]) << litLen[sym]) | (distCode[0] << (litLen[sym] + LEN_EXTRA[k]));
    matchBits[len] = litLen[sym] + LEN_EXTRA[k] + distLen[0];
  }
  for (let i = 0; i < count; i++) {
    const t = tokens[i];
    if (t <= 256) w.put(litCode[t], litLen[t]);
    else w.put(matchCode[t - 256], matchBits[t - 256]);
  }
  return w.finish();
}

/** Code lengths of a Huffman code for `freq`, none longer than `maxBits` (unused symbols get 0). */
export function huffmanLengths(freq: Uint32Array, maxBits: number): Uint8Array {
  const n = freq.length;
  const lengths = new Uint8Array(n);
  let weights = Array.from(freq);
  for (;;) {
    // Nodes: leaves 0..n-1, then internal nodes; a sorted queue per kind is enough (two-queue Huffman).
    const leaves = weights.map((f, s) => [f, s] as const).filter(([f]) => f > 0).sort((x, y) => x[0] - y[0]);
    if (leaves.length === 0) return lengths;
    if (leaves.length === 1) {
      lengths[leaves[0][1]] = 1;
      return lengths;
    }
    const parent = new Int32Array(n + leaves.length);
    const internal: { w: number; id: number }[] = [];
    let li = 0;
    let ii = 0;
    let next = n;
    const take = () => {
      if (li < leaves.length && (ii >= internal.length || leaves[li][0] <= internal[ii].w)) return { w: leaves[li][0], id: leaves[li++][1] };
      return internal[ii++];
    };
    for (let k = 1; k < leaves.length; k++) {
      const x = take();
      const y = take();
      parent[x.id] = next;
      parent[y.id] = next;
      internal.push({ w: x.w + y.w, id: next++ });
    }
    const root = next - 1;
    const depth = new Uint8Array(next);
    for (let id = root - 1; id >= n; id--) depth[id] = depth[parent[id]] + 1;
    let longest = 0;
    for (const [, s] of leaves) {
      lengths[s] = depth[parent[s]] + 1;
      if (lengths[s] > longest) longest = lengths[s];
    }
    if (longest <= maxBits) return lengths;
    // Too deep: flatten the distribution and build again (rare; only with very skewed counts).
    lengths.fill(0);
    weights = weights.map((f) => (f > 0 ? Math.max(1, f >> 1) : 0));
  }
}

/** Canonical Huffman codes for `lengths` (RFC 1951, 3.2.2), bit-reversed to be written LSB first. */
function canonicalCodes(lengths: Uint8Array): Uint32Array {
  const blCount = new Uint32Array(16);
  for (const l of lengths) if (l) blCount[l]++;
  const nextCode = new Uint32Array(16);
  let code = 0;
  for (let bits = 1; bits < 16; bits++) {
    code = (code + blCount[bits - 1]) << 1;
    nextCode[bits] = code;
  }
  const codes = new Uint32Array(lengths.length);
  for (let s = 0; s < lengths.length; s++) {
    const l = lengths[s];
    if (!l) continue;
    const c = nextCode[l]++;
    let r = 0;
    for (let i = 0; i < l; i++) r |= ((c >> i) & 1) << (l - 1 - i);
    codes[s] = r;
  }
  return codes;
}

/** The code lengths as code-length symbols: [symbol, extra value, extra bits] with repeats (16, 17, 18). */
function runLengthCodeLengths(lengths: Uint8Array): [number, number, number][] {
  const out: [number, number, number][] = [];
  for (let i = 0; i < lengths.length; ) {
    const l = lengths[i];
    let run = 1;
    while (i + run < lengths.length && lengths[i + run] === l) run++;
    let rest = run;
    if (l === 0) {
      while (rest >= 11) {
        const r = Math.min(rest, 138);
        out.push([18, r - 11, 7]);
        rest -= r;
      }
      if (rest >= 3) {
        out.push([17, rest - 3, 3]);
        rest = 0;
      }
    } else {
      out.push([l, 0, 0]);
      rest--;
      while (rest >= 3) {
        const r = Math.min(rest, 6);
        out.push([16, r - 3, 2]);
        rest -= r;
      }
    }
    while (rest-- > 0) out.push([l, 0, 0]);
    i += run;
  }
  return out;
}

class BitWriter {
  private out: Uint8Array;
  private pos = 0;
  private acc = 0;
  private bits = 0;

  constructor(capacity: number) {
    this.out = new Uint8Array(capacity);
  }

  /** Writes the low `n` bits of `value`, least significant first (n + 7 <= 31). */
  put(value: number, n: number): void {
    this.acc |= value << this.bits;
    this.bits += n;
    while (this.bits >= 8) {
      if (this.pos === this.out.length) {
        const grown = new Uint8Array(this.out.length * 2);
        grown.set(this.out);
        this.out = grown;
      }
      this.out[this.pos++] = this.acc & 255;
      this.acc >>>= 8;
      this.bits -= 8;
    }
  }

  finish(): Uint8Array {
    if (this.bits > 0) this.put(0, 8 - this.bits);
    return this.out.subarray(0, this.pos);
  }
}
