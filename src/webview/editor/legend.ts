import { ClassDef } from '../../core/classes';

/** The class list: swatch, id, name, and each class's share of the labelled pixels. */
export function renderLegend(list: HTMLElement, classes: readonly ClassDef[], counts?: Float64Array): void {
  const total = counts ? classes.reduce((sum, c) => sum + counts[c.id], 0) : 0;
  list.replaceChildren(
    ...classes.map((c) => {
      const li = document.createElement('li');
      li.dataset.classId = String(c.id);
      const swatch = document.createElement('span');
      swatch.className = 'swatch';
      swatch.style.background = c.color;
      const name = document.createElement('span');
      name.className = 'name';
      name.textContent = c.name;
      const id = document.createElement('span');
      id.className = 'id';
      id.textContent = String(c.id);
      const share = document.createElement('span');
      share.className = 'share';
      share.textContent = total > 0 ? `${((counts![c.id] / total) * 100).toFixed(1)}%` : '';
      li.append(id, swatch, name, share);
      return li;
    }),
  );
}
