/**
 * The class list: pick the class to paint (click or its number key), hide a class from the
 * overlay (eye), protect it from strokes (lock), and see each class's share of the labelled pixels.
 */
import { ClassDef } from '../../core/classes';
import { IGNORE_COLOR } from '../../core/color';

export interface LegendState {
  selected: number;
  hidden: ReadonlySet<number>;
  protect: ReadonlySet<number>;
  /** Pixels per id, or undefined while there is no mask. */
  counts?: Float64Array;
  /** Ids present in the mask that no class declares. */
  unknown: readonly number[];
}

export interface LegendHandlers {
  select(id: number): void;
  toggleHidden(id: number): void;
  toggleProtect(id: number): void;
}

export function renderLegend(list: HTMLElement, classes: readonly ClassDef[], ignoreIndex: number, state: LegendState, on: LegendHandlers): void {
  const rows = [
    ...classes.map((c) => ({ id: c.id, name: c.name, color: c.color, kind: 'class' })),
    { id: ignoreIndex, name: 'ignore (not labelled)', color: IGNORE_COLOR, kind: 'ignore' },
    ...state.unknown.map((id) => ({ id, name: `unknown id ${id}`, color: '#ff00ff', kind: 'unknown' })),
  ];
  const labelled = state.counts ? rows.reduce((sum, r) => sum + (r.kind === 'ignore' ? 0 : state.counts![r.id]), 0) : 0;
  list.replaceChildren(
    ...rows.map((r) => {
      const li = document.createElement('li');
      li.dataset.classId = String(r.id);
      li.className = `row ${r.kind}`;
      li.setAttribute('role', 'option');
      li.setAttribute('aria-selected', String(r.id === state.selected));
      if (r.id === state.selected) li.classList.add('selected');
      if (state.hidden.has(r.id)) li.classList.add('hidden-class');
      li.title = r.kind === 'ignore' ? 'Paint "not labelled" (I): ignored by training and metrics' : r.kind === 'unknown' ? 'An id the mask holds that segment.json does not declare' : `Paint ${r.name}${r.id <= 9 ? ` (${r.id})` : ''}`;
      const key = span('key', r.kind === 'ignore' ? 'I' : r.id <= 9 && r.kind === 'class' ? String(r.id) : '');
      const swatch = span('swatch', '');
      swatch.style.background = r.color;
      const name = span('name', r.name);
      const share = span('share', state.counts && labelled > 0 && r.kind !== 'ignore' ? formatShare(state.counts[r.id] / labelled) : '');
      const eye = iconButton(state.hidden.has(r.id) ? 'eye-closed' : 'eye', state.hidden.has(r.id) ? `Show ${r.name}` : `Hide ${r.name}`, () => on.toggleHidden(r.id));
      eye.classList.toggle('on', state.hidden.has(r.id));
      const lock = iconButton(state.protect.has(r.id) ? 'lock' : 'unlock', state.protect.has(r.id) ? `${r.name} is protected: strokes leave it alone` : `Protect ${r.name} from strokes`, () => on.toggleProtect(r.id));
      lock.classList.toggle('on', state.protect.has(r.id));
      li.append(key, swatch, name, share, eye, lock);
      li.addEventListener('click', (e) => {
        if ((e.target as HTMLElement).closest('button')) return;
        on.select(r.id);
      });
      return li;
    }),
  );
}

function span(className: string, text: string): HTMLSpanElement {
  const s = document.createElement('span');
  s.className = className;
  s.textContent = text;
  return s;
}

function iconButton(icon: string, label: string, onClick: () => void): HTMLButtonElement {
  const b = document.createElement('button');
  b.className = `icon codicon codicon-${icon}`;
  b.title = label;
  b.setAttribute('aria-label', label);
  b.addEventListener('click', onClick);
  return b;
}

function formatShare(f: number): string {
  if (f === 0) return '';
  if (f < 0.001) return '<0.1%';
  return `${(f * 100).toFixed(1)}%`;
}
