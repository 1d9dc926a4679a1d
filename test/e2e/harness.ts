// End-to-end harness: a real VS Code (code-server, installed by scripts/e2e-setup.mjs) with a VSIX
// installed, driven through Debian's Chromium by playwright-core.
//
//   await withVSCode({ name: 'editor', folder, vsix }, async (vs) => {
//     await vs.quickOpen('images/a.png');
//     await vs.runCommand('Segment: Open in Segmentation Editor');
//     const frame = await vs.findWebviewFrame('canvas#view');
//   });
//
// Timeouts are generous on purpose: CI is a 2-core machine with no GPU.
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { chromium, type Browser, type Frame, type Page } from 'playwright-core';
import { findFreePort, installVsix, startCodeServer, writeUserSettings, type CodeServer } from '../../scripts/code-server.mjs';
import { REPO_ROOT, ensureE2E } from '../../scripts/e2e-setup.mjs';

export { REPO_ROOT };
export const TEST_RESULTS = join(REPO_ROOT, 'test-results');

/** Chromium flags. SwiftShader gives WebGL2 in software: headless, no GPU (CI). */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
];

/** User settings for a quiet, deterministic workbench: nothing opens or pops up on its own. */
export const DEFAULT_SETTINGS: Record<string, unknown> = {
  'workbench.colorTheme': 'Default Dark Modern',
  'workbench.startupEditor': 'none',
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'telemetry.telemetryLevel': 'off',
  'security.workspace.trust.enabled': false,
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'chat.disableAIFeatures': true,
  'git.enabled': false,
  'editor.minimap.enabled': false,
  'window.commandCenter': false,
};

const SECOND = 1000;
/** Timeouts in ms, sized for a slow 2-core CI machine. */
export const TIMEOUTS = { workbench: 180 * SECOND, action: 30 * SECOND, frame: 60 * SECOND };

export interface LaunchOptions {
  /** Names the temp dir and the files left in test-results/ (logs, failure screenshot). */
  name: string;
  /** Folder to open as the workspace. */
  folder: string;
  /** Open a fresh temp copy of `folder` instead, so the test may write into it (see VSCode.folder). */
  copyFolder?: boolean;
  /** VSIX file(s) installed before code-server starts. */
  vsix?: string | string[];
  /** User settings, merged over DEFAULT_SETTINGS. */
  settings?: Record<string, unknown>;
  viewport?: { width: number; height: number };
}

export interface FindFrameOptions {
  timeoutMs?: number;
  /** Only frames whose URL looks like a VS Code webview's (default true). */
  webviewOnly?: boolean;
}

/** A running code-server + Chromium page on its workbench. Create with launchVSCode or withVSCode. */
export class VSCode {
  private readonly consoleLog: string[] = [];
  private closed?: Promise<void>;
  /** Milliseconds spent in each launch step, for reports: install, server, workbench. */
  readonly timings: Record<string, number> = {};
  /** One line per harness action with its duration and retries: where a slow or flaky run spent its time. */
  readonly actions: string[] = [];

  private constructor(
    readonly name: string,
    readonly page: Page,
    readonly browser: Browser,
    readonly server: CodeServer,
    /** Temp dir holding user data, extensions and the workspace copy; removed by close(). */
    readonly tempDir: string,
    /** The workspace folder that is open (the temp copy when copyFolder was set). */
    readonly folder: string,
  ) {
    page.on('console', (m) => this.consoleLog.push(`[${m.type()}] ${m.text()}`));
    page.on('pageerror', (e) => this.consoleLog.push(`[pageerror] ${e.stack ?? e.message}`));
  }

  /** @internal use launchVSCode */
  static async launch(options: LaunchOptions): Promise<VSCode> {
    await ensureE2E();
    // Failure artefacts of an earlier run would be mistaken for this run's.
    for (const leftover of Object.values(failureFiles(options.name))) await rm(leftover, { force: true });
    const tempDir = await mkdtemp(join(tmpdir(), `e2e-${options.name}-`));
    let server: CodeServer | undefined;
    let browser: Browser | undefined;
    try {
      const userDataDir = join(tempDir, 'user-data');
      const extensionsDir = join(tempDir, 'extensions');
      let folder = options.folder;
      if (options.copyFolder) {
        folder = join(tempDir, 'workspace', basename(options.folder));
        await cp(options.folder, folder, { recursive: true });
      }
      writeUserSettings(userDataDir, { ...DEFAULT_SETTINGS, ...options.settings });
      let t = Date.now();
      for (const vsix of [options.vsix ?? []].flat()) {
        await installVsix({ vsix, userDataDir, extensionsDir });
      }
      const installMs = Date.now() - t;
      t = Date.now();
      server = await startCodeServer({
        port: await findFreePort(),
        userDataDir,
        extensionsDir,
        folder,
        logFile: join(tempDir, 'code-server.log'),
      });
      browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
      const context = await browser.newContext({ viewport: options.viewport ?? { width: 1600, height: 1000 } });
      const page = await context.newPage();
      page.setDefaultTimeout(TIMEOUTS.action);
      const vs = new VSCode(options.name, page, browser, server, tempDir, folder);
      vs.timings.install = installMs;
      vs.timings.server = Date.now() - t;
      t = Date.now();
      await page.goto(server.folderUrl, { timeout: TIMEOUTS.workbench });
      await vs.waitForWorkbench();
      vs.timings.workbench = Date.now() - t;
      return vs;
    } catch (err) {
      if (server) {
        await ensureResultsDir();
        await writeFile(failureFiles(options.name).serverLog, server.output());
      }
      await browser?.close().catch(() => {});
      await server?.stop();
      await rm(tempDir, { recursive: true, force: true });
      throw err;
    }
  }

  /** Waits until the workbench is laid out and the explorer lists the workspace (the server is connected). */
  async waitForWorkbench(timeoutMs = TIMEOUTS.workbench): Promise<void> {
    const p = this.page;
    await p.locator('.monaco-workbench .part.statusbar').waitFor({ state: 'visible', timeout: timeoutMs });
    await p.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ state: 'visible', timeout: timeoutMs });
  }

  /** Closes whatever quick input (palette, quick open, quick pick) is showing. */
  async closeQuickInput(): Promise<void> {
    const widget = this.page.locator('.quick-input-widget');
    if (await widget.isVisible()) {
      await this.page.keyboard.press('Escape');
      await widget.waitFor({ state: 'hidden', timeout: 5 * SECOND }).catch(() => {});
    }
  }

  // Opens the quick input with `key` and types `text`. The focus may sit inside a webview's iframe,
  // which swallows the key: blur it so the key reaches the workbench's own keybindings. A webview
  // that finishes loading can take the focus back (seen under load), so the key is pressed again.
  private async openQuickInput(key: string, text: string): Promise<void> {
    await this.closeQuickInput();
    const input = this.page.locator('.quick-input-widget .quick-input-box input');
    for (let press = 1; ; press++) {
      await this.page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur?.());
      await this.page.keyboard.press(key);
      try {
        await input.waitFor({ state: 'visible', timeout: 3 * SECOND });
        break;
      } catch (err) {
        if (press === 3) throw new Error(`${key} opened no quick input: ${(err as Error).message}`);
      }
    }
    await input.fill(text);
  }

  // Clicks the quick-input row whose label passes `match`, waiting for it to be listed. Fails at
  // once if the quick input closes meanwhile (it does when something else takes the focus).
  private async pickRow(match: (label: string, description: string) => boolean, what: string, timeoutMs: number): Promise<void> {
    const widget = this.page.locator('.quick-input-widget');
    const rows = widget.locator('.quick-input-list .monaco-list-row');
    const deadline = Date.now() + timeoutMs;
    let seen: string[] = [];
    while (Date.now() < deadline) {
      if (!(await widget.isVisible())) throw new Error(`the quick input closed while waiting for ${what}`);
      const listed = await rows.evaluateAll((els) =>
        els.map((el) => ({
          label: el.querySelector('.label-name')?.textContent?.trim() ?? '',
          description: el.querySelector('.label-description')?.textContent?.trim() ?? '',
        })),
      );
      seen = listed.map((r) => (r.description ? `${r.label} (${r.description})` : r.label));
      const i = listed.findIndex((r) => match(r.label, r.description));
      if (i >= 0) {
        // The list re-renders as more results arrive, so the row can move or go before the
        // click lands: try briefly, then read the list again.
        const clicked = await rows
          .nth(i)
          .click({ timeout: 2_000 })
          .then(() => true, () => false);
        if (clicked) return;
        continue;
      }
      await this.page.waitForTimeout(200);
    }
    throw new Error(`No quick-input entry for ${what}; listed: ${JSON.stringify(seen)}`);
  }

  /**
   * Runs a command by its title as the command palette shows it ("Category: Title").
   * Retried: the palette can open before the extension's contributions are registered, or drop
   * keystrokes while the workbench is still restoring.
   */
  async runCommand(title: string, { attempts = 3, timeoutMs = 15 * SECOND } = {}): Promise<void> {
    let lastError: unknown;
    const started = Date.now();
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        await this.openQuickInput('F1', `>${title}`);
        await this.pickRow((label) => label === title, `command "${title}"`, timeoutMs);
        // Accepted once the palette closes, or shows the command's own quick pick instead.
        await this.page
          .waitForFunction(
            (typed) => {
              const input = document.querySelector<HTMLInputElement>('.quick-input-widget .quick-input-box input');
              return !input || !input.checkVisibility() || input.value !== typed;
            },
            `>${title}`,
            { timeout: 5 * SECOND, polling: 100 },
          )
          .catch(() => {});
        this.log(`runCommand "${title}"${attempt > 1 ? ` (attempt ${attempt})` : ''}`, started);
        return;
      } catch (err) {
        lastError = err;
        this.log(`runCommand "${title}" attempt ${attempt} failed (${(err as Error).message.slice(0, 200)})`, started);
        await this.closeQuickInput().catch(() => {});
      }
    }
    throw new Error(`Could not run command "${title}" after ${attempts} attempts: ${(lastError as Error)?.message}`);
  }

  /** Switches the colour theme by name and waits until the workbench (`vs`, `vs-dark`, `hc-black`...) and its webviews show it. */
  async setColorTheme(theme: string, workbenchClass: string): Promise<void> {
    await this.runCommand('Preferences: Color Theme');
    await this.page.locator('.quick-input-widget .quick-input-box input').fill(theme);
    await this.page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: theme }).first().waitFor();
    await this.page.keyboard.press('Enter');
    await this.page.waitForFunction((cls) => document.querySelector('.monaco-workbench')?.classList.contains(cls) ?? false, workbenchClass, { timeout: 30_000 });
    await this.page.waitForTimeout(1000); // the webviews get the new theme variables a moment later
  }

  /**
   * Opens a file by Quick Open (Ctrl+P). `path` is relative to the workspace folder.
   * Resolves when the file's tab is the active one.
   */
  async quickOpen(path: string, timeoutMs = TIMEOUTS.action): Promise<void> {
    const started = Date.now();
    const name = basename(path);
    const dir = dirname(path);
    await this.openQuickInput('Control+P', path);
    await this.pickRow(
      (label, description) => label === name && (dir === '.' || description.replaceAll('\\', '/').includes(dir)),
      `file "${path}"`,
      timeoutMs,
    );
    await this.waitForActiveTab(name, timeoutMs);
    this.log(`quickOpen ${path}`, started);
  }

  /**
   * Opens a file with a given editor, as Explorer's "Open With..." does: opens it by Quick Open,
   * then "View: Reopen Editor With..." and picks the entry whose label starts with `editorName`.
   */
  async openWith(path: string, editorName: string, timeoutMs = TIMEOUTS.action): Promise<void> {
    await this.quickOpen(path, timeoutMs);
    await this.runCommand('View: Reopen Editor With...');
    await this.pickRow((label) => label.startsWith(editorName), `editor "${editorName}"`, timeoutMs);
    await this.waitForActiveTab(basename(path), timeoutMs);
  }

  /** Title of the active editor tab, or undefined when no editor is open. */
  async activeTabTitle(): Promise<string | undefined> {
    // Tabs split "name.ext" into a name and a suffix element.
    const tab = this.page.locator('.part.editor .tabs-container .tab.active .monaco-icon-label-container').first();
    if (!(await tab.count())) return undefined;
    return tab.evaluate((el) =>
      ['.monaco-icon-name-container', '.monaco-icon-suffix-container'].map((s) => el.querySelector(s)?.textContent ?? '').join('').trim(),
    );
  }

  async waitForActiveTab(title: string, timeoutMs = TIMEOUTS.action): Promise<void> {
    await this.poll(async () => (await this.activeTabTitle()) === title, `active tab "${title}"`, timeoutMs, async () => `active tab is "${await this.activeTabTitle()}"`);
  }

  /**
   * Finds a frame by a predicate, polling until one matches. VS Code webviews are nested iframes
   * (an outer host frame and an inner one holding the extension's HTML), so this searches every
   * frame of the page. A predicate that throws (frame detached, navigating) counts as no match, and
   * so does one that takes over 2 s: use non-waiting calls (`frame.$`, `frame.evaluate`), not
   * auto-waiting locators, which would wait in every frame that lacks the element.
   */
  async findFrame(predicate: (frame: Frame) => boolean | Promise<boolean>, what = 'frame', options: FindFrameOptions = {}): Promise<Frame> {
    const { timeoutMs = TIMEOUTS.frame, webviewOnly = true } = options;
    const started = Date.now();
    let found: Frame | undefined;
    await this.poll(
      async () => {
        for (const frame of this.page.frames()) {
          if (frame.isDetached() || (webviewOnly && !isWebviewFrame(frame))) continue;
          if (await withTimeout(Promise.resolve(predicate(frame)), 2 * SECOND).catch(() => false)) {
            found = frame;
            return true;
          }
        }
        return false;
      },
      what,
      timeoutMs,
      async () => `frames: ${JSON.stringify(this.page.frames().map((f) => f.url().slice(0, 120)))}`,
    );
    this.log(`findFrame ${what}`, started);
    return found!;
  }

  /** The webview frame whose document has an element matching `selector`. */
  async findWebviewFrame(selector: string, options?: FindFrameOptions): Promise<Frame> {
    return this.findFrame(async (f) => (await f.$(selector)) !== null, `webview frame with "${selector}"`, options);
  }

  /** Messages of the notifications on screen: toasts, and the notification center when open. */
  async notifications(): Promise<string[]> {
    return this.page
      .locator('.notifications-toasts .notification-list-item-message, .notifications-center .notification-list-item-message')
      .evaluateAll((els) => els.map((el) => el.textContent?.trim() ?? ''));
  }

  /** Waits for a notification whose message matches and returns its text. */
  async waitForNotification(match: string | RegExp, timeoutMs = TIMEOUTS.action): Promise<string> {
    const matches = (s: string) => (typeof match === 'string' ? s.includes(match) : match.test(s));
    let hit: string | undefined;
    await this.poll(
      async () => (hit = (await this.notifications()).find(matches)) !== undefined,
      `notification ${match}`,
      timeoutMs,
      async () => `notifications: ${JSON.stringify(await this.notifications())}`,
    );
    return hit!;
  }

  /** Saves a screenshot of the whole workbench to test-results/<name>.png and returns its path. */
  async screenshot(name: string): Promise<string> {
    const path = join(await ensureResultsDir(), `${name}.png`);
    await this.page.screenshot({ path });
    return path;
  }

  /**
   * Stops Chromium and code-server (its whole process group) and removes the temp dir. With
   * `failed`, first leaves test-results/<name>-failure.png, <name>-code-server.log and
   * <name>-browser.log behind. Safe to call more than once.
   */
  close({ failed = false } = {}): Promise<void> {
    return (this.closed ??= (async () => {
      if (failed) {
        await ensureResultsDir();
        const files = failureFiles(this.name);
        await this.page.screenshot({ path: files.screenshot, timeout: 10 * SECOND }).catch(() => {});
        await writeFile(files.serverLog, this.server.output());
        await writeFile(files.browserLog, [...this.actions, '', ...this.consoleLog].join('\n') + '\n');
      }
      await this.browser.close().catch(() => {});
      await this.server.stop();
      await rm(this.tempDir, { recursive: true, force: true });
    })());
  }

  private log(action: string, startedAt: number): void {
    this.actions.push(`${action}: ${Date.now() - startedAt} ms`);
  }

  private async poll(check: () => Promise<boolean>, what: string, timeoutMs: number, explain?: () => Promise<string>): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) {
        const detail = explain ? await explain().catch((e) => String(e)) : '';
        throw new Error(`Timed out after ${timeoutMs / SECOND} s waiting for ${what}${detail ? `; ${detail}` : ''}`);
      }
      await this.page.waitForTimeout(250);
    }
  }
}

// Webview frames are served from VS Code's webview "pre" folder (index.html outer, fake.html inner),
// or from a vscode-webview:// / vscode-cdn origin, depending on the version.
function isWebviewFrame(frame: Frame): boolean {
  return /\/webview\/|vscode-webview|vscode-cdn|fake\.html/.test(frame.url());
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** What a failed run leaves in test-results/. */
function failureFiles(name: string) {
  return {
    screenshot: join(TEST_RESULTS, `${name}-failure.png`),
    serverLog: join(TEST_RESULTS, `${name}-code-server.log`),
    browserLog: join(TEST_RESULTS, `${name}-browser.log`),
  };
}

async function ensureResultsDir(): Promise<string> {
  await mkdir(TEST_RESULTS, { recursive: true });
  return TEST_RESULTS;
}

/** Starts code-server with the given VSIX and folder, opens the workbench in Chromium, waits until ready. */
export function launchVSCode(options: LaunchOptions): Promise<VSCode> {
  return VSCode.launch(options);
}

/**
 * Runs `fn` against a fresh VS Code and always tears it down; when `fn` throws, the failure
 * screenshot and the logs are left in test-results/ before the error is rethrown.
 */
export async function withVSCode<T>(options: LaunchOptions, fn: (vs: VSCode) => Promise<T>): Promise<T> {
  const vs = await launchVSCode(options);
  let failed = true;
  try {
    const result = await fn(vs);
    failed = false;
    return result;
  } finally {
    await vs.close({ failed });
  }
}
