import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS } from '../test/e2e/harness';
(async () => {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
  const page = await browser.newPage();
  const r = await page.evaluate(() => {
    const c = document.createElement('canvas'); c.width = 4; c.height = 4;
    const gl = c.getContext('webgl2')!;
    const tex = gl.createTexture(); gl.bindTexture(gl.TEXTURE_2D, tex);
    gl.texStorage2D(gl.TEXTURE_2D, 1, gl.R8UI, 4, 4);
    const e1 = gl.getError();
    gl.pixelStorei(gl.UNPACK_ALIGNMENT, 1);
    gl.pixelStorei(gl.UNPACK_ROW_LENGTH, 4);
    gl.texSubImage2D(gl.TEXTURE_2D, 0, 0, 0, 4, 4, gl.RED_INTEGER, gl.UNSIGNED_BYTE, new Uint8Array(16).fill(1));
    const e2 = gl.getError();
    gl.pixelStorei(gl.UNPACK_SKIP_PIXELS, 1); gl.pixelStorei(gl.UNPACK_SKIP_ROWS, 1);
    gl.texSubImage2D(gl.TEXTURE_2D, 0, 1, 1, 2, 2, gl.RED_INTEGER, gl.UNSIGNED_BYTE, new Uint8Array(16).fill(2));
    const e3 = gl.getError();
    return { e1, e2, e3 };
  });
  console.log(r);
  await browser.close();
})();
