// Shared helpers for the uploads tests: multipart bodies, our parser and busboy side by side, and a
// server with uploads on over a temporary document root.

import { mkdtemp, readdir, realpath, rm } from 'node:fs/promises';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import busboy from 'busboy';
import { createServer, type HttpServer } from '../../src/server/http-server.ts';
import type { Request } from '../../src/server/request.ts';
import { createSiteHandler, type SiteOptions } from '../../src/app/site.ts';
import { createConsoleLogger } from '../../src/log/logger.ts';
import { DEFAULT_FORM_LIMITS, streamMultipart, type FormLimits } from '../../src/uploads/form.ts';
import { HttpError } from '../../src/app/http-error.ts';

export interface PartSpec {
  headers: string[];
  data: Buffer;
}

/** Builds a multipart body: optional preamble, the parts, the close delimiter, optional epilogue. */
export function multipartBody(boundary: string, parts: PartSpec[], preamble = '', epilogue = ''): Buffer {
  const out: Buffer[] = [];
  if (preamble !== '') out.push(Buffer.from(`${preamble}\r\n`, 'latin1'));
  for (const [i, part] of parts.entries()) {
    out.push(Buffer.from(`${i === 0 ? '' : '\r\n'}--${boundary}\r\n${part.headers.map((h) => `${h}\r\n`).join('')}\r\n`, 'latin1'));
    out.push(part.data);
  }
  out.push(Buffer.from(`${parts.length === 0 ? '' : '\r\n'}--${boundary}--${epilogue === '' ? '' : `\r\n${epilogue}`}`, 'latin1'));
  return Buffer.concat(out);
}

export function fieldPart(name: string, value: string | Buffer): PartSpec {
  return { headers: [`Content-Disposition: form-data; name="${name}"`], data: typeof value === 'string' ? Buffer.from(value) : value };
}

export function filePart(name: string, filename: string, data: Buffer | string, type = 'application/octet-stream'): PartSpec {
  return {
    headers: [`Content-Disposition: form-data; name="${name}"; filename="${filename}"`, `Content-Type: ${type}`],
    data: typeof data === 'string' ? Buffer.from(data) : data,
  };
}

/** Cuts a buffer into chunks at the given sizes (cycled). */
export function chunked(body: Buffer, sizes: readonly number[]): Buffer[] {
  const out: Buffer[] = [];
  let pos = 0;
  let i = 0;
  while (pos < body.length) {
    const n = Math.max(1, sizes.length === 0 ? body.length : sizes[i++ % sizes.length]!);
    out.push(body.subarray(pos, pos + n));
    pos += n;
  }
  return out;
}

export interface ParsedFile {
  field: string | undefined;
  filename: string | undefined;
  data: Buffer;
}

export type Outcome =
  | { ok: true; fields: Array<[string | undefined, string]>; files: ParsedFile[] }
  | { ok: false; status: number; message: string };

/** busboy's basename rule (it strips directories from filenames by default). */
export function busboyBasename(name: string | undefined): string | undefined {
  if (name === undefined) return undefined;
  const cut = Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\'));
  const base = cut === -1 ? name : name.slice(cut + 1);
  return base === '.' || base === '..' ? '' : base;
}

/** Our form reader over a fake request fed with exactly these chunks. */
export async function parseOurs(contentType: string, chunks: Buffer[], limits: Partial<FormLimits> = {}): Promise<Outcome> {
  const req = {
    header: (name: string) => (name.toLowerCase() === 'content-type' ? contentType : undefined),
    contentLength: -1,
    body: Readable.from(chunks, { objectMode: false }),
  } as unknown as Request;
  try {
    const all = { ...DEFAULT_FORM_LIMITS, maxUploadFiles: 1e9, maxFormParts: 1e9, maxUploadSize: 1e12, ...limits };
    const result = await streamMultipart(req, all, {
      onFile: async (file) => {
        const parts: Buffer[] = [];
        for await (const c of file.stream as AsyncIterable<Buffer>) parts.push(c);
        return { field: file.field, filename: busboyBasename(file.filename), data: Buffer.concat(parts) };
      },
    });
    return { ok: true, fields: result.fields.map((f) => [f.name, f.value]), files: result.files };
  } catch (error) {
    if (error instanceof HttpError) return { ok: false, status: error.status, message: error.message };
    throw error;
  }
}

/** busboy (the oracle) over the same chunks; UTF-8 for parameters, as browsers send them. */
export function parseBusboy(contentType: string, chunks: Buffer[]): Promise<Outcome> {
  return new Promise((resolve) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({ headers: { 'content-type': contentType }, defParamCharset: 'utf8', limits: { fieldSize: Infinity } });
    } catch (error) {
      resolve({ ok: false, status: 0, message: (error as Error).message });
      return;
    }
    const fields: Array<[string | undefined, string]> = [];
    const files: Array<Promise<ParsedFile>> = [];
    let settled = false;
    const fail = (error: Error): void => {
      if (settled) return;
      settled = true;
      resolve({ ok: false, status: 0, message: error.message });
    };
    bb.on('field', (name, value) => fields.push([name, value]));
    bb.on('file', (name, stream, info) => {
      files.push(
        new Promise((done) => {
          const parts: Buffer[] = [];
          stream.on('data', (c: Buffer) => parts.push(c));
          stream.on('error', () => done({ field: name, filename: info.filename, data: Buffer.alloc(0) }));
          stream.on('end', () => done({ field: name, filename: info.filename, data: Buffer.concat(parts) }));
        }),
      );
    });
    bb.on('error', (e: Error) => fail(e));
    bb.on('close', () => {
      void Promise.all(files).then((f) => {
        if (settled) return;
        settled = true;
        resolve({ ok: true, fields, files: f });
      });
    });
    Readable.from(chunks, { objectMode: false }).pipe(bb);
  });
}

// ---- a server with uploads on ----

export interface UploadServer {
  server: HttpServer;
  logs: string[];
  port: number;
  base: string;
  root: string;
  close(): Promise<void>;
}

export async function startUploadServer(uploads: Partial<NonNullable<SiteOptions['uploads']>> = {}, engineMaxBody = 64 * 1024 * 1024, site: Partial<SiteOptions> = {}): Promise<UploadServer> {
  const root = await realpath(await mkdtemp(join(tmpdir(), 'httpcraft-uploads-')));
  // Errors the server logs (5xx, provoked 501s) are kept in `logs` rather than printed.
  const logs: string[] = [];
  const logger = createConsoleLogger('ERROR', new Writable({ write: (c: Buffer, _e, done) => done(void logs.push(c.toString())) }));
  const server = createServer({
    handler: createSiteHandler({ documentRoot: root, showHiddenFiles: false, followSymlinks: false, logger, ...site, uploads: { enabled: true, ...uploads } }),
    limits: { maxBodyBytes: engineMaxBody },
  });
  const address = (await server.listen({ host: '127.0.0.1', port: 0 })) as AddressInfo;
  return {
    server,
    logs,
    port: address.port,
    base: `http://127.0.0.1:${address.port}`,
    root,
    close: async () => {
      await server.close(1000);
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** Every entry under dir (recursively), relative, sorted: to prove nothing else was left behind. */
export async function listTree(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string, prefix: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      out.push(prefix + e.name + (e.isDirectory() ? '/' : ''));
      if (e.isDirectory()) await walk(join(d, e.name), `${prefix}${e.name}/`);
    }
  };
  await walk(dir, '');
  return out.sort();
}

export interface RawResponse {
  status: number;
  headers: Map<string, string>;
  body: string;
  raw: string;
}

/** Sends raw bytes, reads until the server closes (or `until` matches), returns the first response. */
export function rawExchange(port: number, data: Buffer | Buffer[], options: { endAfterSend?: boolean } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const got: Buffer[] = [];
    socket.on('data', (c: Buffer) => got.push(c));
    socket.on('error', () => undefined); // a reset after the response is fine; we parse what came
    socket.on('close', () => {
      const raw = Buffer.concat(got).toString('latin1');
      const headEnd = raw.indexOf('\r\n\r\n');
      if (headEnd === -1) return reject(new Error(`no response: ${JSON.stringify(raw)}`));
      const lines = raw.slice(0, headEnd).split('\r\n');
      const headers = new Map<string, string>();
      for (const l of lines.slice(1)) headers.set(l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim());
      resolve({ status: Number(lines[0]!.split(' ')[1]), headers, body: Buffer.from(raw.slice(headEnd + 4), 'latin1').toString('utf8'), raw });
    });
    const pieces = Array.isArray(data) ? data : [data];
    const writeAll = async (): Promise<void> => {
      for (const p of pieces) {
        if (socket.destroyed) return;
        if (!socket.write(p)) await new Promise((r) => socket.once('drain', r));
      }
      if (options.endAfterSend !== false) socket.end();
    };
    void writeAll();
  });
}
