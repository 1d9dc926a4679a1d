/**
 * A small builder of ONNX graphs (ModelProto through onnx-proto), for tests and benches that need
 * real models of a known shape.
 */
import { onnx } from 'onnx-proto';

export const DataType = onnx.TensorProto.DataType;
export type Dim = number | string;

/** An attribute value: integers and integer lists are INT/INTS unless wrapped with `float`/`floats`. */
export type AttributeValue = number | number[] | string | { float: number } | { floats: number[] };
export const float = (value: number) => ({ float: value });
export const floats = (values: number[]) => ({ floats: values });

type TypedData = Float32Array | Int32Array | BigInt64Array | Uint8Array;

export class GraphBuilder {
  private readonly nodes: onnx.INodeProto[] = [];
  private readonly inputs: onnx.IValueInfoProto[] = [];
  private readonly outputs: onnx.IValueInfoProto[] = [];
  private readonly initializers: onnx.ITensorProto[] = [];
  private counter = 0;

  input(name: string, type: number, shape: Dim[]): string {
    this.inputs.push(valueInfo(name, type, shape));
    return name;
  }

  /** Declares `value` as a graph output named `name` (renamed through Identity when they differ). */
  output(value: string, name: string, type: number, shape: Dim[]): void {
    if (value !== name) this.node('Identity', [value], {}, name);
    this.outputs.push(valueInfo(name, type, shape));
  }

  /** A constant tensor. `shape` defaults to a vector of the data's length. */
  constant(data: TypedData | number[], shape?: number[], type?: number): string {
    const name = `c${this.counter++}`;
    const typed = Array.isArray(data) ? Float32Array.from(data) : data;
    const dataType = type ?? dataTypeOf(typed);
    this.initializers.push({
      name,
      dataType,
      dims: shape ?? [typed.length],
      rawData: new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength),
    });
    return name;
  }

  /** int64 constant (shapes, axes, sizes). */
  ints(values: number[], shape?: number[]): string {
    return this.constant(BigInt64Array.from(values.map(BigInt)), shape);
  }

  /** Adds a node; returns its first output's name ('' inputs are omitted optional inputs). */
  node(opType: string, inputs: string[], attributes: Record<string, AttributeValue> = {}, output?: string): string {
    const out = output ?? `v${this.counter++}`;
    this.nodes.push({
      opType,
      input: inputs,
      output: [out],
      name: `${opType}_${this.nodes.length}`,
      attribute: Object.entries(attributes).map(([key, value]) => attribute(key, value)),
    });
    return out;
  }

  /** Serialised ModelProto. */
  toBytes(opset = 17, name = 'graph'): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: 8,
      producerName: 'segment-studio',
      opsetImport: [{ domain: '', version: opset }],
      graph: { name, node: this.nodes, input: this.inputs, output: this.outputs, initializer: this.initializers },
    });
    return onnx.ModelProto.encode(model).finish();
  }
}

function valueInfo(name: string, elemType: number, shape: Dim[]): onnx.IValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType, shape: { dim: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  };
}

function attribute(name: string, value: AttributeValue): onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof value === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(value) };
  if (typeof value === 'number') return Number.isInteger(value) ? { name, type: T.INT, i: value } : { name, type: T.FLOAT, f: value };
  if (Array.isArray(value)) return { name, type: T.INTS, ints: value };
  if ('float' in value) return { name, type: T.FLOAT, f: value.float };
  return { name, type: T.FLOATS, floats: value.floats };
}

function dataTypeOf(data: TypedData): number {
  if (data instanceof Float32Array) return DataType.FLOAT;
  if (data instanceof Int32Array) return DataType.INT32;
  if (data instanceof BigInt64Array) return DataType.INT64;
  return DataType.UINT8;
}
