// The RateLimit field pairs the limiter appends: the right value, one frozen pair reused while the
// figures repeat (checked once by the response, nothing allocated), and a bounded cache.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileRules, rateLimitField } from '../../src/access/rate-limit.ts';
import { parseRateLimitRules } from '../../src/access/rate-limit-rules.ts';
import { pathGlobMatcher } from '../../src/static/cache-control.ts';

test('rateLimitField: the draft\'s value, the same frozen pair for the same figures, bounded', () => {
  const [rule] = compileRules([{ path: '/**', per: 'ip', rate: '100/min', burst: 100, name: 'api' }]);
  const a = rateLimitField(rule!, 99, 1);
  assert.deepEqual(a, ['RateLimit', '"api";r=99;t=1']);
  assert.ok(Object.isFrozen(a));
  assert.equal(rateLimitField(rule!, 99, 1), a, 'reused while the figures repeat');
  assert.notEqual(rateLimitField(rule!, 98, 2), a);
  assert.deepEqual(rateLimitField(rule!, 98, 2), ['RateLimit', '"api";r=98;t=2']);
  for (let r = 0; r < 5000; r++) rateLimitField(rule!, r, 7);
  assert.ok(rule!.fieldCache.size <= 1024, `${rule!.fieldCache.size} pairs kept`);
  // Figures too large to key are made fresh each time, and still right.
  assert.deepEqual(rateLimitField(rule!, 5e9, 1), ['RateLimit', '"api";r=5000000000;t=1']);
});

test('one glob meaning for cache_control, access and rate_limits; a bad glob names its own key', () => {
  const m = pathGlobMatcher('/api/**');
  assert.equal(m('/api'), true, 'the folder itself');
  assert.equal(m('/api/v1/x'), true);
  assert.equal(m('/apix'), false);
  assert.equal(pathGlobMatcher('*.zip')('/downloads/a.zip'), true, 'a pattern without "/" matches the base name');
  assert.equal(pathGlobMatcher('/**')('/anything/at/all'), true);
  const bad = parseRateLimitRules([{ path: '/a/{x', rate: '5/min' }]);
  assert.equal(bad.ok, false);
  if (!bad.ok) {
    assert.equal(bad.at, '[0].path');
    assert.doesNotMatch(bad.problem, /cache_control/);
    assert.match(bad.problem, /unclosed "\{"/);
  }
});
