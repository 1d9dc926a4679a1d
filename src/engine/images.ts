/** Image files through sharp (libvips): sizes, pixels and previews, with errors that name the file. */
import sharp from 'sharp';
import { extensionOf } from '../core/paths';
import { readPngHeader } from '../core/png';
import { promises as fs } from 'node:fs';

export class ImageReadError extends Error {
  constructor(readonly file: string, reason: string) {
    super(`cannot read image ${file}: ${reason}`);
    this.name = 'ImageReadError';
  }
}

/** Width and height from the file header, without decoding pixels. */
export async function imageSize(file: string): Promise<{ width: number; height: number }> {
  try {
    if (extensionOf(file) === 'png') {
      const head = await readHead(file, 33);
      const h = readPngHeader(head);
      return { width: h.width, height: h.height };
    }
    const meta = await sharp(file).metadata();
    if (!meta.width || !meta.height) throw new Error('no size in the header');
    // EXIF orientations 5..8 swap width and height once applied; we apply them when decoding.
    return meta.orientation && meta.orientation >= 5 ? { width: meta.height, height: meta.width } : { width: meta.width, height: meta.height };
  } catch (e) {
    throw new ImageReadError(file, (e as Error).message);
  }
}

/** Decoded 8-bit RGB pixels, EXIF orientation applied; scaled to `resize` (width x height) when given. */
export async function readRgb(file: string, resize?: { width: number; height: number }): Promise<{ data: Uint8Array; width: number; height: number }> {
  try {
    let image = sharp(file).rotate();
    if (resize) image = image.resize(resize.width, resize.height, { fit: 'fill' });
    const { data, info } = await image.removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`expected 3 channels, got ${info.channels}`);
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
  } catch (e) {
    throw new ImageReadError(file, (e as Error).message);
  }
}

/** Converts any image sharp reads into a PNG the browser can show (TIFF and friends). */
export async function writePngPreview(file: string, target: string): Promise<{ width: number; height: number }> {
  try {
    const info = await sharp(file).rotate().png({ compressionLevel: 1 }).toFile(target);
    return { width: info.width, height: info.height };
  } catch (e) {
    throw new ImageReadError(file, (e as Error).message);
  }
}

async function readHead(file: string, bytes: number): Promise<Uint8Array> {
  const handle = await fs.open(file, 'r');
  try {
    const buf = new Uint8Array(bytes);
    const { bytesRead } = await handle.read(buf, 0, bytes, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}
