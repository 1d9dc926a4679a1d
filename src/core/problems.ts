/**
 * A problem found in a dataset or its configuration. Every problem names the file it is about;
 * `field` (a JSON path like `classes[2].color`) or `value` pin it down further.
 */
export interface Problem {
  severity: 'error' | 'warning';
  /** Machine-readable kind, stable across versions (used by the Problems panel and tests). */
  code: ProblemCode;
  /** Path of the file, relative to the dataset root when there is one. */
  file: string;
  message: string;
  field?: string;
  /** The offending value, where there is one (e.g. the mask value that is no class). */
  value?: number;
  /** 0-based line and column, for problems in text files. */
  line?: number;
  column?: number;
}

export type ProblemCode =
  | 'config-syntax'
  | 'config-invalid'
  | 'config-unknown-key'
  | 'folder-outside-root'
  | 'mask-size-mismatch'
  | 'mask-unknown-id'
  | 'mask-unreadable'
  | 'mask-not-single-channel'
  | 'mask-without-image'
  | 'image-unreadable'
  | 'duplicate-stem'
  | 'missing-folder';

export function problemToString(p: Problem): string {
  const where = p.field ? `${p.file} (${p.field})` : p.file;
  return `${p.severity}: ${where}: ${p.message}`;
}

/** An error that stops a command; carries the problems that caused it. */
export class DatasetError extends Error {
  constructor(message: string, readonly problems: Problem[] = []) {
    super(message);
    this.name = 'DatasetError';
  }
}
