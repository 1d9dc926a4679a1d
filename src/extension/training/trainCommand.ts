/**
 * "Segment: Train on workspace": finds the dataset (asks when there are several), offers the
 * settings, runs the `train` job in a worker process of its own (so the editor's worker stays
 * free and a training crash cannot touch it), and shows the Training panel. At the end, "Use for
 * pre-labelling" points `segment.model` at the new model.
 */
import * as vscode from 'vscode';
import * as path from 'node:path';
import { ARCHITECTURE_NAMES, ArchitectureName, TrainParams, TrainResult } from '../../core/training';
import { WorkerClient, JobFailedError } from '../workerClient';
import { TrainingPanel } from './trainingPanel';

interface Settings {
  arch: ArchitectureName;
  size: number;
  epochs: number;
  semi: boolean;
  instances: boolean;
}

const DEFAULT_SETTINGS: Settings = { arch: 'unet', size: 256, epochs: 40, semi: true, instances: false };

const ARCH_LABELS: Record<ArchitectureName, { label: string; detail: string }> = {
  unet: { label: 'U-Net', detail: 'Encoder-decoder with skip connections; the all-round default.' },
  deeplab: { label: 'DeepLabv3', detail: 'Atrous convolutions and ASPP: large context, coarser boundaries.' },
  segnet: { label: 'SegNet', detail: 'Decoder unpools at the encoder\'s max positions; light on memory.' },
  fcn8: { label: 'FCN-8s', detail: 'Fully convolutional with skip scores at strides 8, 16 and 32.' },
};

const SETTINGS_KEY = 'segment.training.settings';

let running: { panel: TrainingPanel; controller: AbortController } | undefined;

export function registerTraining(context: vscode.ExtensionContext, worker: WorkerClient, log: vscode.LogOutputChannel): void {
  // Training runs in a worker process of its own: a long job there never delays the editor's jobs.
  let trainingWorker: WorkerClient | undefined;
  context.subscriptions.push({ dispose: () => trainingWorker?.dispose() });
  const status = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 50);
  status.command = 'segment.showTraining';
  context.subscriptions.push(status);

  context.subscriptions.push(
    vscode.commands.registerCommand('segment.showTraining', () => running?.panel.reveal()),
    vscode.commands.registerCommand('segment.train', async () => {
      if (running) {
        const choice = await vscode.window.showInformationMessage('A training is already running.', 'Show it', 'Stop it');
        if (choice === 'Show it') running.panel.reveal();
        if (choice === 'Stop it') running.controller.abort();
        return;
      }
      if (!vscode.workspace.isTrusted) {
        void vscode.window.showWarningMessage('Training runs code on your data: trust this workspace first (Workspaces: Manage Workspace Trust).');
        return;
      }
      const root = await pickDataset(worker);
      if (!root) return;
      let counts: { labelled: number; unlabelled: number; prelabelled: number; withInstances: number };
      try {
        counts = await worker.run('stats', { root });
      } catch (e) {
        void vscode.window.showErrorMessage(`Cannot read the dataset ${root}: ${(e as Error).message}`);
        return;
      }
      if (counts.labelled === 0) {
        void vscode.window.showErrorMessage(`${path.basename(root)} has no labelled image yet: draw masks for a few images first, then train.`);
        return;
      }
      const unlabelled = counts.unlabelled + counts.prelabelled;
      const settings = await chooseSettings(context, root, unlabelled, counts.withInstances);
      if (!settings) return;
      trainingWorker ??= new WorkerClient(vscode.Uri.joinPath(context.extensionUri, 'dist', 'worker.js').fsPath, (line) => log.info(`[training worker] ${line}`));
      await runTraining(context, trainingWorker, root, settings, status, log);
    }),
  );
}

async function pickDataset(worker: WorkerClient): Promise<string | undefined> {
  const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
  if (folders.length === 0) {
    void vscode.window.showErrorMessage('Open a folder that holds a dataset (images/ and masks/, or a segment.json) to train on it.');
    return undefined;
  }
  const { roots } = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Looking for datasets' }, () => worker.run('findRoots', { folders }));
  if (roots.length === 0) {
    void vscode.window.showErrorMessage('No dataset in this workspace: a dataset is a folder with a segment.json, or images/ with masks/ beside it.');
    return undefined;
  }
  if (roots.length === 1) return roots[0];
  const picked = await vscode.window.showQuickPick(
    roots.map((r) => ({ label: path.basename(r), description: vscode.workspace.asRelativePath(r), root: r })),
    { title: 'Train on which dataset?', placeHolder: 'Several datasets are in this workspace' },
  );
  return picked?.root;
}

/** A menu of the settings with "Start training" on top; each setting opens its own picker and comes back. */
async function chooseSettings(context: vscode.ExtensionContext, root: string, unlabelled: number, withInstances: number): Promise<Settings | undefined> {
  const s: Settings = { ...DEFAULT_SETTINGS, ...context.workspaceState.get<Settings>(SETTINGS_KEY) };
  for (;;) {
    const semiText = unlabelled > 0 ? (s.semi ? `on (${unlabelled} unlabelled images)` : 'off') : 'off (no unlabelled image)';
    const items = [
      { id: 'start', label: '$(play) Start training', description: `${ARCH_LABELS[s.arch].label}, ${s.size} px, ${s.epochs} epochs, semi-supervised ${s.semi && unlabelled > 0 ? 'on' : 'off'}` },
      { id: 'arch', label: `Architecture: ${ARCH_LABELS[s.arch].label}`, description: ARCH_LABELS[s.arch].detail },
      { id: 'size', label: `Tile size: ${s.size} px`, description: 'Training crops; the model runs on tiles of this size' },
      { id: 'epochs', label: `Epochs: ${s.epochs}`, description: 'Passes over the labelled training images' },
      { id: 'semi', label: `Semi-supervised: ${semiText}`, description: 'An EMA teacher labels unlabelled images for the student (FixMatch)' },
      {
        id: 'instances',
        label: `Instances: ${withInstances > 0 ? (s.instances ? `on (${withInstances} instance maps)` : 'off') : 'off (no instance map in instances/)'}`,
        description: 'An embedding head learns to tell touching objects of the thing classes apart',
      },
    ];
    const picked = await vscode.window.showQuickPick(items, { title: `Train on ${path.basename(root)}`, placeHolder: 'Start, or change a setting' });
    if (!picked) return undefined;
    if (picked.id === 'start') {
      await context.workspaceState.update(SETTINGS_KEY, s);
      return { ...s, semi: s.semi && unlabelled > 0, instances: s.instances && withInstances > 0 };
    }
    if (picked.id === 'arch') {
      const a = await vscode.window.showQuickPick(
        ARCHITECTURE_NAMES.map((name) => ({ label: ARCH_LABELS[name].label, detail: ARCH_LABELS[name].detail, name, picked: name === s.arch })),
        { title: 'Architecture' },
      );
      if (a) s.arch = a.name;
    } else if (picked.id === 'size') {
      const z = await vscode.window.showQuickPick(['128', '192', '256', '384', '512'].map((v) => ({ label: `${v} px`, value: Number(v) })), { title: 'Tile size' });
      if (z) s.size = z.value;
    } else if (picked.id === 'epochs') {
      const e = await vscode.window.showInputBox({
        title: 'Epochs', value: String(s.epochs), prompt: 'Passes over the labelled images',
        validateInput: (v) => (/^\d+$/.test(v.trim()) && Number(v) >= 1 && Number(v) <= 10000 ? undefined : 'A whole number from 1 to 10000'),
      });
      if (e) s.epochs = Number(e);
    } else if (picked.id === 'semi') {
      s.semi = !s.semi;
    } else if (picked.id === 'instances') {
      s.instances = !s.instances;
    }
  }
}

async function runTraining(context: vscode.ExtensionContext, worker: WorkerClient, root: string, s: Settings, status: vscode.StatusBarItem, log: vscode.LogOutputChannel): Promise<void> {
  const controller = new AbortController();
  const panel = new TrainingPanel(context, {
    title: `${ARCH_LABELS[s.arch].label} on ${path.basename(root)}`,
    dataset: root,
    settings: `${ARCH_LABELS[s.arch].label} · ${s.size} px · ${s.epochs} epochs · semi-supervised ${s.semi ? 'on' : 'off'}${s.instances ? ' · instances' : ''}`,
  }, {
    stop: () => controller.abort(),
    disposed: () => controller.abort(),
  });
  running = { panel, controller };
  const params: TrainParams = { root, arch: s.arch, size: s.size, epochs: s.epochs, semi: s.semi ? 'fixmatch' : 'none', instances: s.instances || undefined, previews: 3 };
  let out: string | undefined;
  status.text = '$(sync~spin) Training: starting';
  status.tooltip = 'Segment Studio is training a model: click to show the Training panel';
  status.show();
  log.info(`training ${JSON.stringify(params)}`);
  try {
    const result: TrainResult = await worker.run('train', params, {
      signal: controller.signal,
      onProgress: (p) => {
        if (!p.train) return;
        panel.post({ type: 'event', event: p.train });
        if (p.train.kind === 'start') out = p.train.out;
        if (p.train.kind === 'step') status.text = `$(sync~spin) Training: step ${p.train.step}/${p.train.steps}`;
      },
    });
    log.info(`training ${result.stopped ? 'stopped' : 'finished'}: ${result.model} (mIoU ${result.valMIoU.toFixed(4)})`);
    panel.finished(result);
    // Not awaited: the run is over whether or not the notification is answered.
    void vscode.window
      .showInformationMessage(`Training ${result.stopped ? 'stopped' : 'finished'}: validation mIoU ${(result.valMIoU * 100).toFixed(1)}%.`, 'Use for pre-labelling')
      .then((choice) => choice && panel.useModel());
  } catch (e) {
    const crashed = e instanceof JobFailedError && e.code === 'crashed';
    const checkpoint = out ? path.join(out, 'last.ckpt') : undefined;
    const kept = checkpoint && (await exists(checkpoint)) ? checkpoint : undefined;
    const message = (e as Error).message;
    log.error(`training failed: ${message}`);
    panel.post({ type: 'failed', message: crashed ? `the training worker stopped unexpectedly (${message})` : message, checkpoint: kept });
    void vscode.window.showErrorMessage(`Training failed: ${message}`);
  } finally {
    running = undefined;
    status.hide();
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(vscode.Uri.file(file));
    return true;
  } catch {
    return false;
  }
}
