/**
 * Whole-image prediction with a graph in TensorFlow.js (validation, previews): the image is cut
 * into overlapping tiles (any size works, memory stays bounded), each tile keeps the centre of
 * its prediction, and the class channel with the largest logit wins.
 */
import sharp from 'sharp';
import type * as TF from '@tensorflow/tfjs-core';
import { tf } from './tf';
import { Graph } from './graph';
import { forward, Weights } from './forward';
import { ClassDef } from '../../core/classes';
import { encodePng } from '../../core/png';
import { overlayLut, paintOverlay } from '../../core/overlayColors';
import { TrainPreview } from '../../core/training';

export interface PredictOptions {
  mean: number[];
  std: number[];
  /** Tile side (rounded up to the graph's size multiple). */
  tile: number;
  /** Pixels of context dropped at inner tile edges. */
  overlap: number;
}

/** Where tiles start along one axis of length `n` so that tiles of `tile` cover it with `overlap`. */
export function tileStarts(n: number, tile: number, overlap: number): number[] {
  if (n <= tile) return [0];
  const stride = tile - 2 * overlap;
  const starts: number[] = [];
  for (let s = 0; ; s += stride) {
    if (s + tile >= n) {
      starts.push(n - tile);
      break;
    }
    starts.push(s);
  }
  return starts;
}

/** Channel index per pixel (row-major) for an RGB image. */
export function predictImage(graph: Graph, weights: Weights, rgb: Uint8Array, width: number, height: number, o: PredictOptions): Uint8Array {
  const m = graph.sizeMultiple;
  const tile = Math.ceil(o.tile / m) * m;
  // Images smaller than a tile run as one tile padded to the size multiple.
  const th = Math.min(tile, Math.ceil(height / m) * m);
  const tw = Math.min(tile, Math.ceil(width / m) * m);
  const out = new Uint8Array(width * height);
  const input = new Float32Array(th * tw * 3);
  for (const y0 of tileStarts(height, th, o.overlap)) {
    for (const x0 of tileStarts(width, tw, o.overlap)) {
      // Normalised pixels of the tile; beyond the image the mean (zero after normalisation).
      for (let y = 0; y < th; y++) {
        for (let x = 0; x < tw; x++) {
          const q = (y * tw + x) * 3;
          const sy = y0 + y;
          const sx = x0 + x;
          if (sy < height && sx < width) {
            const p = (sy * width + sx) * 3;
            for (let k = 0; k < 3; k++) input[q + k] = (rgb[p + k] - o.mean[k]) / o.std[k];
          } else {
            input[q] = input[q + 1] = input[q + 2] = 0;
          }
        }
      }
      const labels = tf.tidy(() => {
        const logits = forward(graph, weights, tf.tensor4d(input, [1, th, tw, 3]), { training: false });
        return tf.argMax(logits, 3) as TF.Tensor3D;
      });
      const ids = labels.dataSync();
      labels.dispose();
      // Keep the centre: drop `overlap` pixels at edges shared with another tile.
      const top = y0 === 0 ? 0 : o.overlap;
      const left = x0 === 0 ? 0 : o.overlap;
      const bottom = y0 + th >= height ? th : th - o.overlap;
      const right = x0 + tw >= width ? tw : tw - o.overlap;
      for (let y = top; y < bottom; y++) {
        const sy = y0 + y;
        if (sy >= height) break;
        for (let x = left; x < right; x++) {
          const sx = x0 + x;
          if (sx >= width) break;
          out[sy * width + sx] = ids[y * tw + x];
        }
      }
    }
  }
  return out;
}

/** A small image + prediction pair for the Training panel. */
export async function makePreview(name: string, rgb: Uint8Array, width: number, height: number, channels: Uint8Array, classes: ClassDef[], maxSide = 320): Promise<TrainPreview> {
  const scale = Math.min(1, maxSide / Math.max(width, height));
  const w = Math.max(1, Math.round(width * scale));
  const h = Math.max(1, Math.round(height * scale));
  const image = await sharp(rgb, { raw: { width, height, channels: 3 } }).resize(w, h).png({ compressionLevel: 6 }).toBuffer();
  // Nearest-neighbour downscale of the class map, then the class colours (background transparent).
  const ids = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    const sy = Math.min(height - 1, Math.floor((y + 0.5) / scale));
    for (let x = 0; x < w; x++) ids[y * w + x] = classes[channels[sy * width + Math.min(width - 1, Math.floor((x + 0.5) / scale))]]?.id ?? 0;
  }
  const rgba = new Uint8Array(w * h * 4);
  paintOverlay(ids, overlayLut(classes, 255), new Uint32Array(rgba.buffer));
  const prediction = encodePng({ width: w, height: h, colorType: 6, bitDepth: 8, data: rgba });
  return { name, width: w, height: h, image: new Uint8Array(image.buffer, image.byteOffset, image.length), prediction };
}
