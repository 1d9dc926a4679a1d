#!/usr/bin/env node
/**
 * `segment`: the engine without VS Code. Exit codes: 0 success, 1 finished with failures,
 * 2 bad arguments or input that stops the command.
 */
import { parseArgs } from 'node:util';
import { DatasetError } from '../core/problems';
import { createOutput } from './output';
import { COMMANDS } from './commands/index';
import { CommandSpec, UsageError } from './command';
import { CancelledError } from '../engine/jobContext';

const USAGE = `usage: segment <command> [options]

commands:
${Object.values(COMMANDS).map((c) => `  ${c.usage}\n      ${c.summary}`).join('\n')}

every command takes --json: one JSON object per line (progress events, then {"event": "done", ...}).
exit codes: 0 success, 1 finished with failures, 2 bad arguments or input.`;

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(USAGE + '\n');
    return name ? 0 : 2;
  }
  const command: CommandSpec | undefined = COMMANDS[name];
  const json = rest.includes('--json');
  const out = createOutput(json);
  if (!command) {
    out.error(`unknown command "${name}"\n\n${USAGE}`);
    return 2;
  }
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: { ...command.options, json: { type: 'boolean' } }, allowPositionals: true, strict: true });
  } catch (e) {
    out.error(`${(e as Error).message}\nusage: segment ${command.usage}`);
    return 2;
  }
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await command.run(parsed.positionals, parsed.values as Record<string, string | boolean | undefined>, {
      out,
      ctx: { signal: controller.signal, progress: (p) => out.progress(p) },
    });
  } catch (e) {
    if (e instanceof CancelledError) {
      out.error('cancelled');
      return 1;
    }
    if (e instanceof DatasetError || e instanceof UsageError) {
      out.error(e.message, e instanceof DatasetError && e.problems.length ? { problems: e.problems } : undefined);
      return 2;
    }
    out.error(`internal error: ${(e as Error).stack ?? e}`);
    return 2;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
