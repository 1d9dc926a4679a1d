import { CommandSpec } from '../command';
import { stats } from './stats';
import { evaluate } from './eval';
import { prelabel } from './prelabel';
import { train } from './train';
import { convert } from './convert';

/** Every command of the `segment` CLI, by the name typed on the command line. */
export const COMMANDS: Record<string, CommandSpec> = {
  stats,
  eval: evaluate,
  prelabel,
  train,
  convert,
};
