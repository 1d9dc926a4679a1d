/**
 * Where a value sits in JSON text, by a path like `classes[1].color` (the `field` of a Problem),
 * so the Problems panel can underline it. A small scanner: strings, numbers, literals, nesting.
 */
export interface TextRange {
  start: number;
  end: number;
}

/** The value at `field`, and the key that names it when the last step is a key. */
export function locateJsonPath(text: string, field: string): { value: TextRange; key?: TextRange } | undefined {
  const path = parseField(field);
  if (!path) return undefined;
  let pos = 0;
  const ws = () => {
    while (pos < text.length && /\s/.test(text[pos])) pos++;
  };
  /** Skips one value; returns its range. */
  const skipValue = (): TextRange | undefined => {
    ws();
    const start = pos;
    const c = text[pos];
    if (c === '"') {
      pos++;
      while (pos < text.length && text[pos] !== '"') pos += text[pos] === '\\' ? 2 : 1;
      pos++;
    } else if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      pos++;
      ws();
      if (text[pos] === close) {
        pos++;
        return { start, end: pos };
      }
      for (;;) {
        if (c === '{') {
          if (!skipValue()) return undefined; // key
          ws();
          if (text[pos++] !== ':') return undefined;
        }
        if (!skipValue()) return undefined;
        ws();
        if (text[pos] === ',') pos++;
        else if (text[pos] === close) {
          pos++;
          break;
        } else return undefined;
      }
    } else {
      while (pos < text.length && !/[\s,}\]]/.test(text[pos])) pos++;
      if (pos === start) return undefined;
    }
    return { start, end: pos };
  };
  /** Finds the member or element `step` of the value at `pos`; leaves pos at its start. */
  const enter = (step: string | number): TextRange | undefined => {
    ws();
    const open = text[pos];
    if (typeof step === 'string' ? open !== '{' : open !== '[') return undefined;
    pos++;
    for (let index = 0; ; index++) {
      ws();
      if (text[pos] === '}' || text[pos] === ']') return undefined;
      let keyRange: TextRange | undefined;
      if (typeof step === 'string') {
        keyRange = skipValue();
        if (!keyRange) return undefined;
        ws();
        if (text[pos++] !== ':') return undefined;
      }
      ws();
      const valueStart = pos;
      const key = keyRange ? safeParse(text.slice(keyRange.start, keyRange.end)) : undefined;
      if (typeof step === 'string' ? key === step : index === step) {
        pos = valueStart;
        return keyRange ?? { start: valueStart, end: valueStart };
      }
      if (!skipValue()) return undefined;
      ws();
      if (text[pos] === ',') pos++;
    }
  };
  let keyRange: TextRange | undefined;
  for (const step of path) {
    keyRange = enter(step);
    if (!keyRange) return undefined;
  }
  const value = skipValue();
  if (!value) return undefined;
  const named = path.length > 0 && typeof path[path.length - 1] === 'string' && keyRange && keyRange.end > keyRange.start;
  return named ? { value, key: keyRange } : { value };
}

/** `classes[1].color` -> ['classes', 1, 'color']; `(root)` -> []. */
function parseField(field: string): (string | number)[] | undefined {
  if (field === '(root)') return [];
  const out: (string | number)[] = [];
  const re = /([^.[\]]+)|\[(\d+)\]/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(field))) out.push(m[2] !== undefined ? Number(m[2]) : m[1]);
  return out.length ? out : undefined;
}

function safeParse(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}

/** 0-based line and character of an offset. */
export function positionAt(text: string, offset: number): { line: number; character: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length - 1, character: before[before.length - 1].length };
}
