/** The shape of a CLI command: its options (node's util.parseArgs form) and what it does. */
import { Output } from './output';
import { JobContext } from '../engine/jobContext';

export type OptionSpec = { type: 'string' | 'boolean'; short?: string };
export type OptionValues = Record<string, string | boolean | undefined>;

export interface CommandSpec {
  /** One line: `stats <root>`. */
  usage: string;
  summary: string;
  options: Record<string, OptionSpec>;
  /** Returns the exit code. */
  run(positionals: string[], options: OptionValues, io: { out: Output; ctx: JobContext }): Promise<number>;
}

/** Bad arguments: exit code 2 with the message. */
export class UsageError extends Error {}

export function onePositional(positionals: string[], what: string, usage: string): string {
  if (positionals.length !== 1) throw new UsageError(`expected ${what}, got ${positionals.length === 0 ? 'nothing' : positionals.join(' ')}\nusage: segment ${usage}`);
  return positionals[0];
}
