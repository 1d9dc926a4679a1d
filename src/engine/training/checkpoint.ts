/**
 * Checkpoints: one file, written atomically: "SSCKPT1\n", a 4-byte little-endian header length,
 * a JSON header (run state and where each tensor lies), then the float32 data.
 */
import { promises as fs } from 'node:fs';
import { writeFileAtomic } from '../files';

const MAGIC = 'SSCKPT1\n';

export interface TensorRecord {
  shape: number[];
  data: Float32Array;
}

export interface Checkpoint<Meta> {
  meta: Meta;
  tensors: Map<string, TensorRecord>;
}

export async function writeCheckpoint<Meta>(file: string, meta: Meta, tensors: Map<string, TensorRecord>): Promise<void> {
  const index: { name: string; shape: number[]; offset: number; length: number }[] = [];
  let offset = 0;
  for (const [name, t] of tensors) {
    index.push({ name, shape: t.shape, offset, length: t.data.length });
    offset += t.data.length;
  }
  let header = Buffer.from(JSON.stringify({ meta, tensors: index }), 'utf8');
  // Pad the header so the float data starts 4-byte aligned.
  const pad = (4 - ((MAGIC.length + 4 + header.length) % 4)) % 4;
  header = Buffer.concat([header, Buffer.alloc(pad, 0x20)]);
  const out = Buffer.alloc(MAGIC.length + 4 + header.length + offset * 4);
  out.write(MAGIC, 0, 'latin1');
  out.writeUInt32LE(header.length, MAGIC.length);
  header.copy(out, MAGIC.length + 4);
  const data = new Float32Array(out.buffer, out.byteOffset + MAGIC.length + 4 + header.length, offset);
  for (const [i, [, t]] of [...tensors].entries()) data.set(t.data, index[i].offset);
  await writeFileAtomic(file, out);
}

export async function readCheckpoint<Meta>(file: string): Promise<Checkpoint<Meta>> {
  const bytes = await fs.readFile(file);
  if (bytes.subarray(0, MAGIC.length).toString('latin1') !== MAGIC) throw new Error(`${file} is not a Segment Studio checkpoint`);
  const headerLength = bytes.readUInt32LE(MAGIC.length);
  const start = MAGIC.length + 4;
  const header = JSON.parse(bytes.subarray(start, start + headerLength).toString('utf8')) as {
    meta: Meta;
    tensors: { name: string; shape: number[]; offset: number; length: number }[];
  };
  const base = start + headerLength;
  // Copy into an aligned buffer (Buffer pool slices need not be 4-byte aligned).
  const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset + base, bytes.byteOffset + bytes.length));
  const tensors = new Map<string, TensorRecord>();
  for (const t of header.tensors) tensors.set(t.name, { shape: t.shape, data: all.subarray(t.offset, t.offset + t.length) });
  return { meta: header.meta, tensors };
}
