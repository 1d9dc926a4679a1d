/**
 * The "Datasets" view of the Segment activity-bar container: each root, its images grouped as
 * labelled, pre-labelled (unreviewed) and unlabelled with counts; a click opens the segmentation
 * editor. Groups of more than PAGE images are split into pages, so a refresh of a dataset with tens
 * of thousands of images only ever builds the rows that are expanded.
 */
import * as vscode from 'vscode';
import * as path from 'node:path';
import { groupOf, IndexItem, ItemGroup } from '../../core/inspect';
import { DatasetModel } from './datasetModel';

const PAGE = 1000;
const GROUPS: { group: ItemGroup; label: string; icon: string }[] = [
  { group: 'labelled', label: 'Labelled', icon: 'pass' },
  { group: 'prelabelled', label: 'Pre-labelled (unreviewed)', icon: 'sparkle' },
  { group: 'unlabelled', label: 'Unlabelled', icon: 'circle-large-outline' },
];

export type DatasetNode =
  | { kind: 'root'; root: string }
  | { kind: 'group'; root: string; group: ItemGroup }
  | { kind: 'page'; root: string; group: ItemGroup; start: number }
  | { kind: 'image'; root: string; item: IndexItem };

export class DatasetTreeProvider implements vscode.TreeDataProvider<DatasetNode> {
  private readonly emitter = new vscode.EventEmitter<DatasetNode | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  /** Per root: the items of each group, in dataset order (rebuilt when the root changes). */
  private groups = new Map<string, Map<ItemGroup, IndexItem[]>>();

  constructor(private readonly model: DatasetModel) {
    model.onDidChange(() => {
      this.groups.clear();
      // Root nodes are plain objects: refreshing from the top keeps expansion state by node id.
      this.emitter.fire(undefined);
    });
  }

  private itemsOf(root: string, group: ItemGroup): IndexItem[] {
    let byGroup = this.groups.get(root);
    if (!byGroup) {
      byGroup = new Map(GROUPS.map((g) => [g.group, [] as IndexItem[]]));
      for (const item of this.model.index(root)?.items ?? []) byGroup.get(groupOf(item))!.push(item);
      this.groups.set(root, byGroup);
    }
    return byGroup.get(group)!;
  }

  async getChildren(node?: DatasetNode): Promise<DatasetNode[]> {
    if (!node) {
      await this.model.ready();
      return this.model.roots.map((root) => ({ kind: 'root', root }));
    }
    if (node.kind === 'root') return this.model.index(node.root) ? GROUPS.map((g) => ({ kind: 'group', root: node.root, group: g.group })) : [];
    if (node.kind === 'image') return [];
    const items = this.itemsOf(node.root, node.group);
    if (node.kind === 'group' && items.length > PAGE) {
      const pages: DatasetNode[] = [];
      for (let start = 0; start < items.length; start += PAGE) pages.push({ kind: 'page', root: node.root, group: node.group, start });
      return pages;
    }
    const slice = node.kind === 'page' ? items.slice(node.start, node.start + PAGE) : items;
    return slice.map((item) => ({ kind: 'image', root: node.root, item }));
  }

  getTreeItem(node: DatasetNode): vscode.TreeItem {
    switch (node.kind) {
      case 'root': {
        const index = this.model.index(node.root);
        const error = this.model.error(node.root);
        const item = new vscode.TreeItem(path.basename(node.root), vscode.TreeItemCollapsibleState.Expanded);
        item.id = `root:${node.root}`;
        item.resourceUri = vscode.Uri.file(node.root);
        item.iconPath = new vscode.ThemeIcon(error ? 'error' : 'database');
        item.description = error ? 'cannot be read' : `${index!.items.length} images`;
        item.tooltip = error ?? `${node.root}\n${index!.layout}${index!.configSource === 'inferred' ? ', classes inferred (no segment.json)' : ''}`;
        item.contextValue = 'segment.root';
        return item;
      }
      case 'group': {
        const g = GROUPS.find((x) => x.group === node.group)!;
        const count = this.itemsOf(node.root, node.group).length;
        const item = new vscode.TreeItem(g.label, count ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
        item.id = `group:${node.root}:${node.group}`;
        item.description = String(count);
        item.iconPath = new vscode.ThemeIcon(g.icon);
        item.contextValue = `segment.group.${node.group}`;
        item.accessibilityInformation = { label: `${g.label}: ${count} images` };
        return item;
      }
      case 'page': {
        const items = this.itemsOf(node.root, node.group);
        const end = Math.min(items.length, node.start + PAGE);
        const item = new vscode.TreeItem(`${node.start + 1}–${end}`, vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `page:${node.root}:${node.group}:${node.start}`;
        item.description = `${items[node.start].key} … ${items[end - 1].key}`;
        return item;
      }
      case 'image': {
        const { item: it, root } = node;
        const uri = vscode.Uri.file(path.join(root, ...it.image.split('/')));
        const item = new vscode.TreeItem(it.key.split('/').pop()!, vscode.TreeItemCollapsibleState.None);
        item.id = `image:${root}:${it.key}`;
        item.resourceUri = uri;
        item.description = it.key.includes('/') ? it.key.slice(0, it.key.lastIndexOf('/')) : undefined;
        item.tooltip = [it.image, it.mask ? `mask: ${it.mask}` : 'no mask', it.prelabel ? `pre-label: ${it.prelabel}` : ''].filter(Boolean).join('\n');
        item.command = { title: 'Open in Segmentation Editor', command: 'vscode.openWith', arguments: [uri, 'segment.editor'] };
        // Space-separated flags that the menus' `when` clauses test with regular expressions.
        item.contextValue = ['segment.image', it.mask ? 'mask' : '', it.prelabel ? 'prelabel' : ''].filter(Boolean).join(' ');
        return item;
      }
    }
  }
}

/** The image node's files, for the context actions. */
export function filesOf(node: DatasetNode): { root: string; image: vscode.Uri; mask?: vscode.Uri; prelabel?: vscode.Uri; prelabelInfo?: vscode.Uri; prelabelInstances?: vscode.Uri } | undefined {
  if (node?.kind !== 'image') return undefined;
  const abs = (rel?: string) => (rel ? vscode.Uri.file(path.join(node.root, ...rel.split('/'))) : undefined);
  const { item } = node;
  return { root: node.root, image: abs(item.image)!, mask: abs(item.mask), prelabel: abs(item.prelabel), prelabelInfo: abs(item.prelabelInfo), prelabelInstances: abs(item.prelabelInstances) };
}
