// The per-turn clock: one value within a turn of the event loop, a fresh one in the next turn, so a
// request stamped after an idle wait never carries the time of an earlier turn.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as nextTurn, setTimeout as delay } from 'node:timers/promises';
import { loopNow } from '../../src/server/loop-clock.ts';

test('one clock value per turn of the event loop, read afresh in the next', async () => {
  const a = loopNow();
  const busyUntil = performance.now() + 5;
  while (performance.now() < busyUntil); // time passes within the turn
  assert.equal(loopNow(), a, 'the same value within one turn');
  await nextTurn();
  const b = loopNow();
  assert.ok(b >= a + 5, `a new turn reads the clock again (${b} after ${a})`);
  await delay(30); // an idle wait: the next read is not the value from before it
  const c = loopNow();
  assert.ok(c >= b + 25, `after an idle wait the clock has moved (${c} after ${b})`);
  assert.ok(Math.abs(c - performance.now()) < 20, 'and it is the current time');
});
