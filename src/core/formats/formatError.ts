import { DatasetError } from '../problems';

/**
 * Bad input in an imported file: names the file, the entry in it (`annotations[12] (id 57)`,
 * `line 3`) and the problem, so a user can go straight to it.
 */
export class FormatError extends DatasetError {
  constructor(readonly file: string, readonly entry: string | undefined, readonly problem: string) {
    super(`${file}: ${entry ? `${entry}: ` : ''}${problem}`);
    this.name = 'FormatError';
  }
}
