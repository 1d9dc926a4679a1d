import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { formatSegmentConfig, inferSegmentConfig, parseSegmentConfig } from '../../src/core/segmentConfig';
import { thingClassIds } from '../../src/core/classes';

const valid = {
  classes: [
    { id: 0, name: 'background', color: '#000000' },
    { id: 2, name: 'spirochaete', color: '#3CB44B' },
    { id: 1, name: 'red blood cell', color: '#e6194b' },
  ],
};

test('a valid segment.json parses with defaults filled in and classes sorted by id', () => {
  const r = parseSegmentConfig(JSON.stringify(valid));
  assert.ok(r.ok);
  assert.deepEqual(r.config.classes.map((c) => c.id), [0, 1, 2]);
  assert.equal(r.config.classes[2].color, '#3cb44b');
  assert.equal(r.config.ignoreIndex, 255);
  assert.deepEqual(r.config.folders, { images: 'images', masks: 'masks', prelabels: 'prelabels', instances: 'instances' });
  assert.deepEqual(r.problems, []);
});

test('a missing colour gets the default palette colour', () => {
  const r = parseSegmentConfig(JSON.stringify({ classes: [{ id: 0, name: 'bg' }, { id: 1, name: 'a' }] }));
  assert.ok(r.ok);
  assert.equal(r.config.classes[1].color, '#e6194b');
});

test('syntax errors give a line and column', () => {
  const r = parseSegmentConfig('{\n  "classes": [\n    {"id": 0,, "name": "bg"}\n  ]\n}', 'data/segment.json');
  assert.equal(r.ok, false);
  assert.equal(r.problems.length, 1);
  const p = r.problems[0];
  assert.equal(p.code, 'config-syntax');
  assert.equal(p.file, 'data/segment.json');
  assert.equal(p.line, 2);
  assert.match(p.message, /not valid JSON/);
});

test('every problem is reported at once, naming the file and the field', () => {
  const r = parseSegmentConfig(JSON.stringify({
    classes: [
      { id: 0, name: 'background', color: '#000' },
      { id: 0, name: 'cell', color: 'red' },
      { id: 255, name: 'void' },
      { id: 3.5, name: '' },
      { id: 4, name: 'background' },
    ],
    ignoreIndex: 255,
    folders: { masks: '../elsewhere', images: '/abs', typo: 'x' },
    clases: [],
  }), 'ds/segment.json');
  assert.equal(r.ok, false);
  const byField = new Map(r.problems.map((p) => [p.field, p]));
  assert.equal(r.problems.every((p) => p.file === 'ds/segment.json'), true);
  assert.match(byField.get('classes[1].id')!.message, /already used by classes\[0\]/);
  assert.match(byField.get('classes[1].color')!.message, /colour like/);
  assert.match(byField.get('classes[2].id')!.message, /ignore index/);
  assert.match(byField.get('classes[3].id')!.message, /integer/);
  assert.match(byField.get('classes[3].name')!.message, /non-empty/);
  assert.match(byField.get('classes[4].name')!.message, /"background" is already used/);
  assert.equal(byField.get('folders.masks')!.code, 'folder-outside-root');
  assert.equal(byField.get('folders.images')!.code, 'folder-outside-root');
  assert.equal(byField.get('folders.typo')!.severity, 'warning');
  assert.equal(byField.get('clases')!.code, 'config-unknown-key');
});

test('folders inside the root are normalised; sneaky escapes are caught', () => {
  const ok = parseSegmentConfig(JSON.stringify({ ...valid, folders: { images: './imgs//train/', masks: 'a/../labels' } }));
  assert.ok(ok.ok);
  assert.equal(ok.config.folders.images, 'imgs/train');
  assert.equal(ok.config.folders.masks, 'labels');
  const bad = parseSegmentConfig(JSON.stringify({ ...valid, folders: { masks: 'a/../../x' } }));
  assert.equal(bad.ok, false);
  assert.equal(bad.problems[0].code, 'folder-outside-root');
  const win = parseSegmentConfig(JSON.stringify({ ...valid, folders: { masks: 'C:\\data' } }));
  assert.equal(win.ok, false);
});

test('classes without a list, or an empty one, are errors', () => {
  assert.equal(parseSegmentConfig('{}').ok, false);
  assert.match((parseSegmentConfig('{"classes": []}') as { problems: { message: string }[] }).problems[0].message, /at least one/);
  assert.equal(parseSegmentConfig('[1,2]').ok, false);
});

test('duplicate colours are a warning, not an error', () => {
  const r = parseSegmentConfig(JSON.stringify({ classes: [{ id: 0, name: 'a', color: '#ff0000' }, { id: 1, name: 'b', color: '#FF0000' }] }));
  assert.ok(r.ok);
  assert.equal(r.problems.length, 1);
  assert.equal(r.problems[0].severity, 'warning');
});

test('inferred classes include background, skip the ignore index and use palette colours', () => {
  const c = inferSegmentConfig([3, 1, 255, 1], new Map([[1, '#123456']]));
  assert.deepEqual(c.classes, [
    { id: 0, name: 'background', color: '#000000' },
    { id: 1, name: 'class 1', color: '#123456' },
    { id: 3, name: 'class 3', color: '#ffe119' },
  ]);
});

test('a formatted config parses back to the same config', () => {
  const r = parseSegmentConfig(JSON.stringify(valid));
  assert.ok(r.ok);
  const again = parseSegmentConfig(formatSegmentConfig(r.config));
  assert.ok(again.ok);
  assert.deepEqual(again.config, r.config);
});

test('the contributed JSON schema accepts what the parser accepts and names the same keys', () => {
  const schema = JSON.parse(readFileSync('schemas/segment.schema.json', 'utf8'));
  assert.deepEqual(Object.keys(schema.properties.folders.properties).sort(), ['images', 'instances', 'masks', 'prelabels']);
  assert.deepEqual(Object.keys(schema.properties.classes.items.properties).sort(), ['color', 'description', 'id', 'name', 'thing']);
  assert.deepEqual(Object.keys(schema.properties).sort(), ['$schema', 'classes', 'description', 'folders', 'ignoreIndex', 'name']);
  const pattern = new RegExp(schema.properties.folders.properties.masks.pattern);
  for (const inside of ['masks', 'a/b', './x']) assert.ok(pattern.test(inside), inside);
  for (const outside of ['../x', '/abs', 'C:\\x', '..']) assert.ok(!pattern.test(outside), outside);
  const color = new RegExp(schema.properties.classes.items.properties.color.pattern);
  assert.ok(color.test('#e6194b') && color.test('#FFF') && !color.test('red'));
});

test('"thing" marks the classes whose pixels split into instances; without it every class but 0 is a thing', () => {
  const marked = parseSegmentConfig(JSON.stringify({ classes: [{ id: 0, name: 'bg', thing: false }, { id: 1, name: 'tissue', thing: false }, { id: 2, name: 'cell', thing: true }] }));
  assert.ok(marked.ok);
  assert.deepEqual([...thingClassIds(marked.config.classes)], [2]);
  assert.ok(formatSegmentConfig(marked.config).includes('"thing": true'));
  const unmarked = parseSegmentConfig(JSON.stringify({ classes: [{ id: 0, name: 'bg' }, { id: 1, name: 'a' }, { id: 3, name: 'b' }] }));
  assert.ok(unmarked.ok);
  assert.deepEqual([...thingClassIds(unmarked.config.classes)], [1, 3]);
  const bad = parseSegmentConfig(JSON.stringify({ classes: [{ id: 0, name: 'bg', thing: 'yes' }] }), 'data/segment.json');
  assert.ok(!bad.ok);
  assert.match(bad.problems[0].message, /must be true .* or false/);
  assert.equal(bad.problems[0].field, 'classes[0].thing');
});
