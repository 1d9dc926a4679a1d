/**
 * Saving a mask document without its webview (the worker's `writeMask` job): read the file the
 * edits started from, replay the unsaved writes, encode, and write each file atomically.
 */
import { promises as fs } from 'node:fs';
import { decodeInstancePng, decodeMaskPng } from '../core/maskCodec';
import { applyWrites, EditTarget } from '../core/maskPatch';
import { encodeLayer, layersOf, WriteMaskParams, WriteMaskResult } from '../core/maskFiles';
import { writeFileAtomic } from './files';
import { imageSize } from './images';

export async function writeMask(p: WriteMaskParams): Promise<WriteMaskResult> {
  const { width, height } = await imageSize(p.image);
  let mask: Uint8Array;
  if (p.base) {
    const decoded = decodeMaskPng(await fs.readFile(p.base), p.options);
    if (decoded.width !== width || decoded.height !== height) {
      throw new Error(`${p.base} is ${decoded.width}x${decoded.height} but the image is ${width}x${height}`);
    }
    mask = decoded.ids;
  } else {
    mask = new Uint8Array(width * height).fill(p.emptyFill);
  }
  const target: EditTarget = { width, height, mask };
  if (p.instancesBase) {
    const decoded = decodeInstancePng(await fs.readFile(p.instancesBase));
    if (decoded.width === width && decoded.height === height) target.instances = decoded.ids;
  }
  applyWrites(target, p.writes);
  const written: string[] = [];
  await writeFileAtomic(p.maskTarget, encodeLayer(target, 'mask', p.options));
  written.push(p.maskTarget);
  if (p.instancesTarget && layersOf(p.writes).includes('instances')) {
    await writeFileAtomic(p.instancesTarget, encodeLayer(target, 'instances', p.options));
    written.push(p.instancesTarget);
  }
  return { written };
}
