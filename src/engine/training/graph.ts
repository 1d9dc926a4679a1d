/**
 * A segmentation network as data: a list of nodes in topological order, each naming its inputs by
 * index. The same description is run by TensorFlow.js (`forward.ts`) and written as ONNX
 * (`../onnx/export.ts`), so what trains is exactly what is exported. Layout is NHWC in tfjs; the
 * exporter writes NCHW.
 */

/** A convolution, optionally followed by batch normalisation and ReLU (folded together on export). */
export interface ConvNode {
  op: 'conv';
  input: number;
  /** Parameter prefix: `${name}.w` [k, k, inC, outC], `${name}.b` or the BN's `${name}.bn.*`. */
  name: string;
  kernel: number;
  inC: number;
  outC: number;
  stride: number;
  /** Atrous rate: trained as spaceToBatchND -> conv -> batchToSpaceND (tfjs has no dilated-conv gradient). */
  dilation: number;
  bn: boolean;
  relu: boolean;
}

export type GraphNode =
  | { op: 'input' }
  | ConvNode
  | { op: 'maxpool'; input: number }
  /** SegNet's unpooling: `input` upsampled x2 and kept where `pre` held the max of its 2x2 window (`pooled`). */
  | { op: 'unpool'; input: number; pre: number; pooled: number }
  | { op: 'upsample'; input: number; factor: number; mode: 'nearest' | 'bilinear' }
  | { op: 'concat'; inputs: number[] }
  | { op: 'add'; inputs: number[] }
  /** Mean over height and width, kept as a 1x1 map. */
  | { op: 'globalPool'; input: number }
  /** A 1x1 map repeated to the height and width of `like`. */
  | { op: 'broadcast'; input: number; like: number };

export interface ParamSpec {
  name: string;
  shape: number[];
  init: 'he' | 'zeros' | 'ones';
  /** Fan-in for He initialisation. */
  fanIn?: number;
}

export interface Graph {
  arch: string;
  nodes: GraphNode[];
  output: number;
  /** The instance head (`--instances`): per-pixel embeddings of `embeddingDims` values, at the output's resolution. */
  embedding?: number;
  embeddingDims?: number;
  /** Input channels (3: RGB). */
  inChannels: number;
  classes: number;
  /** Input height and width must be multiples of this. */
  sizeMultiple: number;
  /** Trainable parameters. */
  params: ParamSpec[];
  /** Batch-norm running statistics (not trained; updated in training mode). */
  state: ParamSpec[];
  /** Architecture settings, for the manifest and checkpoints. */
  settings: Record<string, number | string | number[]>;
}

/** Builds a graph node by node. */
export class GraphBuilder {
  readonly nodes: GraphNode[] = [{ op: 'input' }];
  readonly params: ParamSpec[] = [];
  readonly state: ParamSpec[] = [];
  private readonly channels: number[];

  constructor(readonly inChannels: number) {
    this.channels = [inChannels];
  }

  channelsOf(node: number): number {
    return this.channels[node];
  }

  private add(node: GraphNode, channels: number): number {
    this.nodes.push(node);
    this.channels.push(channels);
    return this.nodes.length - 1;
  }

  conv(input: number, name: string, outC: number, opts: { kernel?: number; stride?: number; dilation?: number; bn?: boolean; relu?: boolean } = {}): number {
    const { kernel = 3, stride = 1, dilation = 1, bn = true, relu = true } = opts;
    const inC = this.channels[input];
    this.params.push({ name: `${name}.w`, shape: [kernel, kernel, inC, outC], init: 'he', fanIn: kernel * kernel * inC });
    if (bn) {
      this.params.push({ name: `${name}.bn.gamma`, shape: [outC], init: 'ones' }, { name: `${name}.bn.beta`, shape: [outC], init: 'zeros' });
      this.state.push({ name: `${name}.bn.mean`, shape: [outC], init: 'zeros' }, { name: `${name}.bn.var`, shape: [outC], init: 'ones' });
    } else {
      this.params.push({ name: `${name}.b`, shape: [outC], init: 'zeros' });
    }
    return this.add({ op: 'conv', input, name, kernel, inC, outC, stride, dilation, bn, relu }, outC);
  }

  maxpool(input: number): number {
    return this.add({ op: 'maxpool', input }, this.channels[input]);
  }

  unpool(input: number, pre: number, pooled: number): number {
    return this.add({ op: 'unpool', input, pre, pooled }, this.channels[input]);
  }

  upsample(input: number, factor: number, mode: 'nearest' | 'bilinear'): number {
    return this.add({ op: 'upsample', input, factor, mode }, this.channels[input]);
  }

  concat(inputs: number[]): number {
    return this.add({ op: 'concat', inputs }, inputs.reduce((a, i) => a + this.channels[i], 0));
  }

  sum(inputs: number[]): number {
    return this.add({ op: 'add', inputs }, this.channels[inputs[0]]);
  }

  globalPool(input: number): number {
    return this.add({ op: 'globalPool', input }, this.channels[input]);
  }

  broadcast(input: number, like: number): number {
    return this.add({ op: 'broadcast', input, like }, this.channels[input]);
  }

  /** A 1x1 convolution head (no batch norm, no ReLU): class logits or embeddings. */
  head(input: number, name: string, outC: number): number {
    return this.conv(input, name, outC, { kernel: 1, bn: false, relu: false });
  }

  build(arch: string, output: number, classes: number, sizeMultiple: number, settings: Graph['settings'], embedding?: { node: number; dims: number }): Graph {
    return {
      arch, nodes: this.nodes, output, inChannels: this.inChannels, classes, sizeMultiple, params: this.params, state: this.state, settings,
      ...(embedding ? { embedding: embedding.node, embeddingDims: embedding.dims } : {}),
    };
  }
}

export function countParams(graph: Graph): number {
  return graph.params.reduce((a, p) => a + p.shape.reduce((x, y) => x * y, 1), 0);
}
