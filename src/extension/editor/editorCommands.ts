/**
 * The editor's commands: one VS Code command per key (B brush, 2 class 2, N next image, ...) so
 * users can rebind them in Keyboard Shortcuts, the review commands, segment.openComparison for the
 * dataset-inspection views, and the status bar item that says where in the dataset the image is.
 */
import * as vscode from 'vscode';
import { EditorCommand, ToolId } from '../../core/protocol';
import { ReviewTarget } from '../../core/review';
import type { SegmentEditorProvider } from '../segmentEditorProvider';
import { navigate } from './review';

const TOOLS: Record<string, ToolId> = {
  brush: 'brush',
  eraser: 'eraser',
  fill: 'fill',
  magicWand: 'wand',
  polygon: 'polygon',
  lasso: 'lasso',
  rectangle: 'rectangle',
};

const SIMPLE: Record<string, EditorCommand> = {
  paintIgnore: { kind: 'ignore' },
  brushSmaller: { kind: 'brushSize', step: -1 },
  brushLarger: { kind: 'brushSize', step: 1 },
  toggleMask: { kind: 'toggleMask' },
  toggleOutline: { kind: 'toggleOutline' },
  zoomIn: { kind: 'zoom', factor: 1.25 },
  zoomOut: { kind: 'zoom', factor: 0.8 },
  fit: { kind: 'fit' },
  actualSize: { kind: 'actualSize' },
  toggleInstanceMode: { kind: 'toggleInstanceMode' },
  newInstance: { kind: 'newInstance' },
  splitInstances: { kind: 'splitInstances' },
  compare: { kind: 'toggleCompare' },
  help: { kind: 'help' },
};

const REVIEW: Record<string, ReviewTarget> = {
  next: 'next',
  previous: 'previous',
  nextUnlabelled: 'nextUnlabelled',
  nextPrelabel: 'nextPrelabelled',
};

export function registerEditorCommands(context: vscode.ExtensionContext, provider: SegmentEditorProvider): void {
  const register = (id: string, fn: (...args: any[]) => unknown) => context.subscriptions.push(vscode.commands.registerCommand(id, fn));
  const send = (command: EditorCommand) => {
    const session = provider.activeSession;
    if (!session) return void vscode.window.showInformationMessage('Open an image in the Segmentation Editor first.');
    session.post({ type: 'command', command });
  };
  for (const [name, tool] of Object.entries(TOOLS)) register(`segment.editor.${name}`, () => send({ kind: 'tool', tool }));
  for (const [name, command] of Object.entries(SIMPLE)) register(`segment.editor.${name}`, () => send(command));
  register('segment.editor.pickClass', (classId: unknown) => {
    const id = Number(classId);
    if (Number.isInteger(id) && id >= 0 && id <= 255) send({ kind: 'class', classId: id });
  });
  for (const [name, target] of Object.entries(REVIEW)) {
    register(`segment.editor.${name}`, async () => {
      const session = provider.activeSession;
      if (!session) return;
      try {
        await navigate(provider, session, target);
      } catch (e) {
        void vscode.window.showErrorMessage((e as Error).message);
      }
    });
  }
  register('segment.editor.acceptPrelabel', () => provider.activeSession && provider.onAction(provider.activeSession, { kind: 'accept' }));

  /**
   * For the dataset-inspection views: opens `imageUri` in the editor in read-only comparison mode,
   * colouring the prediction at `predictionPath` (absolute, or relative to the dataset root)
   * against the image's mask. See docs/decisions.md. From the command palette (no arguments) it
   * asks for the prediction file of the active editor's image.
   */
  register('segment.openComparison', async (imageUri?: vscode.Uri, predictionPath?: string) => {
    if (imageUri === undefined && predictionPath === undefined) {
      const session = provider.activeSession;
      if (!session) return void vscode.window.showInformationMessage('Open an image in the Segmentation Editor first, then compare it with a prediction.');
      const targets = session.document.targets;
      const picked = await vscode.window.showOpenDialog({
        title: `Prediction to compare with the mask of ${session.document.uri.path.split('/').pop()}`,
        defaultUri: targets ? vscode.Uri.file(targets.prelabel) : session.document.uri,
        filters: { 'Class-id masks': ['png'] },
        canSelectMany: false,
      });
      if (!picked?.[0]) return;
      [imageUri, predictionPath] = [session.document.uri, picked[0].fsPath];
    }
    if (!(imageUri instanceof vscode.Uri) || typeof predictionPath !== 'string') {
      throw new Error('segment.openComparison takes (imageUri: vscode.Uri, predictionPath: string)');
    }
    const open = [...provider.sessions.values()].find((s) => s.document.uri.toString() === imageUri!.toString());
    if (!open) provider.pendingComparisons.set(imageUri.toString(), predictionPath);
    await vscode.commands.executeCommand('vscode.openWith', imageUri, 'segment.editor');
    if (open) await provider.compareWithPrediction(open, predictionPath);
  });

  const status = vscode.window.createStatusBarItem('segment.editor.position', vscode.StatusBarAlignment.Left, 90);
  status.name = 'Segment Studio: position in dataset';
  status.command = 'segment.editor.next';
  context.subscriptions.push(status);
  const update = () => {
    const ds = provider.activeSession?.document.dataset;
    if (!provider.activeSession || !ds) return status.hide();
    const doc = provider.activeSession.document;
    status.text = `$(symbol-color) ${ds.index + 1} / ${ds.count} · ${doc.status}`;
    status.tooltip = `${ds.item.key} in ${ds.root}\n${doc.status}${doc.history.dirty ? ', unsaved changes' : ''}\nClick for the next image (N)`;
    status.show();
  };
  context.subscriptions.push(provider.onDidChangeActive(update));
}
