import sharp from 'sharp';
import { encodeLabelPng } from '../src/core/labelPng';
(async () => {
const ids = new Uint16Array(16); ids[3] = 1; ids[4] = 513;
const png = encodeLabelPng({ width: 4, height: 4, samples: ids });
const r = await sharp(png).raw({ depth: 'ushort' }).toBuffer({ resolveWithObject: true });
console.log(r.info, Array.from(new Uint16Array(r.data.buffer, r.data.byteOffset, r.data.length/2)));
const r2 = await sharp(png).toColourspace('grey16').raw({ depth: 'ushort' }).toBuffer({ resolveWithObject: true });
console.log(r2.info, Array.from(new Uint16Array(r2.data.buffer, r2.data.byteOffset, r2.data.length/2)));
})();
