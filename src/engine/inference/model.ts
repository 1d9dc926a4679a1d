/**
 * A segmentation model ready to run: the ONNX file and its manifest, validated against each
 * other, in an onnxruntime-node session on the execution provider asked for (auto: CUDA, else
 * CPU with a one-line notice). Everything that can be wrong with a model is found here, before
 * any image is touched: missing files, a bad manifest, mismatched inputs or outputs, a model that
 * fails on an input of the declared size.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { ort } from './ort';
import { checkManifestAgainstModel, ModelManifest, TensorInfo, validateManifest } from '../../core/modelManifest';
import { Device, ExecutionProvider } from '../../core/prelabel';
import { DatasetError } from '../../core/problems';

/** A model that cannot be used: the message names the file, the field or tensor, and the mismatch. */
export class ModelError extends DatasetError {
  override name = 'ModelError';
}

export interface LoadedModel {
  /** Absolute path of the .onnx file. */
  file: string;
  manifest: ModelManifest;
  sha256: string;
  session: InferenceSession;
  provider: ExecutionProvider;
  /** Why `auto` runs on the CPU; absent otherwise. */
  notice?: string;
  /** The model's batch dimension when it is fixed (inputs are padded to it). */
  fixedBatch?: number;
  /** Spatial size [h, w] of the output for one input window. */
  outputSize: [number, number];
}

// onnxruntime logs to stderr at its own level; its errors reach us as exceptions anyway, and a
// CPU-only machine would otherwise print a native error line on every `auto` start.
ort.env.logLevel = 'fatal';

/** The manifest beside a model: `model.onnx` -> `model.json`. */
export function manifestPath(model: string): string {
  return model.replace(/\.onnx$/i, '') + '.json';
}

export async function loadModel(file: string, device: Device): Promise<LoadedModel> {
  file = path.resolve(file);
  let bytes: Uint8Array;
  try {
    bytes = await fs.readFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ModelError(code === 'ENOENT' ? `model not found: ${file}` : `cannot read model ${file}: ${(e as Error).message}`);
  }
  const manifest = await readManifest(file);
  const { session, provider, notice } = await createSession(file, bytes, device);
  try {
    const inputs = session.inputMetadata.map(info);
    const outputs = session.outputMetadata.map(info);
    const errors = checkManifestAgainstModel(manifest, inputs, outputs, path.basename(file));
    if (errors.length > 0) throw new ModelError(`model ${file} does not match its manifest ${path.basename(manifestPath(file))}:\n  ${errors.join('\n  ')}`);
    const input = inputs.find((t) => t.name === manifest.input.name)!;
    const fixedBatch = typeof input.shape[0] === 'number' ? input.shape[0] : undefined;
    const outputSize = await dryRun(session, manifest, fixedBatch ?? 1, file);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    return { file, manifest, sha256, session, provider, notice, fixedBatch, outputSize };
  } catch (e) {
    await session.release();
    throw e;
  }
}

async function readManifest(model: string): Promise<ModelManifest> {
  const file = manifestPath(model);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    throw new ModelError(
      `no manifest beside the model: expected ${file} (classes, input size or tile size, layout, mean/std, output kind; see the README's "Model manifest")`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ModelError(`${file} is not valid JSON: ${(e as Error).message}`);
  }
  const result = validateManifest(json, path.basename(file));
  if (!result.ok) throw new ModelError(`model manifest ${file} is not valid:\n  ${result.errors.join('\n  ')}`);
  return result.manifest;
}

async function createSession(file: string, bytes: Uint8Array, device: Device): Promise<{ session: InferenceSession; provider: ExecutionProvider; notice?: string }> {
  // No spinning: onnxruntime's threads otherwise busy-wait between operators and runs, taking the
  // cores that decoding and finishing need (measured: pipeline overhead 30-60 -> 5-17 CPU ms/image).
  const open = (provider: ExecutionProvider) =>
    ort.InferenceSession.create(bytes, {
      executionProviders: [provider],
      graphOptimizationLevel: 'all',
      extra: { session: { intra_op: { allow_spinning: '0' } } },
    });
  let cudaError: string | undefined;
  if (device !== 'cpu') {
    try {
      return { session: await open('cuda'), provider: 'cuda' };
    } catch (e) {
      cudaError = firstLine((e as Error).message);
      if (isModelProblem(cudaError)) throw new ModelError(`cannot load model ${file}: ${cudaError}`);
      // The usual case on a machine without it: say what to do rather than which symbol failed.
      if (/Failed to load shared library/i.test(cudaError)) cudaError = "onnxruntime's CUDA provider is not installed: run Segment: Install GPU Acceleration, or npm run gpu:install in a checkout";
      if (device === 'cuda') {
        throw new ModelError(
          `the CUDA execution provider is not available (device "cuda"): ${cudaError}. ` +
            'It needs an NVIDIA GPU with CUDA 12 and cuDNN 9, and onnxruntime-node\'s CUDA provider (npm run gpu:install, or Segment: Install GPU Acceleration); or use device "auto" or "cpu".',
        );
      }
    }
  }
  try {
    const session = await open('cpu');
    return { session, provider: 'cpu', notice: cudaError ? `CUDA is not available (${cudaError}); running on the CPU.` : undefined };
  } catch (e) {
    throw new ModelError(`cannot load model ${file}: ${firstLine((e as Error).message)}`);
  }
}

/** Errors that are about the model itself, not about CUDA: no point falling back. */
function isModelProblem(message: string): boolean {
  return /protobuf parsing failed|invalid model|no graph|ModelProto|Load model/i.test(message) && !/cuda|provider|shared library/i.test(message);
}

/** One call on zeros of the declared size: catches what metadata cannot (a size the network cannot take). */
async function dryRun(session: InferenceSession, m: ModelManifest, batch: number, file: string): Promise<[number, number]> {
  const [h, w] = m.input.size;
  const shape = m.input.layout === 'NCHW' ? [batch, m.input.channels, h, w] : [batch, h, w, m.input.channels];
  let out: Tensor;
  let result: InferenceSession.ReturnType;
  try {
    result = await session.run({ [m.input.name]: new ort.Tensor('float32', new Float32Array(batch * m.input.channels * h * w), shape) });
    out = result[m.output.name];
  } catch (e) {
    throw new ModelError(`model ${file} fails on an input of the manifest's size [${shape.join(', ')}]: ${firstLine((e as Error).message)}`);
  }
  const dims = out.dims;
  const where = `model ${file}: output "${m.output.name}" for an input [${shape.join(', ')}] is [${dims.join(', ')}]`;
  let size: [number, number];
  if (m.output.kind === 'labels') {
    if (dims.length === 3) size = [dims[1], dims[2]];
    else if (dims.length === 4 && m.output.layout === 'NCHW' && dims[1] === 1) size = [dims[2], dims[3]];
    else if (dims.length === 4 && m.output.layout === 'NHWC' && dims[3] === 1) size = [dims[1], dims[2]];
    else throw new ModelError(`${where}: not a label map [N, H, W]`);
  } else {
    const channels = m.output.layout === 'NCHW' ? dims[1] : dims[3];
    if (dims.length !== 4 || channels !== m.classes.length) {
      throw new ModelError(`${where}: expected ${m.classes.length} class channels (${m.output.layout}), one per manifest class`);
    }
    size = m.output.layout === 'NCHW' ? [dims[2], dims[3]] : [dims[1], dims[2]];
  }
  if (dims[0] !== batch) throw new ModelError(`${where}: the batch dimension changed from ${batch} to ${dims[0]}`);
  if (m.embedding) {
    const e = result[m.embedding.name].dims;
    const at = `model ${file}: embedding output "${m.embedding.name}" for an input [${shape.join(', ')}] is [${e.join(', ')}]`;
    const [eh, ew, dims] = m.embedding.layout === 'NCHW' ? [e[2], e[3], e[1]] : [e[1], e[2], e[3]];
    if (e.length !== 4 || dims !== m.embedding.dims) throw new ModelError(`${at}: expected ${m.embedding.dims} values per pixel (embedding.dims, ${m.embedding.layout})`);
    if (e[0] !== batch || eh !== size[0] || ew !== size[1]) {
      throw new ModelError(`${at}: embeddings must come at the class output's size [${batch}, ${size.join(', ')}] (output "${m.output.name}"), pixel for pixel`);
    }
  }
  if (m.input.mode === 'tile' && (size[0] !== h || size[1] !== w)) {
    throw new ModelError(`${where}: tiles are blended pixel for pixel, so tile mode needs the output at the input's size ${h}x${w}; use "mode": "resize" for this model`);
  }
  return size;
}

function info(meta: InferenceSession.ValueMetadata): TensorInfo {
  return meta.isTensor ? { name: meta.name, type: meta.type, shape: [...meta.shape] } : { name: meta.name, type: 'non-tensor', shape: [] };
}

function firstLine(message: string): string {
  return message.split('\n')[0].trim();
}
