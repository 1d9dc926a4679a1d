/**
 * Fixing the dataset around an image from the editor: creating a segment.json for an image that
 * is in no dataset, and adding classes for ids a mask holds that segment.json does not know.
 */
import * as vscode from 'vscode';
import * as path from 'node:path';
import { defaultClassColor } from '../../core/color';
import { CONFIG_FILE, DEFAULT_FOLDERS, formatSegmentConfig } from '../../core/segmentConfig';
import { MaskDocument, stampOf } from './maskDocument';

/**
 * Makes the image's folder a dataset: segment.json there (or, for a folder named images/, in its
 * parent), masks going to masks/ beside the images. Returns the file written.
 */
export async function createDatasetHere(image: vscode.Uri): Promise<string> {
  const dir = path.dirname(image.fsPath);
  const inImages = path.basename(dir) === DEFAULT_FOLDERS.images;
  const root = inImages ? path.dirname(dir) : dir;
  const file = path.join(root, CONFIG_FILE);
  if (await stampOf(file)) throw new Error(`${file} already exists but does not cover ${path.basename(image.fsPath)}: check its "folders".`);
  const text = formatSegmentConfig({
    classes: [
      { id: 0, name: 'background', color: defaultClassColor(0) },
      { id: 1, name: 'object', color: defaultClassColor(1) },
    ],
    ignoreIndex: 255,
    folders: { ...DEFAULT_FOLDERS, images: inImages ? DEFAULT_FOLDERS.images : '.' },
  });
  await vscode.workspace.fs.writeFile(vscode.Uri.file(file), new TextEncoder().encode(text));
  void vscode.window.showInformationMessage(`Created ${file} with the classes "background" and "object".`, 'Edit Classes').then((choice) => {
    if (choice) void vscode.window.showTextDocument(vscode.Uri.file(file), { viewColumn: vscode.ViewColumn.Beside });
  });
  return file;
}

/** Adds a class for each id (named "class N", default colour) to the dataset's segment.json. */
export async function addClassesToConfig(document: MaskDocument, ids: number[]): Promise<void> {
  const ds = document.dataset;
  if (!ds) throw new Error('The image is in no dataset.');
  const file = path.join(ds.root, CONFIG_FILE);
  const added = ids.map((id) => ({ id, name: `class ${id}`, color: defaultClassColor(id) }));
  let text: string;
  if (ds.configSource === 'file') {
    const json = JSON.parse(new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.file(file))));
    const known = new Set((json.classes ?? []).map((c: { id: number }) => c.id));
    json.classes = [...(json.classes ?? []), ...added.filter((c) => !known.has(c.id))].sort((a: { id: number }, b: { id: number }) => a.id - b.id);
    text = JSON.stringify(json, null, 2) + '\n';
  } else {
    // The classes were inferred; a segment.json with default folders describes only an images/ + masks/ layout.
    if (!ds.item.image.startsWith(`${DEFAULT_FOLDERS.images}/`) || !ds.targets?.mask.startsWith(`${DEFAULT_FOLDERS.masks}/`)) {
      throw new Error(`This dataset has no segment.json and is not laid out as images/ + masks/: write a segment.json with its classes and folders (${file}).`);
    }
    text = formatSegmentConfig({ ...ds.config, classes: [...ds.config.classes, ...added].sort((a, b) => a.id - b.id) });
  }
  await vscode.workspace.fs.writeFile(vscode.Uri.file(file), new TextEncoder().encode(text));
}
