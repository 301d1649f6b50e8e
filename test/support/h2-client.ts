// A small promise layer over node:http2's client, for tests that talk to our HTTP/2 server the way a
// real client does (node:http2 is an independent implementation: nghttp2 underneath).

import { connect, type ClientHttp2Session, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http2';
import { execFile } from 'node:child_process';

export interface H2Response {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  trailers: IncomingHttpHeaders;
}

/** Connects over TLS (any certificate accepted) or, for an http:// URL, h2c with prior knowledge. */
export function h2connect(url: string): Promise<ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const session = connect(url, { rejectUnauthorized: false });
    session.once('connect', () => {
      session.off('error', reject);
      resolve(session);
    });
    session.once('error', reject);
  });
}

export function h2request(session: ClientHttp2Session, headers: OutgoingHttpHeaders, body?: Buffer | string): Promise<H2Response> {
  return new Promise((resolve, reject) => {
    const stream = session.request(headers, { endStream: body === undefined });
    let response: IncomingHttpHeaders = {};
    let trailers: IncomingHttpHeaders = {};
    const parts: Buffer[] = [];
    stream.on('response', (h) => (response = h));
    stream.on('trailers', (h) => (trailers = h));
    stream.on('data', (d: Buffer) => parts.push(d));
    stream.on('end', () => resolve({ status: Number(response[':status']), headers: response, body: Buffer.concat(parts), trailers }));
    stream.on('error', reject);
    if (body !== undefined) stream.end(body);
  });
}

export const h2get = (session: ClientHttp2Session, path: string, extra: OutgoingHttpHeaders = {}): Promise<H2Response> => h2request(session, { ':path': path, ...extra });

export function closeSession(session: ClientHttp2Session): Promise<void> {
  return new Promise((resolve) => {
    if (session.closed || session.destroyed) return resolve();
    session.close(() => resolve());
    setTimeout(() => {
      session.destroy();
      resolve();
    }, 2000).unref();
  });
}

/** Runs curl; resolves with its exit code and output (never rejects). */
export function curl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('curl', args, { encoding: 'utf8', timeout: 20_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr });
    });
  });
}
