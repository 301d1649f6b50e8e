import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FileCache } from '../../src/static/file-cache.ts';

const opts = { maxEntries: 3, maxBytes: 100, maxAgeMs: 1000, maxEntryBytes: 50 };

test('evicts the least recently used entry past the entry bound', () => {
  const c = new FileCache<string>(opts);
  c.set('a', 'A', 1, 0);
  c.set('b', 'B', 1, 0);
  c.set('c', 'C', 1, 0);
  assert.equal(c.get('a', 1), 'A'); // a is now most recent
  c.set('d', 'D', 1, 1);
  assert.equal(c.get('b', 2), undefined);
  assert.equal(c.get('a', 2), 'A');
  assert.equal(c.stats().entries, 3);
  assert.equal(c.stats().evictions, 1);
});

test('evicts past the byte bound, refuses entries over the byte bound, admits by file size', () => {
  const c = new FileCache<string>(opts);
  c.set('a', 'A', 40, 0);
  c.set('b', 'B', 40, 0);
  c.set('c', 'C', 40, 0);
  assert.equal(c.get('a', 0), undefined);
  assert.equal(c.stats().bytes, 80);
  assert.equal(c.set('huge', 'H', 101, 0), false);
  assert.ok(c.admits(50));
  assert.ok(!c.admits(51));
});

test('entries expire after max age; resize re-applies the bounds', () => {
  const c = new FileCache<string>(opts);
  c.set('a', 'A', 10, 0);
  assert.equal(c.get('a', 999), 'A');
  assert.equal(c.get('a', 1000), undefined);
  c.set('x', 'X', 10, 0);
  c.set('y', 'Y', 10, 0);
  c.resize('x', 95);
  assert.equal(c.get('y', 1), undefined, 'growing x evicted y');
  assert.equal(c.get('x', 1), 'X');
  c.resize('x', 200);
  assert.equal(c.get('x', 1), undefined, 'an entry grown past the bound is dropped');
});

test('hit and miss counters and hit rate', () => {
  const c = new FileCache<string>(opts);
  c.recordMiss();
  c.recordHit();
  c.recordHit();
  c.recordHit();
  const s = c.stats();
  assert.equal(s.hits, 3);
  assert.equal(s.misses, 1);
  assert.equal(s.hitRate, 0.75);
});

test('a zero entry bound disables the cache', () => {
  const c = new FileCache<string>({ ...opts, maxEntries: 0 });
  assert.ok(!c.admits(1));
  assert.equal(c.set('a', 'A', 1), false);
});

test('deleteIf removes a key only while it holds the given value', () => {
  const c = new FileCache<{ v: number }>({ maxEntries: 10, maxBytes: 1000, maxAgeMs: 0, maxEntryBytes: 1000 });
  const stale = { v: 1 };
  const fresh = { v: 2 };
  c.set('a', stale, 10);
  c.set('a', fresh, 20); // refilled meanwhile
  c.deleteIf('a', stale);
  assert.equal(c.get('a'), fresh, 'the fresh value stays');
  assert.equal(c.bytes, 20);
  c.deleteIf('a', fresh);
  assert.equal(c.get('a'), undefined);
  assert.equal(c.bytes, 0);
});
