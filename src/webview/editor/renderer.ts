/**
 * Draws the image with its mask on the GPU (WebGL2). The image, the mask, the instance map and a
 * reference (pre-label or prediction) are cut into tiles no larger than the GPU allows, so images
 * beyond MAX_TEXTURE_SIZE work too. Class colours come from a 256-entry lookup texture; the
 * fragment shader draws fills, outlines (crisp at any zoom) and comparison colours. A brush
 * stroke uploads only its dirty rectangle and redraws only the screen area it covers.
 */
import { IGNORE_COLOR, parseHexColor } from '../../core/color';
import { DIFF_IGNORE, DIFF_KINDS } from '../../core/comparison';
import { Rect } from '../../core/maskPatch';

export interface ViewTransform {
  /** CSS pixels per image pixel. */
  scale: number;
  /** Screen position (CSS pixels, from the canvas' top-left corner) of image point (0, 0). */
  x: number;
  y: number;
}

export type DisplayMode = 'mask' | 'reference' | 'diff';

export interface RenderStyle {
  showMask: boolean;
  opacity: number;
  outline: boolean;
  mode: DisplayMode;
  /** Colour pixels by instance id (instance mode). */
  instances: boolean;
  background: number;
  ignoreIndex: number;
  /** Comparison restricted to one class, or -1 for all. */
  diffClass: number;
}

export type TextureLayer = 'mask' | 'instances' | 'reference';

interface Tile {
  x: number;
  y: number;
  w: number;
  h: number;
  image: WebGLTexture;
  layers: Partial<Record<TextureLayer, WebGLTexture>>;
}

/** Comparison colours by diff value (src/core/comparison.ts): none, the DIFF_KINDS, and ignore (faint). */
const DIFF_COLORS: number[] = (() => {
  const out = [0, 0, 0, 0];
  for (const k of DIFF_KINDS) out.push(...parseHexColor(k.color)!.map((v) => v / 255), 1);
  out.push(...parseHexColor(IGNORE_COLOR)!.map((v) => v / 255), 96 / 255);
  return out;
})();

const VERTEX = `#version 300 es
in vec2 aPos;
uniform vec2 uTileOrigin;
uniform vec2 uTileSize;
uniform vec3 uView;
uniform vec2 uCanvas;
out vec2 vImg;
void main() {
  vImg = aPos * uTileSize;
  vec2 screen = (uTileOrigin + vImg) * uView.x + uView.yz;
  vec2 clip = screen / uCanvas * 2.0 - 1.0;
  gl_Position = vec4(clip.x, -clip.y, 0.0, 1.0);
}`;

/**
 * The fragment shader, specialised by #defines for each way of drawing (MODE 0 mask, 1 reference,
 * 2 comparison; OUTLINE; INSTANCES): software GPUs run every branch of a shader for every pixel,
 * so a shader holds only what its mode needs.
 */
const FRAGMENT = `
precision highp float;
precision highp int;
precision highp usampler2D;
in vec2 vImg;
uniform sampler2D uImage;
uniform usampler2D uMask;
uniform usampler2D uRef;
uniform usampler2D uInst;
uniform sampler2D uLut;
uniform vec2 uTileSize;
uniform float uScale;
uniform float uLine;
uniform float uOpacity;
uniform int uShowMask;
uniform int uBackground;
uniform int uIgnore;
uniform int uDiffClass;
uniform vec4 uDiff[6];
out vec4 outColor;

#if MODE == 2
// Mirrors diffMap in src/core/comparison.ts: 1 TP, 2 FP, 3 FN, 4 wrong class, DIFF_IGNORE ignore.
int outcome(int t, int p) {
  if (t == uIgnore) return DIFF_IGNORE;
  if (uDiffClass >= 0) return t == uDiffClass ? (p == uDiffClass ? 1 : 3) : (p == uDiffClass ? 2 : 0);
  if (t == p) return t == uBackground ? 0 : 1;
  return t == uBackground ? 2 : p == uBackground ? 3 : 4;
}
#endif

// What the overlay shows at a pixel: a key (compared for outlines) and its colour.
int keyAt(ivec2 p) {
#if OUTLINE
  p = clamp(p, ivec2(0), ivec2(uTileSize) - 1);
#endif
#if MODE == 2
  return outcome(int(texelFetch(uMask, p, 0).r), int(texelFetch(uRef, p, 0).r));
#elif MODE == 1
  return int(texelFetch(uRef, p, 0).r);
#elif INSTANCES
  int inst = int(texelFetch(uInst, p, 0).r);
  return inst > 0 ? 256 + inst : int(texelFetch(uMask, p, 0).r);
#else
  return int(texelFetch(uMask, p, 0).r);
#endif
}

vec4 colorOf(int key) {
#if MODE == 2
  return uDiff[key];
#else
#if INSTANCES
  if (key >= 256) {
    // Instances: well-spread hues from the id (golden ratio), always opaque.
    float h = fract(float(key - 256) * 0.618034);
    vec3 rgb = clamp(abs(mod(h * 6.0 + vec3(0.0, 4.0, 2.0), 6.0) - 3.0) - 1.0, 0.0, 1.0);
    return vec4(mix(vec3(0.25), rgb, 0.85), 1.0);
  }
#endif
  return texelFetch(uLut, ivec2(key, 0), 0);
#endif
}

void main() {
  vec3 image = texture(uImage, vImg / uTileSize).rgb;
  if (uShowMask == 0) {
    outColor = vec4(image, 1.0);
    return;
  }
  ivec2 ip = ivec2(floor(vImg));
  int key = keyAt(ip);
  vec4 over = colorOf(key);
#if OUTLINE
  if (over.a > 0.0) {
    bool edge;
    if (uScale >= 3.0) {
      // Zoomed in: a line uLine pixels wide on the inside of each boundary.
      vec2 f = fract(vImg) * uScale;
      edge = (f.x < uLine && keyAt(ip + ivec2(-1, 0)) != key) || (uScale - f.x < uLine && keyAt(ip + ivec2(1, 0)) != key)
          || (f.y < uLine && keyAt(ip + ivec2(0, -1)) != key) || (uScale - f.y < uLine && keyAt(ip + ivec2(0, 1)) != key);
    } else {
      edge = keyAt(ip + ivec2(-1, 0)) != key || keyAt(ip + ivec2(1, 0)) != key || keyAt(ip + ivec2(0, -1)) != key || keyAt(ip + ivec2(0, 1)) != key;
    }
    over.a = edge ? 1.0 : 0.0;
  }
  outColor = vec4(mix(image, over.rgb, over.a), 1.0);
#else
  outColor = vec4(mix(image, over.rgb, over.a * uOpacity), 1.0);
#endif
}`;

interface Program {
  program: WebGLProgram;
  uniforms: Record<string, WebGLUniformLocation | null>;
}

const UNIFORMS = ['uTileOrigin', 'uTileSize', 'uView', 'uCanvas', 'uImage', 'uMask', 'uRef', 'uInst', 'uLut', 'uScale', 'uLine', 'uOpacity', 'uShowMask', 'uBackground', 'uIgnore', 'uDiffClass', 'uDiff'];

export class WebGLUnavailableError extends Error {
  override name = 'WebGLUnavailableError';
}

export class MaskRenderer {
  readonly gl: WebGL2RenderingContext;
  readonly maxTextureSize: number;
  /** One program per way of drawing, compiled on first use. */
  private readonly programs = new Map<string, Program>();
  private readonly quad: WebGLVertexArrayObject;
  private readonly lut: WebGLTexture;
  private readonly empty: Record<'u8' | 'u16', WebGLTexture>;
  private tiles: Tile[] = [];
  private imageSize = { width: 0, height: 0 };
  private readonly hasLayer: Partial<Record<TextureLayer, boolean>> = {};
  /** Colour around the image (the theme's editor background). */
  private background: [number, number, number] = [0.5, 0.5, 0.5];

  constructor(readonly canvas: HTMLCanvasElement, tileLimit?: number) {
    // preserveDrawingBuffer: a brush frame redraws only what the stroke covered; the rest stays.
    const gl = canvas.getContext('webgl2', { antialias: false, alpha: false, preserveDrawingBuffer: true, premultipliedAlpha: false });
    if (!gl) throw new WebGLUnavailableError('WebGL2 is not available in this window');
    this.gl = gl;
    this.maxTextureSize = Math.min(gl.getParameter(gl.MAX_TEXTURE_SIZE) as number, tileLimit ?? Infinity);
    this.quad = gl.createVertexArray()!;
    gl.bindVertexArray(this.quad);
    const buffer = gl.createBuffer();
    gl.bindBuffer(gl.ARRAY_BUFFER, buffer);
    gl.bufferData(gl.ARRAY_BUFFER, new Float32Array([0, 0, 1, 0, 0, 1, 1, 1]), gl.STATIC_DRAW);
    gl.enableVertexAttribArray(0);
    gl.vertexAttribPointer(0, 2, gl.FLOAT, false, 0, 0);
    this.programFor(0, false, false); // compile the common one now: a shader error shows at once
    gl.pixelStorei(gl.UNPACK_ALIGNMENT, 1);
    this.lut = this.texture(gl.RGBA8, 256, 1, gl.RGBA, gl.UNSIGNED_BYTE, new Uint8Array(1024));
    this.empty = {
      u8: this.texture(gl.R8UI, 1, 1, gl.RED_INTEGER, gl.UNSIGNED_BYTE, new Uint8Array(1)),
      u16: this.texture(gl.R16UI, 1, 1, gl.RED_INTEGER, gl.UNSIGNED_SHORT, new Uint16Array(1)),
    };
  }

  private programFor(mode: number, outline: boolean, instances: boolean): Program {
    const key = `${mode}${outline ? 1 : 0}${instances ? 1 : 0}`;
    let p = this.programs.get(key);
    if (p) return p;
    const gl = this.gl;
    const defines = `#version 300 es\n#define MODE ${mode}\n#define OUTLINE ${outline ? 1 : 0}\n#define INSTANCES ${instances ? 1 : 0}\n#define DIFF_IGNORE ${DIFF_IGNORE}\n`;
    const program = link(gl, VERTEX, defines + FRAGMENT);
    const uniforms: Program['uniforms'] = {};
    for (const name of UNIFORMS) uniforms[name] = gl.getUniformLocation(program, name);
    gl.useProgram(program);
    gl.uniform1i(uniforms.uImage, 0);
    gl.uniform1i(uniforms.uMask, 1);
    gl.uniform1i(uniforms.uRef, 2);
    gl.uniform1i(uniforms.uInst, 3);
    gl.uniform1i(uniforms.uLut, 4);
    gl.uniform4fv(uniforms.uDiff, DIFF_COLORS);
    p = { program, uniforms };
    this.programs.set(key, p);
    return p;
  }

  get tileCount(): number {
    return this.tiles.length;
  }

  /** Cuts the image into tiles the GPU accepts and uploads them (decoded off the main thread). */
  async setImage(image: HTMLImageElement | ImageBitmap, width: number, height: number): Promise<void> {
    const gl = this.gl;
    this.disposeTiles();
    this.imageSize = { width, height };
    const size = this.maxTextureSize;
    const tiles: Tile[] = [];
    for (let y = 0; y < height; y += size) {
      for (let x = 0; x < width; x += size) {
        tiles.push({ x, y, w: Math.min(size, width - x), h: Math.min(size, height - y), image: gl.createTexture()!, layers: {} });
      }
    }
    // One tile: straight from the image. Several: crops of one decoded bitmap, made off the main thread.
    let sources: (HTMLImageElement | ImageBitmap)[] = [image];
    if (tiles.length > 1) {
      const whole = image instanceof ImageBitmap ? image : await createImageBitmap(image);
      sources = await Promise.all(tiles.map((t) => createImageBitmap(whole, t.x, t.y, t.w, t.h)));
      if (whole !== image) whole.close();
    }
    tiles.forEach((tile, k) => {
      gl.bindTexture(gl.TEXTURE_2D, tile.image);
      gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA8, tile.w, tile.h, 0, gl.RGBA, gl.UNSIGNED_BYTE, sources[k]);
      if (sources[k] instanceof ImageBitmap) (sources[k] as ImageBitmap).close();
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.NEAREST); // crisp pixels when zoomed in
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.LINEAR);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE);
    });
    this.tiles = tiles;
  }

  /** Smooth zoomed-out views; done after the first frame because it takes a while on large images. */
  generateMipmaps(): void {
    const gl = this.gl;
    for (const tile of this.tiles) {
      gl.bindTexture(gl.TEXTURE_2D, tile.image);
      gl.generateMipmap(gl.TEXTURE_2D);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.LINEAR_MIPMAP_NEAREST); // bilinear on one level: half the cost of trilinear
    }
  }

  /** Uploads a whole layer (undefined removes it). */
  setLayer(layer: TextureLayer, data: Uint8Array | Uint16Array | undefined): void {
    const gl = this.gl;
    for (const tile of this.tiles) {
      const old = tile.layers[layer];
      if (old) gl.deleteTexture(old);
      delete tile.layers[layer];
    }
    this.hasLayer[layer] = !!data;
    if (!data) return;
    const sixteen = data instanceof Uint16Array;
    for (const tile of this.tiles) {
      const tex = gl.createTexture()!;
      gl.bindTexture(gl.TEXTURE_2D, tex);
      gl.texStorage2D(gl.TEXTURE_2D, 1, sixteen ? gl.R16UI : gl.R8UI, tile.w, tile.h);
      // Integer textures are complete only with NEAREST filtering (else they read as 0).
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.NEAREST);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.NEAREST);
      tile.layers[layer] = tex;
    }
    this.updateLayer(layer, data, { x: 0, y: 0, w: this.imageSize.width, h: this.imageSize.height });
  }

  /** Uploads rectangle `rect` (image pixels) of a layer whose pixels are `data` (the whole image). */
  updateLayer(layer: TextureLayer, data: Uint8Array | Uint16Array, rect: Rect): void {
    const gl = this.gl;
    const sixteen = data instanceof Uint16Array;
    gl.pixelStorei(gl.UNPACK_ROW_LENGTH, this.imageSize.width);
    for (const tile of this.tiles) {
      const tex = tile.layers[layer];
      if (!tex) continue;
      const x0 = Math.max(rect.x, tile.x);
      const y0 = Math.max(rect.y, tile.y);
      const x1 = Math.min(rect.x + rect.w, tile.x + tile.w);
      const y1 = Math.min(rect.y + rect.h, tile.y + tile.h);
      if (x1 <= x0 || y1 <= y0) continue;
      gl.pixelStorei(gl.UNPACK_SKIP_PIXELS, x0);
      gl.pixelStorei(gl.UNPACK_SKIP_ROWS, y0);
      gl.bindTexture(gl.TEXTURE_2D, tex);
      gl.texSubImage2D(gl.TEXTURE_2D, 0, x0 - tile.x, y0 - tile.y, x1 - x0, y1 - y0, gl.RED_INTEGER, sixteen ? gl.UNSIGNED_SHORT : gl.UNSIGNED_BYTE, data);
    }
    gl.pixelStorei(gl.UNPACK_ROW_LENGTH, 0);
    gl.pixelStorei(gl.UNPACK_SKIP_PIXELS, 0);
    gl.pixelStorei(gl.UNPACK_SKIP_ROWS, 0);
  }

  /** The colour around the image, as CSS (e.g. the theme's editor background). */
  setBackground(css: string): void {
    this.background = parseCssColor(css.trim());
  }

  /** Class colours: 256 RGBA entries, little-endian packed (see overlayLut). */
  setLut(lut: Uint32Array): void {
    const gl = this.gl;
    gl.bindTexture(gl.TEXTURE_2D, this.lut);
    gl.texSubImage2D(gl.TEXTURE_2D, 0, 0, 0, 256, 1, gl.RGBA, gl.UNSIGNED_BYTE, new Uint8Array(lut.buffer, lut.byteOffset, 1024));
  }

  /**
   * Draws the view; with `only` (device pixels), redraws just that part of the canvas. The
   * canvas' size must already match its device-pixel size.
   */
  render(view: ViewTransform, style: RenderStyle, dpr: number, only?: Rect): void {
    const gl = this.gl;
    const { width, height } = this.canvas;
    gl.viewport(0, 0, width, height);
    if (only) {
      gl.enable(gl.SCISSOR_TEST);
      gl.scissor(only.x, height - only.y - only.h, only.w, only.h);
    }
    const rgb = this.background;
    gl.clearColor(rgb[0], rgb[1], rgb[2], 1);
    gl.clear(gl.COLOR_BUFFER_BIT);
    const mode = style.mode === 'diff' && !this.hasLayer.reference ? 'mask' : style.mode;
    const { program, uniforms: u } = this.programFor(mode === 'mask' ? 0 : mode === 'reference' ? 1 : 2, style.outline, mode === 'mask' && style.instances && !!this.hasLayer.instances);
    gl.useProgram(program);
    gl.bindVertexArray(this.quad);
    const scale = view.scale * dpr;
    gl.uniform3f(u.uView, scale, view.x * dpr, view.y * dpr);
    gl.uniform2f(u.uCanvas, width, height);
    gl.uniform1f(u.uScale, scale);
    gl.uniform1f(u.uLine, Math.max(1, 1.25 * dpr));
    gl.uniform1f(u.uOpacity, style.opacity);
    gl.uniform1i(u.uShowMask, style.showMask ? 1 : 0);
    gl.uniform1i(u.uBackground, style.background);
    gl.uniform1i(u.uIgnore, style.ignoreIndex);
    gl.uniform1i(u.uDiffClass, style.diffClass);
    gl.activeTexture(gl.TEXTURE4);
    gl.bindTexture(gl.TEXTURE_2D, this.lut);
    for (const tile of this.tiles) {
      const sx = tile.x * scale + view.x * dpr;
      const sy = tile.y * scale + view.y * dpr;
      if (sx > width || sy > height || sx + tile.w * scale < 0 || sy + tile.h * scale < 0) continue;
      if (only && (sx > only.x + only.w || sy > only.y + only.h || sx + tile.w * scale < only.x || sy + tile.h * scale < only.y)) continue;
      gl.uniform2f(u.uTileOrigin, tile.x, tile.y);
      gl.uniform2f(u.uTileSize, tile.w, tile.h);
      gl.activeTexture(gl.TEXTURE0);
      gl.bindTexture(gl.TEXTURE_2D, tile.image);
      gl.activeTexture(gl.TEXTURE1);
      gl.bindTexture(gl.TEXTURE_2D, tile.layers.mask ?? this.empty.u8);
      gl.activeTexture(gl.TEXTURE2);
      gl.bindTexture(gl.TEXTURE_2D, tile.layers.reference ?? this.empty.u8);
      gl.activeTexture(gl.TEXTURE3);
      gl.bindTexture(gl.TEXTURE_2D, tile.layers.instances ?? this.empty.u16);
      gl.drawArrays(gl.TRIANGLE_STRIP, 0, 4);
    }
    if (only) gl.disable(gl.SCISSOR_TEST);
  }

  /**
   * Waits until the GPU has drawn the frame (the benchmark's frame boundary): reading a pixel back
   * cannot complete before the drawing does, unlike finish(), which Chromium may answer early.
   */
  finish(): void {
    this.gl.readPixels(0, 0, 1, 1, this.gl.RGBA, this.gl.UNSIGNED_BYTE, this.probe);
  }

  private readonly probe = new Uint8Array(4);

  private texture(internal: number, w: number, h: number, format: number, type: number, data: ArrayBufferView): WebGLTexture {
    const gl = this.gl;
    const tex = gl.createTexture()!;
    gl.bindTexture(gl.TEXTURE_2D, tex);
    gl.texImage2D(gl.TEXTURE_2D, 0, internal, w, h, 0, format, type, data);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.NEAREST);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.NEAREST);
    return tex;
  }

  private disposeTiles(): void {
    const gl = this.gl;
    for (const tile of this.tiles) {
      gl.deleteTexture(tile.image);
      for (const tex of Object.values(tile.layers)) if (tex) gl.deleteTexture(tex);
    }
    this.tiles = [];
  }
}

function link(gl: WebGL2RenderingContext, vs: string, fs: string): WebGLProgram {
  const compile = (type: number, source: string) => {
    const shader = gl.createShader(type)!;
    gl.shaderSource(shader, source);
    gl.compileShader(shader);
    if (!gl.getShaderParameter(shader, gl.COMPILE_STATUS)) throw new Error(`shader: ${gl.getShaderInfoLog(shader)}`);
    return shader;
  };
  const program = gl.createProgram()!;
  gl.attachShader(program, compile(gl.VERTEX_SHADER, vs));
  gl.attachShader(program, compile(gl.FRAGMENT_SHADER, fs));
  gl.bindAttribLocation(program, 0, 'aPos');
  gl.linkProgram(program);
  if (!gl.getProgramParameter(program, gl.LINK_STATUS)) throw new Error(`shader link: ${gl.getProgramInfoLog(program)}`);
  return program;
}

/** `#rrggbb` or `rgb(r, g, b)` as 0..1 floats; grey when unreadable. */
function parseCssColor(text: string): [number, number, number] {
  const hex = /^#([0-9a-f]{6})/i.exec(text);
  if (hex) {
    const n = parseInt(hex[1], 16);
    return [(n >> 16) / 255, ((n >> 8) & 255) / 255, (n & 255) / 255];
  }
  const rgb = /rgba?\(\s*(\d+)\D+(\d+)\D+(\d+)/.exec(text);
  if (rgb) return [Number(rgb[1]) / 255, Number(rgb[2]) / 255, Number(rgb[3]) / 255];
  return [0.5, 0.5, 0.5];
}
