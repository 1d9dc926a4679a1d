/**
 * The project's own ONNX exporter (opset 13): writes a training graph (`training/graph.ts`) with its
 * weights as an ONNX ModelProto through onnx-proto. The model is NCHW throughout (ONNX's native
 * layout; kernels permuted from tfjs's [kh, kw, in, out] to [out, in, kh, kw]), batch norm is folded
 * into the convolution before it, and every op reproduces what tfjs computed in training:
 * 'same' padding (SAME_UPPER for strided convolutions), nearest resizing with floor rounding,
 * bilinear with half-pixel centres. Input `image` [N, 3, H, W] normalised; output `logits` [N, K, H, W]
 * and, with the instance head, `embedding` [N, D, H, W].
 */
import { onnx } from 'onnx-proto';
import { ConvNode, Graph } from '../training/graph';

export const ONNX_OPSET = 13;
const BN_EPSILON = 1e-5;

export interface WeightArrays {
  get(name: string): { shape: number[]; data: Float32Array } | undefined;
}

export interface ExportOptions {
  name?: string;
  inputName?: string;
  outputName?: string;
  /** The instance head's output (graphs with `embedding`). */
  embeddingName?: string;
}

class OnnxGraphWriter {
  readonly nodes: onnx.INodeProto[] = [];
  readonly initializers: onnx.ITensorProto[] = [];
  private counter = 0;

  fresh(hint: string): string {
    return `${hint}_${this.counter++}`;
  }

  node(opType: string, inputs: string[], attributes: onnx.IAttributeProto[] = [], output?: string): string {
    const out = output ?? this.fresh(opType.toLowerCase());
    this.nodes.push({ opType, input: inputs, output: [out], name: out, attribute: attributes });
    return out;
  }

  floats(name: string, dims: number[], data: Float32Array): string {
    const bytes = new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
    this.initializers.push({ name, dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: bytes });
    return name;
  }

  ints(name: string, values: number[]): string {
    this.initializers.push({ name, dims: [values.length], dataType: onnx.TensorProto.DataType.INT64, int64Data: values });
    return name;
  }
}

const ints = (name: string, values: number[]): onnx.IAttributeProto => ({ name, type: onnx.AttributeProto.AttributeType.INTS, ints: values });
const str = (name: string, value: string): onnx.IAttributeProto => ({ name, type: onnx.AttributeProto.AttributeType.STRING, s: new TextEncoder().encode(value) });
const int = (name: string, value: number): onnx.IAttributeProto => ({ name, type: onnx.AttributeProto.AttributeType.INT, i: value });

/** tfjs [kh, kw, in, out] -> ONNX [out, in, kh, kw], each output channel scaled. */
function permuteKernel(w: Float32Array, [kh, kw, cin, cout]: number[], scale?: Float32Array): Float32Array {
  const out = new Float32Array(w.length);
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      for (let c = 0; c < cin; c++) {
        for (let o = 0; o < cout; o++) {
          out[((o * cin + c) * kh + i) * kw + j] = w[((i * kw + j) * cin + c) * cout + o] * (scale ? scale[o] : 1);
        }
      }
    }
  }
  return out;
}

function need(weights: WeightArrays, name: string): { shape: number[]; data: Float32Array } {
  const w = weights.get(name);
  if (!w) throw new Error(`export: no weights for ${name}`);
  return w;
}

function writeConv(g: OnnxGraphWriter, node: ConvNode, input: string, weights: WeightArrays): string {
  const w = need(weights, `${node.name}.w`);
  let scale: Float32Array | undefined;
  let bias: Float32Array;
  if (node.bn) {
    // Batch norm folded: W' = W * gamma / sqrt(var + eps), b' = beta - mean * gamma / sqrt(var + eps).
    const gamma = need(weights, `${node.name}.bn.gamma`).data;
    const beta = need(weights, `${node.name}.bn.beta`).data;
    const mean = need(weights, `${node.name}.bn.mean`).data;
    const variance = need(weights, `${node.name}.bn.var`).data;
    scale = new Float32Array(node.outC);
    bias = new Float32Array(node.outC);
    for (let o = 0; o < node.outC; o++) {
      scale[o] = gamma[o] / Math.sqrt(variance[o] + BN_EPSILON);
      bias[o] = beta[o] - mean[o] * scale[o];
    }
  } else {
    bias = need(weights, `${node.name}.b`).data;
  }
  const k = node.kernel;
  const kernel = g.floats(`${node.name}.weight`, [node.outC, node.inC, k, k], permuteKernel(w.data, w.shape, scale));
  const b = g.floats(`${node.name}.bias`, [node.outC], bias);
  const attrs = [ints('kernel_shape', [k, k]), ints('strides', [node.stride, node.stride]), ints('dilations', [node.dilation, node.dilation])];
  if (node.stride > 1) {
    attrs.push(str('auto_pad', 'SAME_UPPER')); // TensorFlow's 'same': the extra row/column at the end
  } else {
    const total = (k - 1) * node.dilation;
    const before = Math.floor(total / 2);
    attrs.push(ints('pads', [before, before, total - before, total - before]));
  }
  const out = g.node('Conv', [input, kernel, b], attrs);
  return node.relu ? g.node('Relu', [out]) : out;
}

function resize(g: OnnxGraphWriter, input: string, factor: number, mode: 'nearest' | 'bilinear'): string {
  const scales = g.floats(g.fresh('scales'), [4], new Float32Array([1, 1, factor, factor]));
  const attrs =
    mode === 'nearest'
      ? [str('mode', 'nearest'), str('coordinate_transformation_mode', 'asymmetric'), str('nearest_mode', 'floor')]
      : [str('mode', 'linear'), str('coordinate_transformation_mode', 'half_pixel')];
  return g.node('Resize', [input, '', scales], attrs);
}

export function buildOnnxModel(graph: Graph, weights: WeightArrays, options: ExportOptions = {}): onnx.IModelProto {
  const inputName = options.inputName ?? 'image';
  const outputName = options.outputName ?? 'logits';
  const g = new OnnxGraphWriter();
  const names: string[] = [];
  graph.nodes.forEach((node, index) => {
    let out: string;
    switch (node.op) {
      case 'input':
        out = inputName;
        break;
      case 'conv':
        out = writeConv(g, node, names[node.input], weights);
        break;
      case 'maxpool':
        out = g.node('MaxPool', [names[node.input]], [ints('kernel_shape', [2, 2]), ints('strides', [2, 2])]);
        break;
      case 'unpool': {
        const up = resize(g, names[node.input], 2, 'nearest');
        const max = resize(g, names[node.pooled], 2, 'nearest');
        const mask = g.node('Cast', [g.node('Equal', [names[node.pre], max])], [int('to', onnx.TensorProto.DataType.FLOAT)]);
        out = g.node('Mul', [up, mask]);
        break;
      }
      case 'upsample':
        out = resize(g, names[node.input], node.factor, node.mode);
        break;
      case 'concat':
        out = g.node('Concat', node.inputs.map((i) => names[i]), [int('axis', 1)]);
        break;
      case 'add':
        out = g.node('Sum', node.inputs.map((i) => names[i]));
        break;
      case 'globalPool':
        out = g.node('GlobalAveragePool', [names[node.input]]);
        break;
      case 'broadcast': {
        // [N, C, 1, 1] expanded to [N, C, H, W] of `like`.
        const nc = g.node('Slice', [g.node('Shape', [names[node.input]]), g.ints(g.fresh('start'), [0]), g.ints(g.fresh('end'), [2])]);
        const hw = g.node('Slice', [g.node('Shape', [names[node.like]]), g.ints(g.fresh('start'), [2]), g.ints(g.fresh('end'), [4])]);
        out = g.node('Expand', [names[node.input], g.node('Concat', [nc, hw], [int('axis', 0)])]);
        break;
      }
    }
    names[index] = out;
  });
  // Name the outputs.
  g.node('Identity', [names[graph.output]], [], outputName);
  const embeddingName = options.embeddingName ?? 'embedding';
  if (graph.embedding !== undefined) g.node('Identity', [names[graph.embedding]], [], embeddingName);

  const tensorType = (name: string, dims: (number | string)[]): onnx.IValueInfoProto => ({
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  });
  return {
    irVersion: 7,
    producerName: 'segment-studio',
    producerVersion: '1',
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    docString: `${graph.arch} ${JSON.stringify(graph.settings)}; input multiple of ${graph.sizeMultiple}`,
    graph: {
      name: options.name ?? graph.arch,
      node: g.nodes,
      initializer: g.initializers,
      input: [tensorType(inputName, ['N', graph.inChannels, 'H', 'W'])],
      output: [
        tensorType(outputName, ['N', graph.classes, 'H', 'W']),
        ...(graph.embedding !== undefined ? [tensorType(embeddingName, ['N', graph.embeddingDims!, 'H', 'W'])] : []),
      ],
    },
  };
}

/** The serialised model. */
export function exportOnnx(graph: Graph, weights: WeightArrays, options: ExportOptions = {}): Uint8Array {
  return onnx.ModelProto.encode(onnx.ModelProto.create(buildOnnxModel(graph, weights, options))).finish();
}
