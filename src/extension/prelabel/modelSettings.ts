/** The model and device the settings name, workspace trust, and the folder a command works on. */
import * as vscode from 'vscode';
import { existsSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Device, DEVICES } from '../../core/prelabel';
import { findDatasetRoots, IMAGE_EXTENSIONS } from '../../core/datasetLayout';

export interface ModelChoice {
  file: string;
  device: Device;
}

/** Thrown when the settings name no usable model file; the message names the setting. */
export class ModelSettingError extends Error {}

/**
 * `segment.model` (empty: the extension's models/default.onnx; `~` and relative paths resolved
 * against the home and the first workspace folder) and `segment.device`.
 */
export function modelChoice(context: vscode.ExtensionContext): ModelChoice {
  const config = vscode.workspace.getConfiguration('segment');
  const configured = (config.get<string>('model') ?? '').trim();
  const device = config.get<Device>('device') ?? 'auto';
  if (!DEVICES.includes(device)) throw new ModelSettingError(`The setting segment.device is "${device}"; it must be one of ${DEVICES.join(', ')}.`);
  if (!configured) {
    const file = path.join(context.extensionPath, 'models', 'default.onnx');
    if (!existsSync(file)) {
      throw new ModelSettingError(
        `No model to run: the setting segment.model is empty and the default model (${file}) is not installed. ` +
          'Set segment.model to an .onnx file with its .json manifest beside it.',
      );
    }
    return { file, device };
  }
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const expanded = configured.replace(/^~(?=$|[\\/])/, os.homedir()).replace(/\$\{workspaceFolder\}/g, folder ?? '');
  const file = path.isAbsolute(expanded) ? expanded : path.resolve(folder ?? os.homedir(), expanded);
  if (!existsSync(file)) throw new ModelSettingError(`The model in the setting segment.model was not found: ${file}`);
  return { file, device };
}

/** Shows a model problem with a button to the setting. */
export async function showModelError(message: string): Promise<void> {
  const choice = await vscode.window.showErrorMessage(message, 'Open Settings');
  if (choice) await vscode.commands.executeCommand('workbench.action.openSettings', 'segment.model');
}

/**
 * Models run only in a trusted workspace (a model file and its settings could come with the
 * repository). Untrusted: says so and resolves once the user grants trust.
 */
export function whenTrusted(what: string): Promise<void> {
  if (vscode.workspace.isTrusted) return Promise.resolve();
  return new Promise((resolve) => {
    const listener = vscode.workspace.onDidGrantWorkspaceTrust(() => {
      listener.dispose();
      resolve();
    });
    void vscode.window
      .showWarningMessage(`${what} runs a model, which Segment Studio does only in a trusted workspace. It starts as soon as you trust this workspace.`, 'Manage Workspace Trust')
      .then((choice) => choice && vscode.commands.executeCommand('workbench.trust.manage'));
  });
}

/**
 * The folder a command works on: the one it was given (Explorer), else the only dataset of the
 * workspace, else one picked from the workspace's datasets or from a folder dialog.
 */
export async function chooseFolder(given: unknown, purpose: string): Promise<string | undefined> {
  if (given instanceof vscode.Uri && given.scheme === 'file') return given.fsPath;
  const roots = await workspaceDatasets();
  if (roots.length === 1) return roots[0].fsPath;
  const browse = '$(folder-opened) Choose a folder…';
  const picked = roots.length === 0 ? browse : (await vscode.window.showQuickPick(
    [...roots.map((r) => ({ label: vscode.workspace.asRelativePath(r, true), uri: r })), { label: browse }],
    { placeHolder: `${purpose}: which dataset?` },
  ))?.label;
  if (!picked) return undefined;
  const root = roots.find((r) => vscode.workspace.asRelativePath(r, true) === picked);
  if (root) return root.fsPath;
  const chosen = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: purpose, title: `${purpose}: a dataset or a folder of images` });
  return chosen?.[0]?.fsPath;
}

/** Dataset roots (segment.json or a known layout) in the workspace folders. */
async function workspaceDatasets(): Promise<vscode.Uri[]> {
  const roots: vscode.Uri[] = [];
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    const pattern = new vscode.RelativePattern(folder, `**/*.{json,${IMAGE_EXTENSIONS.join(',')}}`);
    const files = await vscode.workspace.findFiles(pattern, '**/{node_modules,.git}/**', 50_000);
    const relative = files.map((f) => path.relative(folder.uri.fsPath, f.fsPath).split(path.sep).join('/'));
    for (const root of findDatasetRoots(relative)) roots.push(root ? vscode.Uri.joinPath(folder.uri, root) : folder.uri);
  }
  return roots;
}
