/**
 * The architectures `segment train --arch` offers, each a graph builder. Widths are small by default
 * (CPU training); `width` and `depth` scale them.
 */
import { ARCHITECTURE_NAMES, ArchitectureName } from '../../core/training';
import { Graph, GraphBuilder } from './graph';

export type Architecture = ArchitectureName;

export interface ArchOptions {
  classes: number;
  /** Channels of the first level (doubling each level down). */
  width?: number;
  /** Levels (UNet, SegNet). */
  depth?: number;
  /** ASPP atrous rates (DeepLab), at output stride 8. */
  rates?: number[];
  inChannels?: number;
  /** Adds the instance head: this many embedding values per pixel (0: none). */
  embeddingDims?: number;
}

export function isArchitecture(name: string): name is Architecture {
  return (ARCHITECTURE_NAMES as readonly string[]).includes(name);
}

export function buildArchitecture(arch: Architecture, options: ArchOptions): Graph {
  switch (arch) {
    case 'unet':
      return unet(options);
    case 'deeplab':
      return deeplab(options);
    case 'segnet':
      return segnet(options);
    case 'fcn8':
      return fcn8(options);
  }
}

/** U-Net (Ronneberger et al. 2015) with batch norm, nearest upsampling and concatenated skips. */
function unet({ classes, width = 16, depth = 4, inChannels = 3, embeddingDims = 0 }: ArchOptions): Graph {
  if (depth < 2 || depth > 7) throw new Error(`unet depth must be 2..7, got ${depth}`);
  const g = new GraphBuilder(inChannels);
  let x = 0;
  const skips: number[] = [];
  for (let level = 0; level < depth; level++) {
    if (level > 0) x = g.maxpool(x);
    const c = width * 2 ** level;
    x = g.conv(x, `enc${level}.0`, c);
    x = g.conv(x, `enc${level}.1`, c);
    skips.push(x);
  }
  let last = x;
  for (let level = depth - 2; level >= 0; level--) {
    const c = width * 2 ** level;
    last = g.concat([g.upsample(x, 2, 'nearest'), skips[level]]);
    x = g.conv(last, `dec${level}.0`, c);
    x = g.conv(x, `dec${level}.1`, c);
  }
  const logits = g.head(x, 'head', classes);
  return g.build('unet', logits, classes, 2 ** (depth - 1), { width, depth }, embeddingHead(g, last, width, embeddingDims));
}

/**
 * DeepLabv3-style (Chen et al. 2017): a small residual encoder to output stride 8 whose last stage
 * is atrous, then ASPP (1x1, three 3x3 atrous branches, image pooling), a 3x3 fusion, and bilinear
 * upsampling of the logits.
 */
function deeplab({ classes, width = 16, rates = [2, 4, 6], inChannels = 3, embeddingDims = 0 }: ArchOptions): Graph {
  const g = new GraphBuilder(inChannels);
  let x = g.conv(0, 'stem.0', width, { stride: 2 });
  x = g.conv(x, 'stem.1', width);
  const stage = (input: number, name: string, c: number, stride: number, dilation: number) => {
    const down = g.conv(input, `${name}.0`, c, { stride });
    const body = g.conv(down, `${name}.1`, c, { dilation, relu: false });
    return g.conv(g.sum([down, body]), `${name}.2`, c, { kernel: 1 });
  };
  x = stage(x, 'layer1', width * 2, 2, 1);
  x = stage(x, 'layer2', width * 4, 2, 1);
  x = stage(x, 'layer3', width * 8, 1, 2);
  const a = width * 4;
  const branches = [g.conv(x, 'aspp.0', a, { kernel: 1 })];
  rates.forEach((r, i) => branches.push(g.conv(x, `aspp.${i + 1}`, a, { dilation: r })));
  // Image pooling: no batch norm on a 1x1 map (its batch statistics would be degenerate).
  const pooled = g.conv(g.globalPool(x), 'aspp.pool', a, { kernel: 1, bn: false });
  branches.push(g.broadcast(pooled, x));
  const projected = g.conv(g.concat(branches), 'aspp.project', a, { kernel: 1 });
  x = g.conv(projected, 'decoder', a);
  const logits = g.upsample(g.head(x, 'head', classes), 8, 'bilinear');
  return g.build('deeplab', logits, classes, 8, { width, rates }, embeddingHead(g, projected, a, embeddingDims, 8));
}

/** SegNet (Badrinarayanan et al. 2017): encoder-decoder whose decoder unpools at the encoder's max positions. */
function segnet({ classes, width = 16, depth = 4, inChannels = 3, embeddingDims = 0 }: ArchOptions): Graph {
  if (depth < 2 || depth > 6) throw new Error(`segnet depth must be 2..6, got ${depth}`);
  const g = new GraphBuilder(inChannels);
  let x = 0;
  const pools: { pre: number; pooled: number }[] = [];
  for (let level = 0; level < depth; level++) {
    const c = width * 2 ** level;
    x = g.conv(x, `enc${level}.0`, c);
    x = g.conv(x, `enc${level}.1`, c);
    const pooled = g.maxpool(x);
    pools.push({ pre: x, pooled });
    x = pooled;
  }
  let last = x;
  for (let level = depth - 1; level >= 0; level--) {
    const c = width * 2 ** level;
    last = g.unpool(x, pools[level].pre, pools[level].pooled);
    x = g.conv(last, `dec${level}.0`, c);
    x = g.conv(x, `dec${level}.1`, level > 0 ? c / 2 : c);
  }
  const logits = g.head(x, 'head', classes);
  return g.build('segnet', logits, classes, 2 ** depth, { width, depth }, embeddingHead(g, last, width, embeddingDims));
}

/** FCN-8s (Long et al. 2015): a VGG-style encoder, scores at strides 8, 16 and 32 fused while upsampling. */
function fcn8({ classes, width = 16, inChannels = 3, embeddingDims = 0 }: ArchOptions): Graph {
  const g = new GraphBuilder(inChannels);
  let x = 0;
  const pooled: number[] = [];
  const widths = [width, width * 2, width * 4, width * 8, width * 8];
  widths.forEach((c, level) => {
    x = g.conv(x, `block${level}.0`, c);
    x = g.conv(x, `block${level}.1`, c);
    x = g.maxpool(x);
    pooled.push(x);
  });
  x = g.conv(x, 'fc6', width * 16);
  x = g.conv(x, 'fc7', width * 16, { kernel: 1 });
  // Scores (or embeddings) at strides 32, 16 and 8, fused while upsampling.
  const fused = (prefix: string, channels: number) => {
    let s = g.head(x, `${prefix}32`, channels);
    s = g.sum([g.upsample(s, 2, 'bilinear'), g.head(pooled[3], `${prefix}16`, channels)]);
    s = g.sum([g.upsample(s, 2, 'bilinear'), g.head(pooled[2], `${prefix}8`, channels)]);
    return g.upsample(s, 8, 'bilinear');
  };
  const logits = fused('score', classes);
  return g.build('fcn8', logits, classes, 32, { width }, embeddingDims > 0 ? { node: fused('embed', embeddingDims), dims: embeddingDims } : undefined);
}

/**
 * The instance head: a branch of its own from the input of the last decoder stage (two 3x3
 * convolutions of `width` channels, then a 1x1 to the embedding), upsampled like the logits. Its
 * own last stage keeps the discriminative loss from bending the features the class head reads.
 */
function embeddingHead(g: GraphBuilder, features: number, width: number, dims: number, upsample = 1): { node: number; dims: number } | undefined {
  if (dims <= 0) return undefined;
  let x = g.conv(features, 'inst.0', width);
  x = g.conv(x, 'inst.1', width);
  const e = g.head(x, 'embed', dims);
  return { node: upsample > 1 ? g.upsample(e, upsample, 'bilinear') : e, dims };
}
