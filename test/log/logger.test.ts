// The logger: levels, text/JSON styles, colors only when asked, routing between console and file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createLogger } from '../../src/log/logger.ts';
import { RotatingFile } from '../../src/log/rotating-file.ts';
import { shouldColor } from '../../src/log/colors.ts';
import type { AccessEntry } from '../../src/log/formats.ts';
import { tempDir } from '../support/config-helpers.ts';

const T = Date.UTC(2026, 10, 25, 12, 0, 0);
const ENTRY: AccessEntry = { remoteAddress: '127.0.0.1', user: '-', time: T, method: 'GET', target: '/', httpVersion: '1.1', status: 404, bytes: 9, referer: undefined, userAgent: 'curl/8', durationMs: 2 };

function sink(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.setEncoding('utf8').on('data', (s: string) => (text += s));
  return { stream, text: () => text };
}

test('levels below log_level are dropped', async () => {
  const out = sink();
  const log = createLogger({ level: 'WARNING', console: out.stream, now: () => T });
  log.debug('d');
  log.info('i');
  log.warn('w');
  log.error('e', new Error('boom'));
  await log.flush();
  const lines = out.text().trimEnd().split('\n').filter((l) => !l.startsWith('    '));
  assert.equal(lines.length, 2, 'stack lines are indented continuations');
  assert.equal(lines[0], '2026-11-25T12:00:00.000Z WARNING w');
  assert.match(lines[1]!, /^2026-11-25T12:00:00\.000Z ERROR {3}e: Error: boom/);
});

test('json style: events and access lines are JSON objects', async () => {
  const out = sink();
  const log = createLogger({ level: 'DEBUG', format: 'json', console: out.stream, now: () => T });
  log.debug('starting');
  log.access(ENTRY);
  await log.flush();
  const [event, access] = out.text().trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(event, { time: '2026-11-25T12:00:00.000Z', type: 'event', level: 'DEBUG', message: 'starting' });
  assert.equal(access?.type, 'access');
  assert.equal(access?.duration_ms, 2);
});

test('colors: level names and status codes only, and only when enabled', async () => {
  const plain = sink();
  const colored = sink();
  for (const [s, color] of [[plain, false], [colored, true]] as const) {
    const log = createLogger({ console: s.stream, color, now: () => T, format: 'combined' });
    log.info('hello');
    log.access(ENTRY);
    await log.flush();
  }
  assert.ok(!plain.text().includes('\x1b['));
  const [info, access] = colored.text().trimEnd().split('\n');
  assert.equal(info, '2026-11-25T12:00:00.000Z \x1b[32mINFO   \x1b[39m hello');
  assert.match(access!, /"GET \/ HTTP\/1\.1" \x1b\[33m404\x1b\[39m 9 "-" "curl\/8"$/);
  // Without the escapes the line is the plain one.
  assert.equal(access!.replace(/\x1b\[\d+m/g, ''), plain.text().trimEnd().split('\n')[1]);
});

test('shouldColor needs a TTY, the setting, and a terminal that is not dumb', () => {
  assert.equal(shouldColor(true, { isTTY: true }, {}), true);
  assert.equal(shouldColor(false, { isTTY: true }, {}), false);
  assert.equal(shouldColor(true, { isTTY: false }, {}), false);
  assert.equal(shouldColor(true, {}, {}), false);
  assert.equal(shouldColor(true, { isTTY: true }, { TERM: 'dumb' }), false);
});

test('with a log file: everything to the file, warnings and errors also to stderr', async (t) => {
  const dir = await tempDir(t, 'httpcraft-log-');
  const out = sink();
  const err = sink();
  const file = new RotatingFile({ path: join(dir, 'server.log'), maxBytes: 0, daily: false, keep: 1, compress: false });
  const log = createLogger({ console: out.stream, errorConsole: err.stream, file, now: () => T });
  log.info('up');
  log.access(ENTRY);
  log.warn('careful');
  await log.close();
  assert.equal(out.text(), '');
  assert.equal(err.text(), '2026-11-25T12:00:00.000Z WARNING careful\n');
  const lines = (await readFile(join(dir, 'server.log'), 'utf8')).split('\n');
  assert.equal(lines[0], '2026-11-25T12:00:00.000Z INFO    up');
  assert.match(lines[1]!, /^127\.0\.0\.1 - - \[25\/Nov\/2026:\d\d:\d\d:00 [+-]\d{4}\] "GET \/ HTTP\/1\.1" 404 9$/);
  assert.equal(lines[2], '2026-11-25T12:00:00.000Z WARNING careful');
});

/** A stream that counts its writes; `tty` makes it look like a terminal. */
function countingSink(tty: boolean): { stream: PassThrough; writes: () => number; text: () => string } {
  const stream = new PassThrough();
  if (tty) (stream as unknown as { isTTY: boolean }).isTTY = true;
  let writes = 0;
  const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
  // Empty writes are flush()'s "tell me when you have taken everything", not lines.
  (stream as unknown as { write: (...args: unknown[]) => boolean }).write = (...args: unknown[]) => ((args[0] as { length: number }).length > 0 && writes++, write(...args));
  let text = '';
  stream.setEncoding('utf8').on('data', (s: string) => (text += s));
  return { stream, writes: () => writes, text: () => text };
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test('consoleBatchMs (the CLI, stdout not a terminal): lines of many loop turns go out in one write, within about 50 ms', async () => {
  const out = countingSink(false);
  const log = createLogger({ console: out.stream, consoleBatchMs: 50, now: () => T });
  for (let i = 0; i < 20; i++) {
    log.access(ENTRY);
    await turn();
  }
  assert.equal(out.writes(), 0, 'nothing written while the batch gathers');
  await new Promise((resolve) => setTimeout(resolve, 120));
  assert.equal(out.writes(), 1, 'one write for the twenty lines');
  assert.equal(out.text().split('\n').length - 1, 20);
});

test('no consoleBatchMs (the default; the CLI on a terminal): each loop turn writes what it logged', async () => {
  const out = countingSink(true);
  const log = createLogger({ console: out.stream, now: () => T });
  for (let i = 0; i < 3; i++) {
    log.access(ENTRY);
    log.access(ENTRY);
    await turn();
    await turn();
  }
  assert.equal(out.writes(), 3, 'one write per turn, two lines each');
  assert.equal(out.text().split('\n').length - 1, 6);
});

test('consoleBatchMs: a filled 64 KiB chunk goes out at the end of the turn, not after the timer', async () => {
  const out = countingSink(false);
  const log = createLogger({ console: out.stream, consoleBatchMs: 50, now: () => T });
  const long = { ...ENTRY, target: '/' + 'a'.repeat(1000) };
  for (let i = 0; i < 80; i++) log.access(long); // ~82 KB: more than one chunk
  await turn();
  assert.ok(out.writes() >= 1, 'written without waiting for the 50 ms timer');
  assert.equal(out.text().split('\n').length - 1, 80, 'the partly filled chunk goes with it');
  await log.flush();
});

test('consoleBatchMs: flush() writes a gathering batch at once', async () => {
  const out = countingSink(false);
  const log = createLogger({ console: out.stream, consoleBatchMs: 50, now: () => T });
  log.access(ENTRY);
  await log.flush();
  assert.equal(out.text().split('\n').length - 1, 1);
});
