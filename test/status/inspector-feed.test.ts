// The inspector's stream logic without sockets: subscribe only while a client is connected, the
// ring a new client is given, a slow client's bounded backlog and its "dropped" notice, keep-alive,
// shutdown; and the cluster relay (primary and worker halves) with fake channels.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InspectorFeed, KEEP_ALIVE_MS, type FeedClient } from '../../src/status/inspector-feed.ts';
import { RecordRing } from '../../src/trace/record-ring.ts';
import { TraceHub } from '../../src/trace/trace-hub.ts';
import { TraceRelay, type RelayPeer } from '../../src/cluster/trace-relay.ts';
import { clusterTraceSource } from '../../src/cluster/worker-trace.ts';
import type { TraceRecord } from '../../src/trace/exchange-trace.ts';
import type { WorkerToPrimary } from '../../src/cluster/ipc.ts';
import { record } from '../trace/inspector-fixtures.ts';

class FakeClient implements FeedClient {
  text = '';
  closed = false;
  ended = false;
  /** write() returns false once this many characters were written (a full socket). */
  room = Infinity;
  #drain: (() => void) | null = null;
  write(text: string): boolean {
    this.text += text;
    return this.text.length < this.room;
  }
  drained(): Promise<void> {
    return new Promise((resolve) => (this.#drain = resolve));
  }
  end(): void {
    this.ended = true;
  }
  /** The peer read everything: room for more. */
  drain(room = Infinity): void {
    this.room = room;
    const d = this.#drain;
    this.#drain = null;
    d?.();
  }
  events(name: string): unknown[] {
    return [...this.text.matchAll(new RegExp(`event: ${name}\\ndata: (.*)\\n\\n`, 'g'))].map((m) => JSON.parse(m[1]!));
  }
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

test('RecordRing keeps the last N, oldest first', () => {
  const ring = new RecordRing<number>(3);
  for (let i = 1; i <= 5; i++) ring.push(i);
  assert.deepEqual(ring.items(), [3, 4, 5]);
  assert.equal(ring.size, 3);
  ring.clear();
  assert.deepEqual(ring.items(), []);
  assert.throws(() => new RecordRing(0), RangeError);
});

test('the feed subscribes with the first client, unsubscribes with the last, and lets the ring go', () => {
  const hub = new TraceHub();
  const feed = new InspectorFeed({ source: hub, timer: false });
  assert.equal(hub.watching, false);
  const a = new FakeClient();
  const b = new FakeClient();
  feed.attach(a);
  assert.equal(hub.watching, true);
  hub.deliver(record({ id: '1' }));
  feed.attach(b);
  assert.equal(hub.subscribers, 1, 'one subscription however many clients');
  // b was given the held record, then both get new ones.
  hub.deliver(record({ id: '2' }));
  assert.deepEqual(a.events('exchange').map((r) => (r as TraceRecord).id), ['1', '2']);
  assert.deepEqual(b.events('exchange').map((r) => (r as TraceRecord).id), ['1', '2']);
  assert.deepEqual(b.events('hello'), [{ held: 1, limit: 200 }]);
  feed.detach(a);
  assert.equal(hub.watching, true);
  b.closed = true;
  feed.tick();
  assert.equal(hub.watching, false);
  assert.equal(feed.stats().held, 0);
  // The next client starts from nothing: nothing was recorded meanwhile.
  const c = new FakeClient();
  feed.attach(c);
  assert.deepEqual(c.events('hello'), [{ held: 0, limit: 200 }]);
  feed.closeAll();
  assert.equal(c.ended, true);
  assert.equal(hub.watching, false);
});

test('each record carries its curl line; ignored records (the inspector\'s own) are not shown', () => {
  const hub = new TraceHub();
  const feed = new InspectorFeed({ source: hub, timer: false, ignore: (r) => r.target.startsWith('/server-status/inspector') });
  const a = new FakeClient();
  feed.attach(a);
  hub.deliver(record({ id: '1', target: '/server-status/inspector/events' }));
  hub.deliver(record({ id: '2', target: '/x' }));
  const shown = a.events('exchange') as Array<TraceRecord & { curl: string }>;
  assert.deepEqual(shown.map((r) => r.id), ['2']);
  assert.equal(shown[0]!.curl, 'curl http://localhost:8000/x');
  feed.closeAll();
});

test('the ring holds the last 200; a new client gets them in order', () => {
  const hub = new TraceHub();
  const feed = new InspectorFeed({ source: hub, timer: false });
  feed.attach(new FakeClient());
  for (let i = 1; i <= 250; i++) hub.deliver(record({ id: String(i) }));
  const late = new FakeClient();
  feed.attach(late);
  const ids = late.events('exchange').map((r) => Number((r as TraceRecord).id));
  assert.equal(ids.length, 200);
  assert.equal(ids[0], 51);
  assert.equal(ids[199], 250);
  feed.closeAll();
});

test('a slow client: its backlog stays within the byte bound, the oldest are dropped and counted, then it is told', async () => {
  const hub = new TraceHub();
  const feed = new InspectorFeed({ source: hub, timer: false, queueBytes: 20_000 });
  const slow = new FakeClient();
  const fast = new FakeClient();
  slow.room = 1; // full after the first write
  feed.attach(slow);
  feed.attach(fast);
  const big = 'x'.repeat(1000);
  for (let i = 1; i <= 500; i++) {
    hub.deliver(record({ id: String(i), target: `/${big}` }));
    assert.ok(feed.stats().queuedBytes <= 20_000, `queued ${feed.stats().queuedBytes}`);
  }
  const stats = feed.stats();
  assert.ok(stats.dropped > 400, `dropped ${stats.dropped}`);
  assert.equal(fast.events('exchange').length, 500, 'a fast client is not held back');
  const before = slow.text.length;
  assert.ok(before < 1000, 'the slow client got the hello only');
  slow.drain();
  await tick();
  const dropped = slow.events('dropped') as Array<{ count: number }>;
  assert.equal(dropped.length, 1);
  const got = slow.events('exchange') as TraceRecord[];
  assert.equal(dropped[0]!.count + got.length, 500);
  assert.equal(got.at(-1)!.id, '500', 'the newest are kept');
  assert.equal(feed.stats().queuedBytes, 0);
  feed.closeAll();
});

test('keep-alive comments on a quiet stream; shutdown ends every stream and stops the recording', () => {
  const hub = new TraceHub();
  let closing = false;
  const feed = new InspectorFeed({ source: hub, timer: false, closing: () => closing });
  const a = new FakeClient();
  const t0 = 1_000_000;
  feed.attach(a, t0);
  feed.tick(t0 + 1000);
  assert.doesNotMatch(a.text, /: keep-alive/);
  feed.tick(t0 + KEEP_ALIVE_MS);
  assert.match(a.text, /\n: keep-alive\n\n$/);
  closing = true;
  feed.tick(t0 + KEEP_ALIVE_MS + 1000);
  assert.equal(a.ended, true);
  assert.equal(hub.watching, false);
});

test('at most maxClients at once', () => {
  const feed = new InspectorFeed({ source: new TraceHub(), timer: false, maxClients: 2 });
  assert.equal(feed.attach(new FakeClient()), true);
  assert.equal(feed.attach(new FakeClient()), true);
  assert.equal(feed.full, true);
  assert.equal(feed.attach(new FakeClient()), false);
  feed.closeAll();
});

function peer(key: number, slot: number): RelayPeer & { got: unknown[] } {
  const got: unknown[] = [];
  return { key, slot, got, send: (m) => got.push(m) };
}

test('relay (primary): the first watcher turns recording on everywhere, the last off; a later worker learns; ids get the slot', async () => {
  const relay = new TraceRelay();
  const w1 = peer(11, 1);
  const w2 = peer(12, 2);
  relay.joined(w1);
  relay.joined(w2);
  assert.deepEqual(w1.got, []);
  relay.watch(w1, true);
  assert.deepEqual(w1.got, [{ type: 'httpcraft:trace-recording', on: true }]);
  assert.deepEqual(w2.got, [{ type: 'httpcraft:trace-recording', on: true }]);
  relay.records(w2, [record({ id: '7', worker: 2 })]);
  relay.records(w1, [record({ id: '7', worker: 1 })]);
  // A replacement of worker 2 counts from 1 again: the ids stay unique.
  relay.records(peer(14, 2), [record({ id: '7', worker: 2 })]);
  await tick();
  // Only the watching worker gets the records, in one batch, with unique ids.
  const relayed = w1.got.filter((m) => (m as { type: string }).type === 'httpcraft:trace-relay') as Array<{ records: TraceRecord[] }>;
  assert.equal(relayed.length, 1);
  assert.deepEqual(relayed[0]!.records.map((r) => r.id), ['w2-1', 'w1-2', 'w2-3']);
  assert.equal(w2.got.length, 1);
  // A replacement for slot 2 is told to record at once.
  relay.left(12);
  const w2b = peer(13, 2);
  relay.joined(w2b);
  assert.deepEqual(w2b.got, [{ type: 'httpcraft:trace-recording', on: true }]);
  // A second watcher gets the history the first has seen.
  relay.watch(w2b, true);
  assert.deepEqual((w2b.got[1] as unknown as { records: TraceRecord[] }).records.map((r) => r.id), ['w2-1', 'w1-2', 'w2-3']);
  assert.deepEqual(relay.watchingSlots, [1, 2]);
  relay.watch(w1, false);
  assert.equal(relay.recording, true);
  relay.left(13); // the other watcher's worker exits: nobody watches
  assert.equal(relay.recording, false);
  assert.deepEqual(w1.got.at(-1), { type: 'httpcraft:trace-recording', on: false });
  // Late records after "off" are dropped.
  relay.records(w1, [record()]);
  await tick();
  assert.equal(w1.got.filter((m) => (m as { type: string }).type === 'httpcraft:trace-relay').length, 1);
});

test('relay (worker): subscribing asks the primary to watch; recording follows the primary; relayed records reach the sinks', async () => {
  const listeners: Array<(m: unknown) => void> = [];
  const sent: WorkerToPrimary[] = [];
  const channel = { on: (_e: 'message', l: (m: unknown) => void) => listeners.push(l), send: (m: WorkerToPrimary) => sent.push(m) };
  const fromPrimary = (m: unknown): void => listeners.forEach((l) => l(m));
  const hub = new TraceHub();
  const source = clusterTraceSource(hub, channel);
  const seen: string[] = [];
  const stop = source.subscribe((r) => seen.push(r.id));
  assert.deepEqual(sent, [{ type: 'httpcraft:trace-watch', watching: true }]);
  assert.equal(hub.watching, false, 'the hub records only when the primary says so');
  fromPrimary({ type: 'httpcraft:trace-recording', on: true });
  assert.equal(hub.watching, true);
  hub.deliver(record({ id: '3' }));
  hub.deliver(record({ id: '4' }));
  await tick();
  assert.deepEqual(sent[1], { type: 'httpcraft:trace-record', records: [record({ id: '3' }), record({ id: '4' })] });
  fromPrimary({ type: 'httpcraft:trace-relay', records: [record({ id: 'w1-3' }), record({ id: 'w2-9' })] });
  assert.deepEqual(seen, ['w1-3', 'w2-9'], 'the inspector sees the merged stream, not the hub directly');
  stop();
  assert.deepEqual(sent.at(-1), { type: 'httpcraft:trace-watch', watching: false });
  fromPrimary({ type: 'httpcraft:trace-recording', on: false });
  assert.equal(hub.watching, false);
});
