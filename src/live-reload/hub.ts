// The server side of live reload in one process: the open client sockets, the messages they get,
// and the handler of the client script. Change batches come from a watcher in this process
// (single-process mode) or from the cluster primary over IPC (cluster.ts); either way notify().
//
// Messages (JSON text frames), server → client only:
//   {"type":"hello","server":"<instance id>"}            on connect
//   {"type":"change","paths":["/a.css"],"truncated":false} per batch of changes
// The instance id is the same in every worker of one cluster (the primary makes it), so a page that
// reconnects to another worker of the same server does not reload, and one that reconnects after
// a restart does.

import { createHash, randomUUID } from 'node:crypto';
import type { Request } from '../server/request.ts';
import type { Response } from '../server/response.ts';
import { PreparedFields } from '../server/response-wire.ts';
import { evaluateConditionals } from '../static/conditional.ts';
import type { ChangeBatch } from './batch.ts';
import { liveReloadClientScript } from './client-script.ts';
import { LIVE_RELOAD_SOCKET_PATH } from './paths.ts';
import { TreeWatcher, type WatchMode } from './watcher.ts';
import { broadcast } from '../websocket/broadcast.ts';
import type { WebSocket } from '../websocket/websocket.ts';
import type { ProtectedPaths } from '../static/protected-paths.ts';

/** Set by the process that starts the server (the cluster primary), inherited by its workers. */
export const LIVE_RELOAD_INSTANCE_ENV = 'HTTPCRAFT_LIVE_RELOAD_ID';

export interface LiveReloadHubOptions {
  /** The folder watch() watches (the document root, real path). */
  root: string;
  /** The server's own files: never watched nor reported. */
  protect?: ProtectedPaths | undefined;
  /** Default: $HTTPCRAFT_LIVE_RELOAD_ID, else a fresh random id. */
  instanceId?: string | undefined;
  /** Runs before the clients are told of a batch (the site forgets its cached copies of the files). */
  beforeNotify?: (() => void) | undefined;
  /** Field names (lower case) security_headers sets on every response: the script's own are left out. */
  omitFields?: readonly string[] | undefined;
}

/** A flat name, value list without the names in omit (one field of a name goes out: the configured one). */
function without(fields: string[], omit: readonly string[]): string[] {
  if (omit.length === 0) return fields;
  const out: string[] = [];
  for (let i = 0; i < fields.length; i += 2) if (!omit.includes(fields[i]!.toLowerCase())) out.push(fields[i]!, fields[i + 1]!);
  return out;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Which pages may open the live-reload socket (RFC 6455 §10.2: the server decides by Origin): a page
 * of this server (the Origin's host:port is the Host it connects to), or of any server on this
 * machine (a page of another dev server that loads the script by hand). A web site open in the same
 * browser may not, so it cannot learn which files are being edited. No Origin: not a browser; accepted.
 */
export function acceptsOrigin(origin: string | undefined, host: string | undefined): boolean {
  if (origin === undefined) return true;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false; // "null" (a sandboxed frame, a file: page) and anything unparsable
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  if (host !== undefined && url.host.toLowerCase() === host.toLowerCase()) return true;
  return LOOPBACK_HOSTS.has(url.hostname.toLowerCase()) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(url.hostname);
}

export class LiveReloadHub {
  readonly #clients = new Set<WebSocket>();
  readonly #hello: string;
  readonly instanceId: string;
  readonly #script: Buffer;
  readonly #scriptFields: PreparedFields;
  readonly #scriptFieldsSniff: PreparedFields;
  readonly #notModified: PreparedFields;
  readonly #scriptEtag: string;

  readonly #options: LiveReloadHubOptions;

  constructor(options: LiveReloadHubOptions) {
    this.#options = options;
    this.instanceId = options.instanceId ?? process.env[LIVE_RELOAD_INSTANCE_ENV] ?? randomUUID();
    this.#hello = JSON.stringify({ type: 'hello', server: this.instanceId });
    this.#script = Buffer.from(liveReloadClientScript(LIVE_RELOAD_SOCKET_PATH));
    this.#scriptEtag = `"${createHash('sha1').update(this.#script).digest('base64url').slice(0, 22)}"`;
    // no-cache: the script is tiny and revalidated (a 304), so a new server version's script is used at once.
    const omit = options.omitFields ?? [];
    this.#scriptFields = new PreparedFields(without(['Content-Type', 'text/javascript; charset=utf-8', 'Cache-Control', 'no-cache', 'ETag', this.#scriptEtag, 'Content-Length', String(this.#script.length)], omit));
    this.#scriptFieldsSniff = this.#scriptFields.concat(without(['X-Content-Type-Options', 'nosniff'], omit));
    this.#notModified = new PreparedFields(without(['Cache-Control', 'no-cache', 'ETag', this.#scriptEtag], omit));
  }

  /** Open client sockets. */
  get clients(): number {
    return this.#clients.size;
  }

  /** A client connected to the live-reload socket: greet it and keep it until it closes. */
  readonly accept = (ws: WebSocket): void => {
    this.#clients.add(ws);
    ws.on('close', () => this.#clients.delete(ws));
    void ws.send(this.#hello);
  };

  /** Tells every client that files changed. */
  notify(batch: ChangeBatch): void {
    this.#options.beforeNotify?.();
    if (this.#clients.size === 0) return;
    // One frame encoded once for every page (a slow page past its send limit is closed, not waited for).
    broadcast(this.#clients, JSON.stringify({ type: 'change', paths: batch.paths, truncated: batch.truncated }));
  }

  /**
   * Watches the root and notifies the clients of every batch of changes, in this process (a cluster
   * watches once, in the primary, and tells the workers: cluster.ts). Close the watcher to stop.
   */
  watch(options: { onWarning?: (message: string) => void; mode?: WatchMode } = {}): TreeWatcher {
    return new TreeWatcher({ root: this.#options.root, protect: this.#options.protect, onChange: (batch) => this.notify(batch), onWarning: options.onWarning, mode: options.mode });
  }

  /** GET/HEAD of the client script (revalidated with its ETag). */
  readonly serveScript = (req: Request, res: Response): void => {
    const ifNoneMatch = req.header('if-none-match');
    if (ifNoneMatch !== undefined && evaluateConditionals(req.method, { ifNoneMatch }, { etag: this.#scriptEtag, lastModifiedMs: 0 }) === 'not-modified') {
      res.sendPrepared(304, this.#notModified, null);
      return;
    }
    res.sendPrepared(200, res.hasHeader('X-Content-Type-Options') ? this.#scriptFields : this.#scriptFieldsSniff, this.#script);
  };
}
