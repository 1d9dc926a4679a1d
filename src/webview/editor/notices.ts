/** Messages in the editor: a banner with choices (bad input), a passing toast, the key help. */
import { KeyHelp } from '../../core/protocol';
import { el } from './ui';

export interface Choice {
  label: string;
  primary?: boolean;
  run(): void;
}

/** Shows a banner over the image; `kind` sets its colour and icon. */
export function showBanner(kind: 'error' | 'warning' | 'info', text: string, choices: Choice[] = []): void {
  const banner = el('banner');
  banner.hidden = false;
  banner.className = `banner ${kind}`;
  el('banner-icon').className = `codicon codicon-${kind === 'info' ? 'info' : kind === 'error' ? 'error' : 'warning'}`;
  el('banner-text').textContent = text;
  el('banner-actions').replaceChildren(
    ...choices.map((c) => {
      const b = document.createElement('vscode-button');
      if (!c.primary) b.setAttribute('secondary', '');
      b.textContent = c.label;
      b.addEventListener('click', () => c.run());
      return b;
    }),
  );
  document.body.dataset.banner = text;
}

export function hideBanner(): void {
  el('banner').hidden = true;
  delete document.body.dataset.banner;
}

let toastTimer: ReturnType<typeof setTimeout> | undefined;

/** A short message at the bottom of the image that goes away by itself. */
export function toast(text: string, ms = 3500): void {
  const t = el('toast');
  t.textContent = text;
  t.hidden = false;
  t.classList.remove('leaving');
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => {
    t.classList.add('leaving');
    toastTimer = setTimeout(() => (t.hidden = true), 300);
  }, ms);
}

/** The key help popover; returns whether it is now open. */
export function toggleHelp(keys: readonly KeyHelp[], open?: boolean): boolean {
  const help = el('help');
  const show = open ?? help.hidden;
  if (show) {
    const extra: KeyHelp[] = [
      { keys: 'Wheel / pinch', what: 'Zoom at the pointer' },
      { keys: 'Space+drag, middle drag', what: 'Pan' },
      { keys: 'Alt+Wheel', what: 'Brush size' },
      { keys: 'Alt+click', what: 'Pick the class (and instance) under the pointer' },
      { keys: 'Enter / double-click', what: 'Close the polygon' },
      { keys: 'Backspace', what: 'Remove the last polygon point' },
      { keys: 'Esc', what: 'Cancel the shape being drawn' },
      { keys: 'Ctrl+Z / Ctrl+Y', what: 'Undo / redo (one stroke or fill at a time)' },
      { keys: 'Ctrl+S', what: 'Save the mask (accepts a pre-label)' },
    ];
    const rows = [...keys, ...extra]
      .map((k) => `<tr><td>${k.keys.split(/ \/ |, /).map((alt) => `<kbd>${escape(alt === 'Shift+/' ? '?' : alt)}</kbd>`).join(' ')}</td><td>${escape(k.what)}</td></tr>`)
      .join('');
    help.innerHTML = `<div class="help-head"><strong>Keyboard shortcuts</strong><span class="hint">Rebind them in Keyboard Shortcuts: search "segment.editor"</span></div><table>${rows}</table>`;
  }
  help.hidden = !show;
  return show;
}

function escape(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}
