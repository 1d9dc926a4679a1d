/** Test datasets: copies of the sample in temp folders, and independent readers built on sharp. */
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { REPO } from './cli';

export const SAMPLE = path.join(REPO, 'samples', 'darkfield');

export function copySample(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'segment-test-'));
  cpSync(SAMPLE, dir, { recursive: true });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'segment-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function sampleClasses(root = SAMPLE): { id: number; name: string; color: string }[] {
  return JSON.parse(readFileSync(path.join(root, 'segment.json'), 'utf8')).classes;
}

/**
 * Class ids of a palette mask read through libvips, not through the project's codec: sharp expands
 * the palette to RGB, and the colours map back to ids through segment.json.
 */
export async function readMaskIndependently(file: string, classes = sampleClasses()): Promise<{ ids: Uint8Array; width: number; height: number }> {
  const { data, info } = await sharp(file).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  const byColor = new Map(classes.map((c) => [parseInt(c.color.slice(1), 16), c.id]));
  const ids = new Uint8Array(info.width * info.height);
  for (let k = 0; k < ids.length; k++) {
    const rgb = (data[k * 3] << 16) | (data[k * 3 + 1] << 8) | data[k * 3 + 2];
    const id = byColor.get(rgb);
    if (id === undefined) throw new Error(`${file}: colour #${rgb.toString(16).padStart(6, '0')} at pixel ${k} is no class colour`);
    ids[k] = id;
  }
  return { ids, width: info.width, height: info.height };
}

/** Writes a grayscale-id PNG with sharp (an encoder independent of the project's). */
export async function writeIdsWithSharp(file: string, ids: Uint8Array, width: number, height: number): Promise<void> {
  await sharp(Buffer.from(ids), { raw: { width, height, channels: 1 } }).toColourspace('b-w').png().toFile(file);
}
