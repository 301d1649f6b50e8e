// Test support for the exchange inspector: a site server whose status routes have a TraceHub, and
// a Server-Sent Events reader that collects the stream's events and waits for one.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type HttpServer } from '../../src/server/http-server.ts';
import { createSiteHandler } from '../../src/app/site.ts';
import { createConsoleLogger } from '../../src/log/logger.ts';
import { StatusRecorder } from '../../src/status/metrics.ts';
import type { StatusRouteOptions } from '../../src/status/status-routes.ts';
import { TraceHub } from '../../src/trace/trace-hub.ts';

export interface InspectorFixture {
  server: HttpServer;
  hub: TraceHub;
  port: number;
  base: string;
  close(): Promise<void>;
}

export async function startInspectorServer(status: Omit<StatusRouteOptions, 'recorder'> = {}, options: { http2Cleartext?: boolean; trace?: boolean } = {}): Promise<InspectorFixture> {
  const root = await mkdtemp(join(tmpdir(), 'httpcraft-inspector-'));
  await writeFile(join(root, 'index.html'), '<!doctype html><title>home</title><p>hello</p>\n');
  const hub = new TraceHub();
  const recorder = new StatusRecorder({ name: 'httpcraft-test', version: '9.8.7' });
  const site = createSiteHandler({
    documentRoot: root,
    showHiddenFiles: false,
    followSymlinks: false,
    logger: createConsoleLogger('ERROR', { write: () => true } as unknown as NodeJS.WritableStream),
    status: { recorder, ...(options.trace === false ? {} : { trace: hub }), ...status },
  });
  const server = createServer({ handler: site, trace: hub, ...(options.http2Cleartext === true ? { http2Cleartext: true } : {}) });
  recorder.attach(server);
  const address = (await server.listen({ host: '127.0.0.1', port: 0 })) as AddressInfo;
  return {
    server,
    hub,
    port: address.port,
    base: `http://127.0.0.1:${address.port}`,
    close: async () => {
      recorder.close();
      await server.close(200);
      await rm(root, { recursive: true, force: true });
    },
  };
}

export interface SseEvent {
  event: string;
  data: string;
}

/** A text/event-stream read as events (HTML §9.2.6, the subset the inspector sends). */
export class SseReader {
  readonly events: SseEvent[] = [];
  #buffer = '';
  #waiters = new Set<() => void>();

  push(text: string): void {
    this.#buffer += text;
    let end: number;
    while ((end = this.#buffer.indexOf('\n\n')) !== -1) {
      const block = this.#buffer.slice(0, end);
      this.#buffer = this.#buffer.slice(end + 2);
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('data: ')) data.push(line.slice(6));
      }
      if (data.length > 0) this.events.push({ event, data: data.join('\n') });
    }
    for (const w of this.#waiters) w();
  }

  /** The records streamed so far. */
  records<T = { id: string; target: string }>(): T[] {
    return this.events.filter((e) => e.event === 'exchange').map((e) => JSON.parse(e.data) as T);
  }

  waitFor<T>(find: (reader: SseReader) => T | undefined, timeoutMs = 5000): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const found = find(this);
        if (found === undefined) return;
        this.#waiters.delete(check);
        clearTimeout(timer);
        resolve(found);
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(new Error(`no such event within ${timeoutMs} ms; got: ${this.events.map((e) => e.event).join(', ')}`));
      }, timeoutMs);
      this.#waiters.add(check);
      check();
    });
  }
}

/** Opens the events stream with fetch; `close` aborts it. */
export async function openEvents(url: string): Promise<{ reader: SseReader; status: number; contentType: string | null; close(): void }> {
  const abort = new AbortController();
  const res = await fetch(url, { signal: abort.signal });
  const reader = new SseReader();
  const decoder = new TextDecoder();
  const body = res.body!.getReader();
  void (async () => {
    try {
      for (;;) {
        const { done, value } = await body.read();
        if (done) break;
        reader.push(decoder.decode(value, { stream: true }));
      }
    } catch {
      // aborted
    }
  })();
  return { reader, status: res.status, contentType: res.headers.get('content-type'), close: () => abort.abort() };
}

/** Polls `condition` every 20 ms until it holds (or throws after timeoutMs). */
export async function until(condition: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A raw connection that sends one request head and does not read until told (a slow client). */
export function rawConnection(port: number, head: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1' }, () => {
      socket.write(head);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}
