// The exchange inspector over HTTP: the page (inspector-page.ts) and its Server-Sent Events stream
// (HTML Living Standard §9.2, text/event-stream). Both sit behind the status page's access rule
// (status-routes.ts checks it before calling here). The stream is an ordinary streamed response,
// so it works the same over HTTP/1.1 (chunked) and HTTP/2 (DATA frames).
//
// Events: "hello" on connect ({held, limit}), "exchange" per record (a TraceRecord plus its curl
// line), "dropped" ({count}) when a slow client lost records, and a comment every 15 s.

import type { Request } from '../server/request.ts';
import type { Response } from '../server/response.ts';
import { HttpError } from '../app/http-error.ts';
import { pathOf } from '../trace/trace-filter.ts';
import { InspectorFeed, type FeedClient, type TraceSource } from './inspector-feed.ts';
import { INSPECTOR_CSP, renderInspector } from './inspector-page.ts';

export interface InspectorOptions {
  source: TraceSource;
  /** The page's path (server_status_path + "/inspector"); the stream is this + "/events". */
  path: string;
  serverName: string;
  /** The server is draining: streams end so that they do not hold the shutdown. */
  closing?: () => boolean;
}

export interface Inspector {
  readonly path: string;
  readonly eventsPath: string;
  readonly feed: InspectorFeed;
  page(req: Request, res: Response): void;
  events(req: Request, res: Response): void;
}

function noStore(res: Response): void {
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  // The URL may carry ?token=: never leak it through Referer (the page links to rfc-editor.org).
  res.setHeader('Referrer-Policy', 'no-referrer');
}

/** The response as the feed's client: written as the socket takes it, gone when the peer is. */
function streamClient(res: Response): FeedClient {
  return {
    write: (text) => res.write(text),
    drained: () => res.drained(),
    end: () => res.end(),
    get closed() {
      return res.aborted || res.finished;
    },
  };
}

export function createInspector(options: InspectorOptions): Inspector {
  const path = options.path;
  const eventsPath = `${path}/events`;
  // The inspector's own requests are noise: its page, and its stream (which completes, and so is
  // recorded, only when it closes).
  const ignore = (record: { target: string }): boolean => {
    const p = pathOf(record.target);
    return p === path || p === eventsPath;
  };
  const feed = new InspectorFeed({ source: options.source, ignore, ...(options.closing === undefined ? {} : { closing: options.closing }) });
  const html = renderInspector(options.serverName);

  return {
    path,
    eventsPath,
    feed,
    page(_req, res) {
      noStore(res);
      res.setHeader('Content-Security-Policy', INSPECTOR_CSP);
      res.setHeader('X-Frame-Options', 'DENY');
      res.send(200, html, 'text/html; charset=utf-8');
    },
    events(req, res) {
      if (feed.full) throw new HttpError(503, 'Too many inspectors are open; close one and retry', { headers: { 'Retry-After': '5' } });
      noStore(res);
      res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
      // A buffering reverse proxy (nginx) would hold the events back.
      res.setHeader('X-Accel-Buffering', 'no');
      if (req.method === 'HEAD') {
        res.writeHead(200).end();
        return;
      }
      feed.attach(streamClient(res));
    },
  };
}
