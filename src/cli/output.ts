/** How the CLI speaks: human-readable text by default, one JSON object per line with --json. */
import { JobProgress } from '../core/protocol';

export interface Output {
  json: boolean;
  progress(p: JobProgress): void;
  /** The final object: `{"event": "done", ...result}` in JSON mode. */
  done(command: string, result: object, human: () => string): void;
  error(message: string, details?: object): void;
}

export function createOutput(json: boolean, stream: NodeJS.WriteStream = process.stdout): Output {
  const tty = !json && process.stderr.isTTY;
  let lastLine = 0;
  return {
    json,
    progress(p) {
      if (json) {
        stream.write(JSON.stringify({ event: 'progress', ...p }) + '\n');
      } else if (tty && Date.now() - lastLine > 100) {
        lastLine = Date.now();
        process.stderr.write(`\r${p.done}/${p.total}${p.message ? ' ' + p.message.slice(-60) : ''}\x1b[K`);
      }
    },
    done(command, result, human) {
      if (tty) process.stderr.write('\r\x1b[K');
      stream.write(json ? JSON.stringify({ event: 'done', command, ...result }) + '\n' : human() + '\n');
    },
    error(message, details) {
      if (tty) process.stderr.write('\r\x1b[K');
      if (json) stream.write(JSON.stringify({ event: 'error', message, ...details }) + '\n');
      else process.stderr.write(`segment: ${message}\n`);
    },
  };
}

/** Left-aligned text columns, right-aligned numbers. */
export function table(rows: (string | number)[][], header: string[]): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, c) => Math.max(...cells.map((r) => r[c].length)));
  const numeric = header.map((_, c) => rows.length > 0 && rows.every((r) => typeof r[c] === 'number' || /^[\d.,%-]+$/.test(String(r[c]))));
  return cells
    .map((r) => r.map((cell, c) => (numeric[c] ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ').trimEnd())
    .join('\n');
}

export function percent(fraction: number, digits = 1): string {
  return `${(fraction * 100).toFixed(digits)}%`;
}

export function count(n: number): string {
  return n.toLocaleString('en-US');
}
