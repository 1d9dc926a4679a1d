/** Reading masks of a dataset, with the checks that keep bad labels out of training and metrics. */
import { promises as fs } from 'node:fs';
import { DecodedMask, decodeMaskPng, findUnknownIds, MaskOptions } from '../core/maskCodec';
import { Problem } from '../core/problems';
import { readPngHeader } from '../core/png';
import { SegmentConfig } from '../core/segmentConfig';

export function maskOptions(config: SegmentConfig): MaskOptions {
  return { classes: config.classes, ignoreIndex: config.ignoreIndex };
}

export type MaskCheck =
  | { ok: true; mask: DecodedMask; /** A readable mask that is not stored as one channel. */ warning?: Problem }
  | { ok: false; problem: Problem; mask?: DecodedMask };

/**
 * Reads the mask at `file` (absolute) and checks it against its image size and the classes.
 * `relative` names it in problems.
 */
export async function readCheckedMask(
  file: string,
  relative: string,
  config: SegmentConfig,
  imageSize?: { width: number; height: number },
): Promise<MaskCheck> {
  let mask: DecodedMask;
  let colorType: number;
  try {
    const bytes = await fs.readFile(file);
    colorType = readPngHeader(bytes).colorType;
    mask = decodeMaskPng(bytes, maskOptions(config));
  } catch (e) {
    return { ok: false, problem: { severity: 'error', code: 'mask-unreadable', file: relative, message: `cannot read mask: ${(e as Error).message}` } };
  }
  if (imageSize && (imageSize.width !== mask.width || imageSize.height !== mask.height)) {
    return {
      ok: false, mask,
      problem: {
        severity: 'error', code: 'mask-size-mismatch', file: relative,
        message: `mask is ${mask.width}x${mask.height} but its image is ${imageSize.width}x${imageSize.height}`,
      },
    };
  }
  const unknown = findUnknownIds(mask.ids, mask.width, maskOptions(config));
  if (unknown.length > 0) {
    const u = unknown[0];
    const more = unknown.length > 1 ? ` (and ${unknown.length - 1} more unknown values: ${unknown.slice(1, 6).map((x) => x.id).join(', ')})` : '';
    return {
      ok: false, mask,
      problem: {
        severity: 'error', code: 'mask-unknown-id', file: relative, value: u.id,
        message: `value ${u.id} is no class id (${u.count} pixels, first at x=${u.firstX}, y=${u.firstY}); known ids: ${config.classes.map((c) => c.id).join(', ')}, ignore ${config.ignoreIndex}${more}`,
      },
    };
  }
  if (colorType === 3 || colorType === 0) return { ok: true, mask };
  return {
    ok: true, mask,
    warning: {
      severity: 'warning', code: 'mask-not-single-channel', file: relative,
      message: `mask is stored as ${CHANNEL_NAMES[colorType]}: masks should be single-channel (palette or grayscale ids) so every tool reads the class ids`,
    },
  };
}

const CHANNEL_NAMES: Record<number, string> = { 2: 'RGB', 4: 'grayscale with alpha', 6: 'RGBA' };
