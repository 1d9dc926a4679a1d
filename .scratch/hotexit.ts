import { cpSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchVSCode, REPO_ROOT } from '../test/e2e/harness';
import { drag, editorFrame, focusEditor, openInEditor, pressAndWait, activeTab } from '../test/e2e/editorDriver';
import { execSync } from 'node:child_process';
(async () => {
  const root = mkdtempSync(join(tmpdir(), 'hotexit-'));
  cpSync(join(REPO_ROOT, 'samples/darkfield'), root, { recursive: true });
  const vs = await launchVSCode({ name: 'hotexit', folder: root, vsix: join(REPO_ROOT, 'segment-studio.vsix'), settings: { 'files.autoSave': 'off' } });
  try {
    const frame = await openInEditor(vs, 'images/df_001.jpg');
    await focusEditor(frame);
    await pressAndWait(vs, frame, 'b', 'tool', 'brush');
    await drag(vs, frame, [{ x: 40, y: 60 }, { x: 100, y: 90 }]);
    console.log('tab', await activeTab(vs));
    await vs.page.waitForTimeout(4000);
    console.log(execSync(`cat ${vs.tempDir}/user-data/logs/*/exthost*/segment-studio.segment-studio/*.log; ls -R ${vs.tempDir}/user-data/User | head -30`).toString());
    await vs.runCommand('Developer: Reload Window');
    await vs.waitForWorkbench();
    await vs.page.waitForTimeout(5000);
    console.log('after reload tab', await activeTab(vs));
    console.log(execSync(`cat ${vs.tempDir}/user-data/logs/*/exthost*/segment-studio.segment-studio/*.log; ls -R ${vs.tempDir}/user-data/User | head -30`).toString());
    console.log(execSync(`find ${vs.tempDir}/user-data -ipath '*backup*' | head -20`).toString());
    await vs.screenshot('hotexit-debug');
  } finally { await vs.close(); }
})();
