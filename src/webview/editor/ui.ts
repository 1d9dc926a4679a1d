/**
 * The editor's chrome, built from @vscode-elements/elements and VS Code's theme variables: a tool
 * palette on the left, tool options and the review controls on top, classes and view settings on
 * the right, and a status line with the hover readout at the bottom.
 */
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-toolbar-button/index.js';
import '@vscode-elements/elements/dist/vscode-collapsible/index.js';
import '@vscode-elements/elements/dist/vscode-divider/index.js';
import { ToolId } from '../../core/protocol';

/** Tools as the palette lists them: id, codicon (or inline SVG), name and default key. */
export const TOOL_BUTTONS: { tool: ToolId; icon?: string; svg?: string; name: string; key: string }[] = [
  { tool: 'brush', icon: 'edit', name: 'Brush', key: 'B' },
  { tool: 'eraser', icon: 'eraser', name: 'Eraser', key: 'E' },
  { tool: 'fill', icon: 'paintcan', name: 'Fill region', key: 'G' },
  { tool: 'wand', icon: 'wand', name: 'Magic wand (fill by image colour)', key: 'W' },
  {
    tool: 'polygon',
    svg: '<svg viewBox="0 0 16 16" width="16" height="16" aria-hidden="true"><path d="M3 12.5 2 5l6-3.5L14 6l-2.5 7.5z" fill="none" stroke="currentColor" stroke-width="1.2" stroke-linejoin="round"/><g fill="currentColor"><circle cx="3" cy="12.5" r="1.4"/><circle cx="2" cy="5" r="1.4"/><circle cx="8" cy="1.6" r="1.4"/><circle cx="14" cy="6" r="1.4"/><circle cx="11.5" cy="13.5" r="1.4"/></g></svg>',
    name: 'Polygon',
    key: 'P',
  },
  {
    tool: 'lasso',
    svg: '<svg viewBox="0 0 16 16" width="16" height="16" aria-hidden="true"><path d="M4.5 11.6C2.4 10.7 1.5 9.3 1.5 7.6c0-3.1 3-5.6 6.6-5.6s6.4 2.3 6.4 5.3c0 3-2.9 5.1-6.2 5.1-1 0-1.8-.1-2.6-.4" fill="none" stroke="currentColor" stroke-width="1.2" stroke-dasharray="2.2 1.4"/><path d="M5.7 12c-.9 1-1 2.2-.2 3" fill="none" stroke="currentColor" stroke-width="1.2" stroke-linecap="round"/></svg>',
    name: 'Freehand lasso',
    key: 'L',
  },
  { tool: 'rectangle', icon: 'primitive-square', name: 'Rectangle', key: 'R' },
];

export function buildUi(app: HTMLElement): void {
  app.innerHTML = `
  <header class="topbar" role="toolbar" aria-label="Tool options and review">
    <div class="group current-class" id="current-class" title="Class painted (0-9 pick by id, I paints ignore)">
      <span class="swatch" id="current-swatch"></span><span class="name" id="current-name"></span><span class="kbd" id="current-key"></span>
    </div>
    <div class="group brush-options" id="brush-options">
      <label for="brush-size">Size</label>
      <input id="brush-size" type="range" min="0" max="100" step="1" aria-label="Brush size">
      <span class="value" id="brush-size-value"></span>
    </div>
    <div class="group wand-options" id="wand-options" hidden>
      <label for="tolerance">Tolerance</label>
      <input id="tolerance" type="range" min="0" max="128" step="1" aria-label="Magic wand tolerance">
      <span class="value" id="tolerance-value"></span>
    </div>
    <div class="group instance-options">
      <vscode-toolbar-button id="instance-mode" icon="layers" toggleable title="Instance mode: paint instance ids too (Shift+I)" label="Instance mode"></vscode-toolbar-button>
      <span class="instance-id" id="instance-id" hidden></span>
      <vscode-toolbar-button id="new-instance" icon="add" title="New instance (M)" label="New instance" hidden></vscode-toolbar-button>
      <vscode-toolbar-button id="split-instances" icon="split-horizontal" title="Split instances into connected pieces" label="Split instances" hidden></vscode-toolbar-button>
    </div>
    <span class="spacer"></span>
    <div class="group review">
      <vscode-badge id="source" variant="default"></vscode-badge>
      <vscode-button id="accept" icon="check" hidden title="Save this pre-label as the image's mask (Ctrl+S)">Accept pre-label</vscode-button>
      <vscode-toolbar-button id="compare" icon="git-compare" toggleable hidden title="Compare the mask with the pre-label (C)" label="Compare with pre-label"></vscode-toolbar-button>
      <vscode-divider role="presentation" class="vertical"></vscode-divider>
      <vscode-toolbar-button id="nav-previous" icon="chevron-left" title="Previous image (Shift+N)" label="Previous image"></vscode-toolbar-button>
      <span class="position" id="position"></span>
      <vscode-toolbar-button id="nav-next" icon="chevron-right" title="Next image (N)" label="Next image"></vscode-toolbar-button>
      <vscode-toolbar-button id="nav-unlabelled" icon="circle-large" title="Next unlabelled image (U)" label="Next unlabelled image"></vscode-toolbar-button>
      <vscode-toolbar-button id="nav-prelabelled" icon="sparkle" title="Next unreviewed pre-label (Alt+N)" label="Next unreviewed pre-label"></vscode-toolbar-button>
      <vscode-divider role="presentation" class="vertical"></vscode-divider>
      <vscode-toolbar-button id="help-button" icon="keyboard" title="Keyboard shortcuts (?)" label="Keyboard shortcuts"></vscode-toolbar-button>
    </div>
  </header>
  <div class="body">
    <nav class="palette" role="toolbar" aria-orientation="vertical" aria-label="Tools">
      ${TOOL_BUTTONS.map((t) => `<vscode-toolbar-button id="tool-${t.tool}" data-tool="${t.tool}" ${t.icon ? `icon="${t.icon}"` : ''} toggleable title="${t.name} (${t.key})" label="${t.name}">${t.svg ?? ''}</vscode-toolbar-button>`).join('')}
      <span class="palette-gap"></span>
      <vscode-toolbar-button id="zoom-in" icon="zoom-in" title="Zoom in (=)" label="Zoom in"></vscode-toolbar-button>
      <vscode-toolbar-button id="zoom-out" icon="zoom-out" title="Zoom out (-)" label="Zoom out"></vscode-toolbar-button>
      <vscode-toolbar-button id="zoom-fit" icon="screen-normal" title="Fit to window (F)" label="Fit to window"></vscode-toolbar-button>
      <vscode-toolbar-button id="zoom-actual" icon="screen-full" title="Actual size, 1:1 (Z)" label="Actual size"></vscode-toolbar-button>
    </nav>
    <main class="stage" id="stage">
      <canvas id="view"></canvas>
      <div class="prelabel-strip" id="prelabel-strip" hidden><span class="codicon codicon-sparkle"></span><span id="prelabel-text"></span></div>
      <svg class="shape-preview" id="shape-preview" aria-hidden="true"><polygon id="shape-fill"/><polyline id="shape-line"/></svg>
      <div class="brush-cursor" id="brush-cursor" hidden></div>
      <div class="banner" id="banner" role="alert" hidden><span class="codicon" id="banner-icon"></span><div class="text" id="banner-text"></div><div class="actions" id="banner-actions"></div></div>
      <div class="message" id="message" hidden></div>
      <div class="toast" id="toast" role="status" hidden></div>
      <div class="help" id="help" role="dialog" aria-label="Keyboard shortcuts" hidden></div>
    </main>
    <aside class="sidebar">
      <vscode-collapsible heading="Classes" open id="classes-section">
        <ul id="legend" class="legend" role="listbox" aria-label="Classes"></ul>
      </vscode-collapsible>
      <vscode-collapsible heading="Comparison" open id="compare-section" hidden>
        <div class="compare-modes" role="radiogroup" aria-label="What the overlay shows">
          <vscode-button secondary id="show-truth">Mask</vscode-button>
          <vscode-button secondary id="show-reference">Pre-label</vscode-button>
          <vscode-button secondary id="show-diff">Differences</vscode-button>
        </div>
        <ul class="compare-legend" id="compare-legend"></ul>
        <p class="hint" id="compare-hint"></p>
        <vscode-button secondary id="compare-exit" icon="close">Back to editing</vscode-button>
      </vscode-collapsible>
      <vscode-collapsible heading="View" open>
        <div class="view-options">
          <label class="row">Opacity <input id="opacity" type="range" min="0" max="100" step="1" aria-label="Mask opacity"><span class="value" id="opacity-value"></span></label>
          <div class="row toggles">
            <vscode-toolbar-button id="toggle-mask" icon="eye" toggleable checked title="Show the mask (Tab)" label="Show mask"></vscode-toolbar-button><span>Mask</span>
            <vscode-toolbar-button id="toggle-outline" icon="circle-large" toggleable title="Outlines only (O)" label="Outlines only"></vscode-toolbar-button><span>Outlines</span>
          </div>
        </div>
      </vscode-collapsible>
    </aside>
  </div>
  <footer class="statusline" id="statusline">
    <span id="readout" class="readout"></span>
    <span class="spacer"></span>
    <span id="zoom-level"></span>
    <span id="image-size"></span>
    <span id="edit-state"></span>
  </footer>`;
}

export function el<T extends HTMLElement = HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`#${id} is missing`);
  return found as T;
}
