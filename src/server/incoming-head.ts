// The head of a request as any protocol delivers it to Request: HTTP/1.1's parser produces one
// (RequestHead has these members), and an HTTP/2 stream can build one from its pseudo-header fields
// (:method, :path, :authority) and its field block. Request knows nothing else of the wire.

import type { TargetForm } from '../http1/target.ts';

export interface IncomingHead {
  readonly method: string;
  /** The request-target as received (HTTP/2: :path, or "*" for OPTIONS *). */
  readonly target: string;
  /** RFC 9112 §3.2's forms; HTTP/2 requests are origin-form or asterisk-form (RFC 9113 §8.3.1). */
  readonly targetForm: TargetForm;
  /** The protocol version as logs show it after "HTTP/": "1.0", "1.1", "2.0". */
  readonly httpVersion: string;
  /** Field lines as received: name, value, name, value, … */
  readonly rawHeaders: readonly string[];
  /** The body's length when known; -1 when it is not (chunked, HTTP/2 DATA without content-length); 0 for none. */
  readonly contentLength: number;
  /** The host the client addressed: Host in HTTP/1.1, :authority in HTTP/2 ('' when absent). */
  readonly host: string;
  /** The Expect field value, lower-cased, or '' when absent. */
  readonly expect: string;
  /** Whether the client lets the connection stay open after this request. */
  readonly keepAlive: boolean;
}
