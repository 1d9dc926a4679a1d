/**
 * "Segment: Install GPU Acceleration": installs native TensorFlow (and, with an NVIDIA GPU,
 * onnxruntime's CUDA provider) into the extension's storage, with progress and Cancel, and points
 * the workers at it (SEGMENT_NATIVE_MODULES), so training and pre-labelling pick it up.
 */
import * as vscode from 'vscode';
import * as path from 'node:path';
import { existsSync } from 'node:fs';
import { WorkerClient, setNativeModuleFolders } from './workerClient';
import { findNpm, hasNvidiaGpu, installNative, InstallError, NATIVE_FOLDER, planInstall } from './nativeInstall';

export function registerGpuInstall(context: vscode.ExtensionContext, _worker: WorkerClient, log: vscode.LogOutputChannel): void {
  const native = path.join(context.globalStorageUri.fsPath, NATIVE_FOLDER);
  if (existsSync(path.join(native, 'node_modules'))) setNativeModuleFolders([native]);
  let running = false;

  context.subscriptions.push(
    vscode.commands.registerCommand('segment.installGpuAcceleration', async () => {
      if (running) {
        void vscode.window.showInformationMessage('GPU acceleration is being installed already.');
        return;
      }
      const npm = findNpm();
      if (!npm) {
        void vscode.window.showErrorMessage(
          'Installing GPU acceleration needs npm on the PATH: install Node.js 20 or later (it includes npm) from nodejs.org or your package manager, then restart VS Code. Training keeps working on the wasm backend.',
        );
        return;
      }
      const registry = vscode.workspace.getConfiguration('segment.gpuInstall').get<string>('registry')?.trim() || undefined;
      running = true;
      try {
        await vscode.window.withProgress(
          { location: vscode.ProgressLocation.Notification, title: 'Segment: Installing GPU acceleration', cancellable: true },
          async (progress, token) => {
            const controller = new AbortController();
            token.onCancellationRequested(() => controller.abort());
            progress.report({ message: 'Looking for an NVIDIA GPU' });
            const nvidia = await hasNvidiaGpu();
            const ortVersion = String(context.extension.packageJSON.dependencies?.['onnxruntime-node'] ?? '').replace(/^[^\d]*/, '');
            const plan = planInstall(nvidia, ortVersion, registry);
            log.info(`GPU install: ${nvidia ? 'NVIDIA GPU found' : 'no NVIDIA GPU found'}; npm ${npm}; installing ${plan.packages.join(', ')} into ${native}${registry ? ` from ${registry}` : ''}`);
            log.show(true);
            let step = '';
            await installNative({
              storage: context.globalStorageUri.fsPath,
              plan,
              npm,
              registry,
              signal: controller.signal,
              onStep: (s) => {
                step = s;
                log.info(`GPU install: ${s}`);
                progress.report({ message: `${s}…` });
              },
              onLine: (line) => {
                log.info(`[npm] ${line}`);
                const fetched = /GET 200 \S*\/(@?[^/\s]+(?:\/[^/\s]+)?)\/-\//.exec(line);
                if (fetched) progress.report({ message: `${step}: ${decodeURIComponent(fetched[1])}` });
              },
            });
            setNativeModuleFolders([native]);
            const training = nvidia ? 'tensorflow-gpu (tfjs-node-gpu, CUDA)' : 'tensorflow (tfjs-node, native CPU)';
            const message = nvidia
              ? `GPU acceleration installed: training now runs on ${training} and pre-labelling can use CUDA (segment.device "auto").`
              : `No NVIDIA GPU found, so native TensorFlow for the CPU was installed: training now runs on ${training}, much faster than wasm.`;
            log.info(`GPU install: ${message}`);
            void vscode.window.showInformationMessage(message);
          },
        );
      } catch (e) {
        const message = e instanceof InstallError ? e.message : `GPU acceleration could not be installed: ${(e as Error).message}. Training keeps working on the wasm backend.`;
        log.error(`GPU install: ${message}`);
        if (e instanceof InstallError && e.kind === 'cancelled') void vscode.window.showInformationMessage(message);
        else void vscode.window.showErrorMessage(message, 'Show Output').then((choice) => choice && log.show());
      } finally {
        running = false;
      }
    }),
  );
}
