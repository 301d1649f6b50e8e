// An error that knows the response it should become. Thrown by handlers and middleware; rendered by
// the app's error handler. `expose` says whether `message` may be shown to the client.

export class HttpError extends Error {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly expose: boolean;

  constructor(status: number, message?: string, options: { headers?: Record<string, string>; expose?: boolean; cause?: unknown } = {}) {
    super(message ?? '', options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HttpError';
    this.status = status;
    this.headers = options.headers ?? {};
    this.expose = options.expose ?? status < 500;
  }
}

export function isHttpError(value: unknown): value is HttpError {
  return value instanceof HttpError;
}
