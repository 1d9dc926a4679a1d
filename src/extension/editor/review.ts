/** The review flow: moving from the open image to the next one (any, unlabelled, or pre-labelled). */
import * as vscode from 'vscode';
import * as path from 'node:path';
import { findTarget, REVIEW_TARGET_NAMES, ReviewTarget } from '../../core/review';
import type { SegmentEditorProvider } from '../segmentEditorProvider';
import { EditorSession } from './editorSession';

/**
 * Opens the target image in the same editor group and closes the current one. Unsaved changes
 * are saved first when `segment.editor.saveOnNavigate` is on (the default, as in CVAT); otherwise
 * the current editor stays open with its changes.
 */
export async function navigate(provider: SegmentEditorProvider, session: EditorSession, target: ReviewTarget): Promise<void> {
  const document = session.document;
  const root = document.root;
  if (!root) throw new Error('This image is in no dataset: there is no next image.');
  const { items } = await provider.worker.run('listItems', { root });
  const current = items.findIndex((i) => i.image === document.rel(document.uri.fsPath));
  const index = findTarget(items, current, target);
  if (index === undefined) {
    void vscode.window.showInformationMessage(`No ${REVIEW_TARGET_NAMES[target]} in ${path.basename(root)}: every image is ${target === 'nextUnlabelled' ? 'labelled or pre-labelled' : 'reviewed'}.`);
    return;
  }
  if (document.history.dirty && vscode.workspace.getConfiguration('segment').get<boolean>('editor.saveOnNavigate', true)) {
    session.panel.reveal(undefined, false);
    await vscode.commands.executeCommand('workbench.action.files.save');
  }
  const tab = findTab(document.uri);
  const next = vscode.Uri.file(path.join(root, ...items[index].image.split('/')));
  await vscode.commands.executeCommand('vscode.openWith', next, 'segment.editor', { viewColumn: tab?.group.viewColumn ?? session.panel.viewColumn, preview: false });
  if (tab && !document.history.dirty) await vscode.window.tabGroups.close(tab, true);
}

function findTab(uri: vscode.Uri): vscode.Tab | undefined {
  for (const group of vscode.window.tabGroups.all) {
    for (const tab of group.tabs) {
      if (tab.input instanceof vscode.TabInputCustom && tab.input.viewType === 'segment.editor' && tab.input.uri.toString() === uri.toString()) return tab;
    }
  }
  return undefined;
}
