#!/usr/bin/env node
// `npm start` (after the build and package steps): the main job on the embedded sample, then a real
// VS Code in the browser to review it. A working copy of samples/darkfield (.cache/start/darkfield,
// made once and kept, so your edits persist) is pre-labelled with the shipped models/default.onnx by
// `segment prelabel` (class pre-labels and instance maps; images already done by that model are
// skipped), then code-server opens it with the freshly packaged segment-studio.vsix installed.
// User data lives in .cache/start/ and is kept between runs, so settings and layout persist.
// Port: $PORT or 8080, or a free one when that is taken. Runs until Ctrl+C.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { findFreePort, installVsix, startCodeServer, writeUserSettings } from './code-server.mjs';
import { REPO_ROOT, ensureE2E } from './e2e-setup.mjs';

const VSIX = join(REPO_ROOT, 'segment-studio.vsix');
const SAMPLE = join(REPO_ROOT, 'samples', 'darkfield');
const STATE = join(REPO_ROOT, '.cache', 'start');
const FOLDER = join(STATE, 'darkfield');
const userDataDir = join(STATE, 'user-data');
const extensionsDir = join(STATE, 'extensions');
const logFile = join(STATE, 'code-server.log');

function fail(message) {
  console.error(`npm start: ${message}`);
  process.exit(1);
}

async function main() {
  await ensureE2E({ browser: false, log: (m) => console.log(m) });
  if (!existsSync(VSIX)) fail(`${VSIX} is missing; \`npm run package\` makes it.`);
  if (!existsSync(SAMPLE)) fail(`${SAMPLE} is missing.`);
  if (!existsSync(FOLDER)) cpSync(SAMPLE, FOLDER, { recursive: true });

  // The main job: pre-label the working copy with the default model, in the CLI's own process.
  console.log(`\nPre-labelling ${FOLDER} with models/default.onnx (images with a human mask are skipped):`);
  const prelabel = spawnSync(process.execPath, [join(REPO_ROOT, 'dist', 'cli.js'), 'prelabel', FOLDER], { stdio: 'inherit' });
  if (prelabel.status !== 0 && prelabel.status !== 1) fail(`segment prelabel failed (exit ${prelabel.status ?? prelabel.signal}).`);

  // First run only: later the settings file is the user's.
  if (!existsSync(join(userDataDir, 'User', 'settings.json'))) {
    writeUserSettings(userDataDir, {
      'workbench.startupEditor': 'none',
      'telemetry.telemetryLevel': 'off',
      'security.workspace.trust.enabled': false,
      'update.mode': 'none',
    });
  }
  // Every run: the VSIX was just rebuilt, and --force replaces the installed copy of the same version.
  await installVsix({ vsix: VSIX, userDataDir, extensionsDir });

  const wanted = Number(process.env.PORT) || 8080;
  const port = await findFreePort(wanted);
  if (port !== wanted) console.log(`Port ${wanted} is taken; using ${port}.`);
  const server = await startCodeServer({ port, userDataDir, extensionsDir, folder: FOLDER, logFile });

  console.log(`\nSegment Studio in VS Code (code-server): ${server.folderUrl}`);
  console.log(`Log: ${logFile}\nPress Ctrl+C to stop.\n`);

  // Ctrl+C: scripts/code-server.mjs stops code-server's process group; we only say goodbye.
  let stopping = false;
  for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(s, () => (stopping = true));
  const { code, signal } = await server.exited;
  if (stopping) {
    console.log('Stopped.');
    process.exit(0);
  }
  console.error(`code-server stopped (${code ?? signal}). Last lines of ${logFile}:`);
  console.error(server.output().split('\n').slice(-20).join('\n'));
  process.exit(1);
}

main().catch((err) => fail(err?.message ?? String(err)));
