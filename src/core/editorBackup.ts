/**
 * Hot-exit backups of a mask document: only the unsaved pixel writes, never the whole mask, plus
 * enough about the file they apply to for the editor to warn when it changed meanwhile.
 *
 * Layout: "SGMB" | u32 header length (big-endian) | header JSON (UTF-8) | the writes' pixels.
 */
import { Layer, PatchWrite } from './maskPatch';

export interface BackupBase {
  /** Path of the file the writes apply to, relative to the dataset root; absent for an empty start. */
  file?: string;
  /** Its modification time and size when the edits began, to notice a change on disk. */
  mtime?: number;
  size?: number;
}

export interface EditorBackup {
  /** The image (absolute path), for messages. */
  image: string;
  base: BackupBase;
  writes: PatchWrite[];
}

const MAGIC = 'SGMB';
const VERSION = 1;

interface Header {
  version: number;
  image: string;
  base: BackupBase;
  writes: { layer: Layer; x: number; y: number; w: number; h: number; bytes: number }[];
}

export function serializeBackup(backup: EditorBackup): Uint8Array {
  const header: Header = {
    version: VERSION,
    image: backup.image,
    base: backup.base,
    writes: backup.writes.map(({ layer, x, y, w, h, pixels }) => ({ layer, x, y, w, h, bytes: pixels.length })),
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  let total = 8 + json.length;
  for (const w of backup.writes) total += w.pixels.length;
  const out = new Uint8Array(total);
  for (let i = 0; i < 4; i++) out[i] = MAGIC.charCodeAt(i);
  new DataView(out.buffer).setUint32(4, json.length);
  out.set(json, 8);
  let p = 8 + json.length;
  for (const w of backup.writes) {
    out.set(w.pixels, p);
    p += w.pixels.length;
  }
  return out;
}

export function parseBackup(bytes: Uint8Array): EditorBackup {
  const bad = (why: string) => new Error(`not a Segment Studio backup: ${why}`);
  if (bytes.length < 8 || String.fromCharCode(...bytes.subarray(0, 4)) !== MAGIC) throw bad('wrong signature');
  const length = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(4);
  if (8 + length > bytes.length) throw bad('truncated header');
  let header: Header;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length)));
  } catch (e) {
    throw bad(`unreadable header (${(e as Error).message})`);
  }
  if (header.version !== VERSION) throw bad(`version ${header.version}, expected ${VERSION}`);
  let p = 8 + length;
  const writes: PatchWrite[] = header.writes.map(({ bytes: n, ...rect }) => {
    if (p + n > bytes.length) throw bad('truncated pixels');
    const pixels = bytes.slice(p, p + n);
    p += n;
    return { ...rect, pixels };
  });
  if (p !== bytes.length) throw bad(`${bytes.length - p} bytes after the last write`);
  return { image: header.image, base: header.base, writes };
}
