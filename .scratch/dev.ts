// Dev loop: open the bench page, stroke, screenshot.
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS } from '../test/e2e/harness';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import sharp from 'sharp';
import { encodeMaskPng } from '../src/core/maskCodec';
async function main() {
  const W = 600, H = 400;
  const rgb = Buffer.alloc(W * H * 3, 90);
  const img = await sharp(rgb, { raw: { width: W, height: H, channels: 3 } }).png().toBuffer();
  const mask = new Uint8Array(W * H); for (let y = 100; y < 200; y++) for (let x = 100; x < 300; x++) mask[y * W + x] = 1;
  const classes = [{ id: 0, name: 'background', color: '#000000' }, { id: 1, name: 'cell', color: '#e6194b' }, { id: 2, name: 'bacterium', color: '#3cb44b' }];
  const png = encodeMaskPng(mask, W, H, { classes, ignoreIndex: 255 });
  const page0 = readFileSync('bench/editor.bench.ts', 'utf8').match(/const PAGE = `([\s\S]*?)`;/)![1];
  const files: Record<string, [string, Buffer | string]> = { '/': ['text/html', page0], '/editor.js': ['text/javascript', readFileSync('dist/webview/editor.js')], '/editor.css': ['text/css', readFileSync('dist/webview/editor.css')], '/codicon.css': ['text/css', readFileSync('dist/webview/codicons/codicon.css')], '/codicon.ttf': ['font/ttf', readFileSync('dist/webview/codicons/codicon.ttf')], '/image.png': ['image/png', img] };
  const server = createServer((q, r) => { const f = files[q.url!.split('?')[0]]; if (!f) return void r.writeHead(404).end(); r.writeHead(200, { 'content-type': f[0], 'access-control-allow-origin': '*' }).end(f[1]); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const base = `http://127.0.0.1:${(server.address() as any).port}`;
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
  const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
  page.on('console', (m) => console.log('console:', m.text()));
  page.on('pageerror', (e) => console.log('pageerror:', e.message));
  await page.goto(base + '/' + (process.argv[2] ?? ''));
  await page.waitForFunction(() => (window as any).posted.some((p: any) => p.m.type === 'ready'));
  await page.evaluate(({ init, b64 }) => { window.postMessage({ type: 'init', init: { ...init, maskPng: Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)) } }, '*'); }, { b64: Buffer.from(png).toString('base64'), init: { imageUri: base + '/image.png', imageName: 'image.png', classes, ignoreIndex: 255, source: 'mask', maskPath: 'masks/image.png', saveTarget: 'masks/image.png', emptyFill: 0, writes: [], prelabelAvailable: true, opacity: 0.5, tools: { tool: 'brush', classId: 2, brushSize: 20, tolerance: 24, protect: [], outline: false, instanceMode: false }, keys: [{ keys: 'B', what: 'Brush' }], dataset: { root: '/d', key: 'image', index: 2, count: 10, configSource: 'file', status: 'labelled' } } });
  await page.waitForFunction(() => document.body.dataset.ready === 'true');
  const box = (await page.locator('canvas#view').boundingBox())!;
  const view = JSON.parse(await page.evaluate(() => document.body.dataset.view!));
  console.log('view', view, 'box', box);
  const toPage = (x: number, y: number) => ({ x: box.x + view.x + x * view.scale, y: box.y + view.y + y * view.scale });
  let p = toPage(50, 50); await page.mouse.move(p.x, p.y); await page.mouse.down();
  for (let i = 1; i <= 20; i++) { p = toPage(50 + i * 20, 50 + i * 10); await page.mouse.move(p.x, p.y); }
  await page.mouse.up();
  await page.waitForTimeout(300);
  const posted = await page.evaluate(() => (window as any).posted.map((p: any) => p.m.type === 'edit' ? { type: 'edit', label: p.m.label, patches: p.m.patches.length } : p.m.type));
  console.log(JSON.stringify(posted));
  await page.screenshot({ path: 'test-results/dev.png' });
  await browser.close(); server.close();
}
main();
