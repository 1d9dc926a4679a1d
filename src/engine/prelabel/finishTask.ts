/**
 * The last step of one image's pre-label, run in a finishing thread (or inline for a single
 * image): class ids and statistics from the model's output, the sidecar, and both files written.
 */
import { PrelabelSidecar, SIDECAR_FORMAT } from '../../core/prelabel';
import { finishPrediction, FinishJob } from '../inference/scores';
import { PrelabelOutput, writePrelabelSync } from './output';

export interface FinishTask {
  job: FinishJob;
  output: PrelabelOutput;
  key: string;
  /** The sidecar's fields known before the model ran; the rest come from its output. */
  sidecar: Pick<PrelabelSidecar, 'image' | 'model' | 'executionProvider' | 'mode'>;
  /** Class names, in output-channel order. */
  classNames: string[];
}

export interface FinishOutcome {
  info: PrelabelSidecar;
  files: { png: string; sidecar: string; instances?: string };
}

export function runFinishTask({ job, output, key, sidecar, classNames }: FinishTask): FinishOutcome {
  const r = finishPrediction(job);
  const perClass = new Map(r.instances?.perClass);
  const info: PrelabelSidecar = {
    format: SIDECAR_FORMAT,
    image: sidecar.image,
    width: r.width,
    height: r.height,
    model: sidecar.model,
    createdAt: new Date().toISOString(),
    executionProvider: sidecar.executionProvider,
    mode: sidecar.mode,
    classes: job.classIds.map((id, k) => ({ id, name: classNames[k], pixels: r.pixels[k], ...(perClass.has(id) ? { instances: perClass.get(id) } : {}) })),
    meanConfidence: round(r.meanConfidence),
    meanEntropy: round(r.meanEntropy),
    ...(r.instances ? { instances: r.instances.count } : {}),
  };
  return { info, files: writePrelabelSync(output, key, r.png, info, r.instances?.png) };
}

function round(v: number | null): number | null {
  return v === null || !Number.isFinite(v) ? null : Math.round(v * 1e6) / 1e6;
}
