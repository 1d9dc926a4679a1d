import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchVSCode, REPO_ROOT } from '../test/e2e/harness';
import { dataset, drag, focusEditor, openInEditor, pressAndWait, OPEN_IMAGES_IN_EDITOR } from '../test/e2e/editorDriver';
(async () => {
  const root = mkdtempSync(join(tmpdir(), 'dd-'));
  cpSync(join(REPO_ROOT, 'samples/darkfield'), root, { recursive: true });
  const vs = await launchVSCode({ name: 'dd', folder: root, vsix: join(REPO_ROOT, 'segment-studio.vsix'), settings: { 'files.autoSave': 'off', ...OPEN_IMAGES_IN_EDITOR } });
  try {
    const frame = await openInEditor(vs, 'images/df_001.jpg');
    await frame.evaluate(() => { (window as any).evlog = []; for (const t of ['pointerdown', 'pointerup', 'pointermove', 'mousedown']) document.addEventListener(t, (e: any) => (window as any).evlog.push(`${t} b${e.button} ${e.target.id || e.target.tagName} ${e.clientX},${e.clientY}`), true); });
    await focusEditor(frame);
    await pressAndWait(vs, frame, '2', 'classId', '2');
    console.log(await dataset(frame));
    await drag(vs, frame, [{ x: 40, y: 60 }, { x: 90, y: 84 }], false);
    await vs.page.waitForTimeout(1000);
    console.log(await frame.evaluate(() => (window as any).evlog.filter((l: string) => !l.startsWith('pointermove')).slice(0, 20)));
    console.log(await dataset(frame));
    await vs.screenshot('dd');
  } finally { await vs.close(); }
})();
