/**
 * The manifest beside every model (`<model>.onnx` + `<model>.json`): what pre-labelling needs to feed
 * the model and read its output. Exported models write it; any third-party ONNX model works once it
 * has one. Validated against the model's real inputs and outputs when a session opens.
 */
import { ClassDef, DEFAULT_IGNORE_INDEX } from './classes';
import { validateSegmentConfig } from './segmentConfig';

export const MANIFEST_FORMAT = 'segment-studio-model/1';

export interface ModelManifest {
  format: typeof MANIFEST_FORMAT;
  name: string;
  /** Classes in output-channel order: channel k of the output is `classes[k]` (labels output: values are class ids). */
  classes: ClassDef[];
  ignoreIndex: number;
  input: {
    /** ONNX input name. */
    name: string;
    layout: 'NCHW' | 'NHWC';
    /** 3 (RGB) or 1 (grey, the mean of R, G, B). */
    channels: 1 | 3;
    /**
     * How an image of any size reaches the model: 'resize' scales it to `size` and the output back to
     * the image size; 'tile' runs `size` windows with `overlap` pixels, blending overlaps.
     */
    mode: 'resize' | 'tile';
    /** [height, width] of the model's input (the tile size in 'tile' mode). */
    size: [number, number];
    /** Tile overlap in pixels ('tile' mode). */
    overlap?: number;
    /** Per-channel normalisation on 0..255 values: x' = (x - mean) / std. */
    mean: number[];
    std: number[];
  };
  output: {
    /** ONNX output name. */
    name: string;
    layout: 'NCHW' | 'NHWC';
    /** logits (softmax applied here), probabilities, or labels (class id per pixel, no channel axis). */
    kind: 'logits' | 'probabilities' | 'labels';
  };
  /**
   * Instance-capable models (`segment train --instances`): a second output of per-pixel embeddings
   * (the discriminative-loss head). Pre-labelling clusters the pixels of each thing class
   * (`thingClassIds(classes)`) in this space into objects, written to `prelabels/instances/`.
   */
  embedding?: {
    /** ONNX output name. */
    name: string;
    layout: 'NCHW' | 'NHWC';
    /** Values per pixel (channels of the output). */
    dims: number;
    /** Mean-shift window radius in embedding space (tied to the loss's delta_v). */
    bandwidth: number;
  };
  /** Free-form provenance written by `segment train`: data, settings, validation mIoU, backend, date. */
  training?: Record<string, unknown>;
}

// ---------------------------------------------------------------------------------------------
// Validation: of the manifest's JSON, then of the manifest against the model's real inputs and
// outputs. Every message names the field or the tensor and says what was expected.

export type ManifestResult = { ok: true; manifest: ModelManifest } | { ok: false; errors: string[] };

/** Checks the JSON of `<model>.json`; `file` names it in messages. Classes keep their channel order. */
export function validateManifest(json: unknown, file: string): ManifestResult {
  const errors: string[] = [];
  const error = (field: string, message: string) => errors.push(`${file}: ${field}: ${message}`);
  if (!isObject(json)) return { ok: false, errors: [`${file}: must be a JSON object (a model manifest)`] };
  if (json.format !== MANIFEST_FORMAT) error('format', `must be "${MANIFEST_FORMAT}", got ${show(json.format)}`);
  if (typeof json.name !== 'string' || !json.name.trim()) error('name', `must be a non-empty string, got ${show(json.name)}`);

  // Classes follow segment.json's rules; the manifest keeps its own order (channel k = classes[k]).
  const classCheck = validateSegmentConfig({ classes: json.classes, ignoreIndex: json.ignoreIndex ?? DEFAULT_IGNORE_INDEX }, file);
  for (const p of classCheck.problems) if (p.severity === 'error') error(p.field ?? '(root)', p.message);
  const byId = classCheck.ok ? new Map(classCheck.config.classes.map((c) => [c.id, c])) : undefined;

  const input = isObject(json.input) ? json.input : (error('input', `must be an object, got ${show(json.input)}`), {} as Record<string, unknown>);
  const output = isObject(json.output) ? json.output : (error('output', `must be an object, got ${show(json.output)}`), {} as Record<string, unknown>);
  const oneOf = (obj: Record<string, unknown>, field: string, key: string, values: readonly unknown[]) => {
    if (!values.includes(obj[key])) error(`${field}.${key}`, `must be one of ${values.map((v) => JSON.stringify(v)).join(', ')}, got ${show(obj[key])}`);
  };
  if (isObject(json.input)) {
    if (typeof input.name !== 'string' || !input.name) error('input.name', `must be the model's input name, got ${show(input.name)}`);
    oneOf(input, 'input', 'layout', ['NCHW', 'NHWC']);
    oneOf(input, 'input', 'channels', [1, 3]);
    oneOf(input, 'input', 'mode', ['resize', 'tile']);
    const size = input.size;
    const sizeOk = Array.isArray(size) && size.length === 2 && size.every((v) => Number.isInteger(v) && v >= 1 && v <= 16384);
    if (!sizeOk) error('input.size', `must be [height, width] in pixels, got ${show(size)}`);
    if (input.overlap !== undefined) {
      const max = sizeOk ? Math.floor(Math.min(...(size as number[])) / 2) : Infinity;
      if (!Number.isInteger(input.overlap) || (input.overlap as number) < 0 || (input.overlap as number) >= max) {
        error('input.overlap', `must be an integer from 0 to ${max === Infinity ? 'half the tile size' : max - 1} (pixels, under half the tile), got ${show(input.overlap)}`);
      }
    }
    const channels = input.channels === 1 ? 1 : 3;
    for (const key of ['mean', 'std'] as const) {
      const v = input[key];
      if (!Array.isArray(v) || v.length !== channels || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
        error(`input.${key}`, `must be ${channels} number${channels > 1 ? 's' : ''} (one per input channel, on 0..255 values), got ${show(v)}`);
      } else if (key === 'std' && v.some((x) => x === 0)) error('input.std', 'must not hold 0 (pixels are divided by it)');
    }
  }
  if (isObject(json.output)) {
    if (typeof output.name !== 'string' || !output.name) error('output.name', `must be the model's output name, got ${show(output.name)}`);
    oneOf(output, 'output', 'layout', ['NCHW', 'NHWC']);
    oneOf(output, 'output', 'kind', ['logits', 'probabilities', 'labels']);
  }
  if (json.embedding !== undefined) {
    const e = json.embedding;
    if (!isObject(e)) error('embedding', `must be an object (name, layout, dims, bandwidth), got ${show(e)}`);
    else {
      if (typeof e.name !== 'string' || !e.name) error('embedding.name', `must be the model's embedding output name, got ${show(e.name)}`);
      else if (isObject(json.output) && e.name === output.name) error('embedding.name', `must differ from output.name ("${e.name}"): the embeddings are a second output`);
      oneOf(e, 'embedding', 'layout', ['NCHW', 'NHWC']);
      if (!Number.isInteger(e.dims) || (e.dims as number) < 1 || (e.dims as number) > 64) error('embedding.dims', `must be an integer from 1 to 64 (values per pixel), got ${show(e.dims)}`);
      if (typeof e.bandwidth !== 'number' || !Number.isFinite(e.bandwidth) || e.bandwidth <= 0) {
        error('embedding.bandwidth', `must be a positive number (the clustering radius in embedding space, about delta_v of the loss), got ${show(e.bandwidth)}`);
      }
    }
  }
  if (json.training !== undefined && !isObject(json.training)) error('training', `must be an object, got ${show(json.training)}`);
  if (errors.length > 0 || !byId) return { ok: false, errors };
  const manifest = { ...json, classes: (json.classes as { id: number }[]).map((c) => byId.get(c.id)!), ignoreIndex: classCheck.ok ? classCheck.config.ignoreIndex : DEFAULT_IGNORE_INDEX };
  return { ok: true, manifest: manifest as unknown as ModelManifest };
}

/** A model input or output as onnxruntime describes it: symbolic dimensions are strings. */
export interface TensorInfo {
  name: string;
  type: string;
  shape: (number | string)[];
}

/** Element types a labels output may have (class ids). */
const LABEL_TYPES = ['int64', 'int32', 'uint8', 'int8', 'uint16', 'int16', 'uint32', 'float32'];

/**
 * Checks the manifest against the model's real inputs and outputs: names, element types, ranks,
 * channel counts and fixed sizes. Returns every mismatch, each naming the tensor and the field.
 */
export function checkManifestAgainstModel(m: ModelManifest, inputs: TensorInfo[], outputs: TensorInfo[], model: string): string[] {
  const errors: string[] = [];
  const describe = (list: TensorInfo[]) => list.map((t) => `"${t.name}" ${t.type} [${t.shape.join(', ')}]`).join(', ');
  const input = inputs.find((t) => t.name === m.input.name);
  if (!input) {
    errors.push(`${model} has no input "${m.input.name}" (manifest input.name); its inputs: ${describe(inputs)}`);
  } else {
    const others = inputs.filter((t) => t !== input);
    if (others.length > 0) errors.push(`${model} has ${inputs.length} inputs (${describe(inputs)}); pre-labelling feeds one image input`);
    if (input.type !== 'float32') errors.push(`input "${input.name}" is ${input.type}; pre-labelling feeds float32 (normalised pixels)`);
    if (input.shape.length !== 4) {
      errors.push(`input "${input.name}" has shape [${input.shape.join(', ')}]; expected 4 dimensions (${m.input.layout})`);
    } else {
      const [c, h, w] = m.input.layout === 'NCHW' ? [1, 2, 3] : [3, 1, 2];
      const fixed = (i: number) => (typeof input.shape[i] === 'number' ? (input.shape[i] as number) : undefined);
      const before = errors.length;
      if (fixed(c) !== undefined && fixed(c) !== m.input.channels) {
        errors.push(`input "${input.name}" [${input.shape.join(', ')}] has ${fixed(c)} channels at axis ${c} (${m.input.layout}); the manifest says input.channels ${m.input.channels}`);
      }
      for (const [axis, want, what] of [[h, m.input.size[0], 'height'], [w, m.input.size[1], 'width']] as const) {
        if (fixed(axis) !== undefined && fixed(axis) !== want) {
          errors.push(`input "${input.name}" [${input.shape.join(', ')}] has a fixed ${what} of ${fixed(axis)}; the manifest's input.size says ${want}`);
        }
      }
      const other = m.input.layout === 'NCHW' ? 'NHWC' : 'NCHW';
      if (errors.length > before && fixed(other === 'NHWC' ? 3 : 1) === m.input.channels) {
        errors.push(`input "${input.name}" looks ${other}: is the manifest's input.layout "${m.input.layout}" right?`);
      }
    }
  }
  const output = outputs.find((t) => t.name === m.output.name);
  if (!output) {
    errors.push(`${model} has no output "${m.output.name}" (manifest output.name); its outputs: ${describe(outputs)}`);
    return errors;
  }
  const shape = `output "${output.name}" [${output.shape.join(', ')}]`;
  if (m.output.kind === 'labels') {
    if (!LABEL_TYPES.includes(output.type)) errors.push(`${shape} is ${output.type}; a labels output holds class ids (an integer type)`);
    const rank = output.shape.length;
    const channelAxis = m.output.layout === 'NCHW' ? 1 : 3;
    if (rank !== 3 && !(rank === 4 && (output.shape[channelAxis] === 1 || typeof output.shape[channelAxis] === 'string'))) {
      errors.push(`${shape} is not a label map: expected [N, H, W] or one channel (kind "labels")`);
    }
  } else {
    if (output.type !== 'float32') errors.push(`${shape} is ${output.type}; ${m.output.kind} must be float32`);
    if (output.shape.length !== 4) {
      errors.push(`${shape} has ${output.shape.length} dimensions; ${m.output.kind} need 4 (${m.output.layout}: one channel per class)`);
    } else {
      const channels = output.shape[m.output.layout === 'NCHW' ? 1 : 3];
      if (typeof channels === 'number' && channels !== m.classes.length) {
        errors.push(`${shape} has ${channels} channels (${m.output.layout}) but the manifest lists ${m.classes.length} classes: channel k is classes[k]`);
      }
    }
  }
  if (m.embedding) errors.push(...checkEmbedding(m.embedding, outputs, model, describe(outputs)));
  return errors;
}

/** The embedding output: present, float32, [N, dims, H, W] (NCHW) or [N, H, W, dims] (NHWC). */
function checkEmbedding(e: NonNullable<ModelManifest['embedding']>, outputs: TensorInfo[], model: string, all: string): string[] {
  const out = outputs.find((t) => t.name === e.name);
  if (!out) return [`${model} has no output "${e.name}" (manifest embedding.name); its outputs: ${all}`];
  const errors: string[] = [];
  const shape = `embedding output "${out.name}" [${out.shape.join(', ')}]`;
  if (out.type !== 'float32') errors.push(`${shape} is ${out.type}; embeddings must be float32`);
  if (out.shape.length !== 4) {
    errors.push(`${shape} has ${out.shape.length} dimensions; embeddings need 4 (${e.layout}: embedding.dims ${e.dims} values per pixel)`);
  } else {
    const channels = out.shape[e.layout === 'NCHW' ? 1 : 3];
    if (typeof channels === 'number' && channels !== e.dims) {
      const other = out.shape[e.layout === 'NCHW' ? 3 : 1];
      const hint = other === e.dims ? `; it looks ${e.layout === 'NCHW' ? 'NHWC' : 'NCHW'}: is embedding.layout "${e.layout}" right?` : '';
      errors.push(`${shape} has ${channels} channels (${e.layout}) but the manifest says embedding.dims ${e.dims}${hint}`);
    }
  }
  return errors;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function show(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? 'nothing' : s.length > 60 ? s.slice(0, 57) + '...' : s;
}
