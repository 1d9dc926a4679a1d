/** POSIX-style relative paths, the form every dataset path takes inside the core. */

/** Normalises `a//b/./c/` to `a/b/c`; backslashes become slashes. Keeps leading `..`. */
export function normalizeRelative(path: string): string {
  const out: string[] = [];
  for (const part of path.replace(/\\/g, '/').split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..' && out.length > 0 && out[out.length - 1] !== '..') out.pop();
    else out.push(part);
  }
  return out.join('/');
}

/** True for a relative path that stays inside its root (no absolute path, no escaping `..`). */
export function isInsideRoot(path: string): boolean {
  if (/^([a-zA-Z]:)?[\\/]/.test(path)) return false;
  const norm = normalizeRelative(path);
  return norm !== '..' && !norm.startsWith('../');
}

/** `a/b/c.png` -> `a/b/c` */
export function stripExtension(path: string): string {
  const slash = path.lastIndexOf('/');
  const dot = path.lastIndexOf('.');
  return dot > slash + 1 ? path.slice(0, dot) : path;
}

/** `a/b/c.PNG` -> `png` */
export function extensionOf(path: string): string {
  const slash = path.lastIndexOf('/');
  const dot = path.lastIndexOf('.');
  return dot > slash + 1 ? path.slice(dot + 1).toLowerCase() : '';
}

/** Joins relative parts with `/`, normalising the result. */
export function joinRelative(...parts: string[]): string {
  return normalizeRelative(parts.filter((p) => p !== '').join('/'));
}

/** `prefix/rest` -> `rest` when `path` is inside folder `prefix` (or `prefix` is ''), else undefined. */
export function relativeTo(folder: string, path: string): string | undefined {
  if (folder === '') return path;
  return path.startsWith(folder + '/') ? path.slice(folder.length + 1) : undefined;
}
