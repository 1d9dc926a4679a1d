import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findTarget, ReviewItem, statusOf } from '../../src/core/review';

const items: ReviewItem[] = (['labelled', 'unlabelled', 'prelabelled', 'labelled', 'unlabelled'] as const).map((status, i) => ({ key: `k${i}`, image: `images/k${i}.png`, status }));

test('next and previous go round the ends of the list', () => {
  assert.equal(findTarget(items, 0, 'next'), 1);
  assert.equal(findTarget(items, 4, 'next'), 0);
  assert.equal(findTarget(items, 0, 'previous'), 4);
  assert.equal(findTarget(items, -1, 'next'), 0, 'from nowhere, the first');
});

test('next unlabelled and next pre-label skip the others and never return the current item', () => {
  assert.equal(findTarget(items, 1, 'nextUnlabelled'), 4);
  assert.equal(findTarget(items, 4, 'nextUnlabelled'), 1);
  assert.equal(findTarget(items, 3, 'nextPrelabelled'), 2);
  assert.equal(findTarget(items, 2, 'nextPrelabelled'), undefined, 'the only pre-label is the current one');
  assert.equal(findTarget([], 0, 'next'), undefined);
});

test('status: a mask wins over a pre-label', () => {
  assert.equal(statusOf({ mask: 'm.png', prelabel: 'p.png' }), 'labelled');
  assert.equal(statusOf({ prelabel: 'p.png' }), 'prelabelled');
  assert.equal(statusOf({}), 'unlabelled');
});
