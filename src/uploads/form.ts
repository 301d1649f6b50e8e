// Request bodies for handlers: multipart/form-data (fields, and files as streams),
// application/x-www-form-urlencoded and JSON, each under named limits. A limit that is hit becomes
// a 413 whose message names the limit; a malformed body becomes a 400 that says what is wrong.
//
// Files are never held whole: each file part is a Readable the caller consumes (typically into
// saveUpload). The parser waits while that stream is full, and the request body waits with it, so
// memory stays at a few chunks however large the upload.

import { Readable } from 'node:stream';
import type { Request } from '../server/request.ts';
import { HttpError } from '../app/http-error.ts';
import { MultipartParser, type PartHeaders } from './multipart-parser.ts';
import { decodeCharset, parseFormDisposition, parseParameterized } from './content-disposition.ts';
import { UrlencodedParser } from './urlencoded.ts';

export interface FormLimits {
  /** Most parts (fields + files) in one form: max_form_parts. */
  maxFormParts: number;
  /** Largest field value in bytes: max_field_size. */
  maxFieldSize: number;
  /** Largest header block of one multipart part in bytes: max_part_header_size. */
  maxPartHeaderSize: number;
  /** Most files in one form: max_upload_files. */
  maxUploadFiles: number;
  /** Largest request body in bytes: max_upload_size. */
  maxUploadSize: number;
}

export const DEFAULT_FORM_LIMITS: Readonly<FormLimits> = {
  maxFormParts: 1000,
  maxFieldSize: 1024 * 1024,
  maxPartHeaderSize: 16 * 1024,
  maxUploadFiles: 20,
  maxUploadSize: 10 * 1024 * 1024,
};

export type LimitName = 'max_form_parts' | 'max_field_size' | 'max_part_header_size' | 'max_upload_files' | 'max_upload_size';

// Each message names the limit by its config key and gives its value, so the fix is obvious.
const LIMIT_TEXT: Readonly<Record<LimitName, (l: FormLimits) => string>> = {
  max_form_parts: (l) => `The form has more parts than max_form_parts (${l.maxFormParts})`,
  max_field_size: (l) => `A form field is larger than max_field_size (${l.maxFieldSize} bytes)`,
  max_part_header_size: (l) => `A form part's headers are larger than max_part_header_size (${l.maxPartHeaderSize} bytes, fixed)`,
  max_upload_files: (l) => `The form has more files than max_upload_files (${l.maxUploadFiles})`,
  max_upload_size: (l) => `The upload is larger than max_upload_size (${l.maxUploadSize} bytes)`,
};

/**
 * 413 naming the limit. It asks to close: the rest of a refused body is not worth reading. The
 * app's error handler renders it as the client asked (JSON or HTML), like every other error.
 */
export function limitError(limit: LimitName, limits: FormLimits): HttpError {
  return new HttpError(413, LIMIT_TEXT[limit](limits), { headers: { Connection: 'close' } });
}

export interface FormField {
  name: string;
  value: string;
}

export interface FilePart {
  /** The form field name. */
  field: string;
  /** The file name as sent (not sanitised; may hold a path); undefined when the part named none. */
  filename: string | undefined;
  /** The part's media type (RFC 7578 §4.4: text/plain when absent). */
  mimeType: string;
  headers: PartHeaders;
  /** The file's bytes. Consume it (or destroy it); the form waits while it is full. */
  stream: Readable;
}

export interface MultipartHandlers<T> {
  onField?(field: FormField): void;
  /** Consumes one file; its result is collected. Called in order, while the body is still arriving. */
  onFile(file: FilePart): Promise<T>;
}

export interface MultipartResult<T> {
  fields: FormField[];
  files: T[];
}

/** The media type and parameters of the request's Content-Type, or null without one. */
export function requestMediaType(req: Request): { type: string; params: Map<string, string> } | null {
  const header = req.header('content-type');
  if (header === undefined) return null;
  const parsed = parseParameterized(header, true);
  if ('error' in parsed) throw new HttpError(400, `Malformed Content-Type: ${parsed.error}`);
  return parsed;
}

/** RFC 2046 §5.1.1: boundary := 0*69<bchars> bcharsnospace — 1 to 70 characters. */
function boundaryOf(params: Map<string, string>): string {
  const boundary = params.get('boundary');
  if (boundary === undefined || boundary.length === 0 || boundary.length > 70) {
    throw new HttpError(400, 'multipart/form-data without a valid boundary parameter (RFC 2046 §5.1.1)');
  }
  return boundary;
}

function checkDeclaredLength(req: Request, limits: FormLimits): void {
  // Refuse before reading a byte (and before 100 Continue) when the length is known to be too big.
  if (req.contentLength > limits.maxUploadSize) {
    req.trace?.decide('upload-too-large', req.contentLength, limits.maxUploadSize);
    throw limitError('max_upload_size', limits);
  }
}

/** Converts a body-stream failure (client gone, bad chunking, timeout) into a 400 for the log. */
function bodyFailure(error: unknown): unknown {
  if (error instanceof HttpError) return error;
  const status = typeof (error as { status?: unknown }).status === 'number' ? (error as { status: number }).status : 400;
  return new HttpError(status, `The request body could not be read: ${(error as Error).message}`, { cause: error, headers: { Connection: 'close' } });
}

/**
 * An error answered while the body is still arriving also closes the connection (RFC 9112 §9.6):
 * reading on to the end of a refused body only to find the next request is not worth it.
 */
function closing(req: Request, error: unknown): unknown {
  if (!(error instanceof HttpError) || req.bodyComplete || 'Connection' in error.headers) return error;
  return new HttpError(error.status, error.message, { headers: { ...error.headers, Connection: 'close' }, expose: error.expose, cause: error.cause });
}

/**
 * Streams a multipart/form-data body: fields are collected, each file part is handed to onFile as a
 * stream. On any failure the file in progress is destroyed with the error (so its consumer can
 * remove what it wrote), every onFile is awaited, and the failure is thrown.
 */
export async function streamMultipart<T>(req: Request, limits: FormLimits, handlers: MultipartHandlers<T>): Promise<MultipartResult<T>> {
  const media = requestMediaType(req);
  if (media?.type !== 'multipart/form-data') throw new HttpError(415, 'Expected a multipart/form-data body');
  const boundary = boundaryOf(media.params);
  checkDeclaredLength(req, limits);

  const fields: FormField[] = [];
  const tasks: Array<Promise<T>> = [];
  let failure: unknown = null;
  let parts = 0;
  let files = 0;
  let file: Readable | null = null;
  let waitForRead: (() => void) | null = null;
  let field: { name: string; charset: string; chunks: Buffer[]; size: number } | null = null;
  const fail = (error: unknown): void => {
    failure ??= error;
  };
  const wake = (): void => {
    const w = waitForRead;
    waitForRead = null;
    w?.();
  };

  const parser = new MultipartParser(
    boundary,
    {
      onPartBegin: (headers) => {
        if (++parts > limits.maxFormParts) return fail(limitError('max_form_parts', limits));
        const dispositions = headers.filter((h) => h[0] === 'content-disposition');
        const types = headers.filter((h) => h[0] === 'content-type');
        // RFC 7578 §4.2: every part MUST carry one Content-Disposition; without it (or with two) we
        // cannot know which field the bytes belong to, and guessing would lose or misfile data.
        if (dispositions.length !== 1) return fail(new HttpError(400, `A form part has ${dispositions.length === 0 ? 'no' : 'more than one'} Content-Disposition header`));
        if (types.length > 1) return fail(new HttpError(400, 'A form part has more than one Content-Type header'));
        const disposition = parseFormDisposition(dispositions[0]![1]);
        if ('error' in disposition) return fail(new HttpError(400, `Malformed Content-Disposition in a form part: ${disposition.error}`));
        let mimeType = 'text/plain';
        let charset = 'utf-8';
        if (types.length === 1) {
          const ct = parseParameterized(types[0]![1], true);
          if ('error' in ct) return fail(new HttpError(400, `Malformed Content-Type in a form part: ${ct.error}`));
          mimeType = ct.type;
          charset = ct.params.get('charset')?.toLowerCase() ?? charset;
        }
        // A part is a file when it names one (RFC 7578 §4.2); an application/octet-stream part is
        // binary by declaration, so it is treated as a (nameless) file too, as busboy does.
        if (disposition.filename !== undefined || mimeType === 'application/octet-stream') {
          if (++files > limits.maxUploadFiles) return fail(limitError('max_upload_files', limits));
          const stream = new Readable({
            highWaterMark: 64 * 1024,
            read: wake,
          });
          // The form destroys this stream with the error when the body fails; a consumer that has
          // not attached its own listener yet (still awaiting something) must not turn that into an
          // uncaught exception. Consumers that listen still see the error.
          stream.on('error', noop);
          file = stream;
          const task = handlers.onFile({ field: disposition.name, filename: disposition.filename, mimeType, headers, stream });
          // A consumer that finishes or fails early must not leave the form waiting on it.
          task.then(wake, (error: unknown) => {
            fail(error);
            wake();
          });
          tasks.push(task);
        } else {
          field = { name: disposition.name, charset, chunks: [], size: 0 };
        }
      },
      onPartData: (chunk) => {
        if (failure !== null) return;
        if (file !== null) {
          file.push(chunk);
        } else if (field !== null) {
          field.size += chunk.length;
          if (field.size > limits.maxFieldSize) return fail(limitError('max_field_size', limits));
          field.chunks.push(chunk);
        }
      },
      onPartEnd: () => {
        if (file !== null) {
          file.push(null);
          file = null;
        } else if (field !== null) {
          const value = decodeCharset(Buffer.concat(field.chunks, field.size), field.charset) ?? Buffer.concat(field.chunks).toString('utf8');
          const f = { name: field.name, value };
          field = null;
          fields.push(f);
          handlers.onField?.(f);
        }
      },
      onEnd: () => undefined,
      onError: (error) => fail(error.code === 'PART_HEADER_TOO_LARGE' ? limitError('max_part_header_size', limits) : new HttpError(error.status, error.message)),
    },
    { maxPartHeaderBytes: limits.maxPartHeaderSize },
  );

  let total = 0;
  try {
    for await (const chunk of req.body as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > limits.maxUploadSize) fail(limitError('max_upload_size', limits));
      if (failure === null) parser.push(chunk);
      const current = file as Readable | null;
      if (failure === null && current !== null && current.readableLength >= current.readableHighWaterMark) {
        // The file's consumer is behind: take no more input until it reads (or finishes, or fails).
        // A file that already ended holds at most one chunk past its high-water mark: no wait.
        await new Promise<void>((resolve) => {
          waitForRead = resolve;
        });
      }
      if (failure !== null) throw failure;
    }
    parser.end();
    if (failure !== null) throw failure;
  } catch (error) {
    const err = closing(req, bodyFailure(error));
    (file as Readable | null)?.destroy(err instanceof Error ? err : new Error(String(err)));
    await Promise.allSettled(tasks);
    throw err;
  }
  const settled = await Promise.allSettled(tasks);
  const rejected = settled.find((s) => s.status === 'rejected');
  if (rejected !== undefined) throw (rejected as PromiseRejectedResult).reason;
  return { fields, files: settled.map((s) => (s as PromiseFulfilledResult<T>).value) };
}

function noop(): void {}

/** Reads an application/x-www-form-urlencoded body under the form limits. */
export async function readUrlencoded(req: Request, limits: FormLimits): Promise<FormField[]> {
  checkDeclaredLength(req, limits);
  const fields: FormField[] = [];
  let failure: HttpError | null = null;
  const parser = new UrlencodedParser(
    { onField: (name, value) => fields.push({ name, value }), onLimit: (limit) => (failure = limitError(limit, limits)) },
    { maxPairs: limits.maxFormParts, maxFieldBytes: limits.maxFieldSize },
  );
  let total = 0;
  try {
    for await (const chunk of req.body as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > limits.maxUploadSize) throw limitError('max_upload_size', limits);
      parser.push(chunk);
      if (failure !== null) throw failure;
    }
  } catch (error) {
    throw bodyFailure(error);
  }
  parser.end();
  if (failure !== null) throw failure;
  return fields;
}

/** Reads a JSON body (RFC 8259) no larger than max_upload_size. */
export async function readJson(req: Request, limits: FormLimits): Promise<unknown> {
  checkDeclaredLength(req, limits);
  let text: string;
  try {
    text = (await req.buffer(limits.maxUploadSize)).toString('utf8');
  } catch (error) {
    if (error instanceof HttpError && error.status === 413) throw limitError('max_upload_size', limits);
    throw bodyFailure(error);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new HttpError(400, `The request body is not valid JSON: ${(error as Error).message}`);
  }
}
