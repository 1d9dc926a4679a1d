/**
 * The edit list of one mask document, as the extension host keeps it: VS Code's undo and redo
 * move through it, saves and reverts set what is on disk. It answers the one question backups,
 * reopened webviews and saves without a webview ask: which pixel writes turn the file on disk
 * into what the user sees now.
 */
import { Patch, PatchWrite, redoWrites, undoWrites } from './maskPatch';

export interface MaskEdit {
  /** What VS Code shows in its undo menu: "Brush", "Fill", ... */
  label: string;
  patches: Patch[];
}

export class EditHistory {
  private edits: MaskEdit[] = [];
  /** edits[0 .. applied) are applied. */
  private applied = 0;
  /** The edit position the file on disk corresponds to, after `toAnchor` is written over it. */
  private anchor = 0;
  /** Writes that turn the file on disk into the state at `anchor` (restored backups, abandoned branches). */
  private toAnchor: PatchWrite[] = [];

  get length(): number {
    return this.edits.length;
  }

  get position(): number {
    return this.applied;
  }

  /** True when what the user sees differs from the file on disk (as far as the edits tell). */
  get dirty(): boolean {
    return this.applied !== this.anchor || this.toAnchor.length > 0;
  }

  /** Adds an edit after the current position; any undone edits beyond it are dropped, as VS Code does. */
  push(edit: MaskEdit): void {
    if (this.applied < this.edits.length) {
      if (this.anchor > this.applied) {
        // The saved state lies on the branch being dropped: remember the way back to it from here.
        this.toAnchor = [...this.toAnchor, ...this.path(this.anchor, this.applied)];
        this.anchor = this.applied;
      }
      this.edits.length = this.applied;
    }
    this.edits.push(edit);
    this.applied++;
  }

  /** Undoes the last applied edit; returns what to write, or [] when there is none. */
  undo(): PatchWrite[] {
    if (this.applied === 0) return [];
    this.applied--;
    return undoWrites(this.edits[this.applied].patches);
  }

  redo(): PatchWrite[] {
    if (this.applied === this.edits.length) return [];
    return redoWrites(this.edits[this.applied++].patches);
  }

  /** The current state was written to disk. */
  markSaved(): void {
    this.anchor = this.applied;
    this.toAnchor = [];
  }

  /** The state on disk is the one shown again (revert, reload): same bookkeeping as a save. */
  markReverted(): void {
    this.markSaved();
  }

  /** Starts from a backup: the file on disk plus these writes, with no undoable edits. */
  restore(writes: PatchWrite[]): void {
    this.edits = [];
    this.applied = 0;
    this.anchor = 0;
    this.toAnchor = writes;
  }

  /** The writes that turn the file on disk into the current state, in order. */
  unsavedWrites(): PatchWrite[] {
    return [...this.toAnchor, ...this.path(this.anchor, this.applied)];
  }

  /** Writes that move the state from edit position `from` to `to`. */
  private path(from: number, to: number): PatchWrite[] {
    const out: PatchWrite[] = [];
    if (to > from) for (let k = from; k < to; k++) out.push(...redoWrites(this.edits[k].patches));
    else for (let k = from - 1; k >= to; k--) out.push(...undoWrites(this.edits[k].patches));
    return out;
  }
}
