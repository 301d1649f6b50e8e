// The stream state machine of RFC 9113 §5.1, server side, as an explicit (state, event) → outcome
// table. We never push, so the reserved states are unreachable and have no rows. A stream the table
// does not hold (idle, or closed and forgotten) is judged by the session from the stream id alone.
//
//                         recv HEADERS                  recv ES
//                 idle ───────────────────▶ open ─────────────────▶ half-closed (remote)
//                  │  recv HEADERS+ES        │ send ES                    │ send ES / any RST
//                  └─────────────────────────┼──────────────▶ half-closed │
//                                            │                 (local)    ▼
//                                            └─ any RST ────────────▶ closed ◀── recv ES (from local)

import type { ErrorCodeName } from './errors.ts';

export type StreamState = 'idle' | 'open' | 'half-closed-local' | 'half-closed-remote' | 'closed';

export type StreamEvent =
  | 'recv-headers' // a field block without END_STREAM
  | 'recv-headers-es' // a field block with END_STREAM
  | 'recv-data'
  | 'recv-data-es'
  | 'recv-rst'
  | 'send-headers'
  | 'send-es' // HEADERS or DATA with END_STREAM
  | 'send-rst';

/** The next state, or the error §5.1 says the frame is, and how far it reaches (§5.4). */
export type Transition =
  | { readonly next: StreamState }
  | { readonly error: 'stream' | 'connection'; readonly code: ErrorCodeName };

const to = (next: StreamState): Transition => ({ next }); // §5.1: a permitted transition
const streamError = (code: ErrorCodeName): Transition => ({ error: 'stream', code }); // §5.4.2
const connectionError = (code: ErrorCodeName): Transition => ({ error: 'connection', code }); // §5.4.1

type Row = Readonly<Record<StreamEvent, Transition>>;

const TABLE: Readonly<Record<StreamState, Row>> = {
  idle: {
    'recv-headers': to('open'),
    'recv-headers-es': to('half-closed-remote'),
    // §5.1 idle: "Receiving any frame other than HEADERS or PRIORITY on a stream in this state MUST
    // be treated as a connection error of type PROTOCOL_ERROR."
    'recv-data': connectionError('PROTOCOL_ERROR'),
    'recv-data-es': connectionError('PROTOCOL_ERROR'),
    'recv-rst': connectionError('PROTOCOL_ERROR'),
    // A server sends nothing on an idle stream (it would have to push).
    'send-headers': connectionError('INTERNAL_ERROR'),
    'send-es': connectionError('INTERNAL_ERROR'),
    'send-rst': to('closed'),
  },
  open: {
    // §8.1: a second field block without END_STREAM is neither trailers nor allowed: malformed.
    'recv-headers': streamError('PROTOCOL_ERROR'),
    'recv-headers-es': to('half-closed-remote'),
    'recv-data': to('open'),
    'recv-data-es': to('half-closed-remote'),
    'recv-rst': to('closed'),
    'send-headers': to('open'),
    'send-es': to('half-closed-local'),
    'send-rst': to('closed'),
  },
  'half-closed-local': {
    'recv-headers': streamError('PROTOCOL_ERROR'),
    'recv-headers-es': to('closed'),
    'recv-data': to('half-closed-local'),
    'recv-data-es': to('closed'),
    'recv-rst': to('closed'),
    'send-headers': connectionError('INTERNAL_ERROR'),
    'send-es': connectionError('INTERNAL_ERROR'),
    'send-rst': to('closed'),
  },
  'half-closed-remote': {
    // §5.1 half-closed (remote): "If an endpoint receives additional frames, other than
    // WINDOW_UPDATE, PRIORITY, or RST_STREAM, for a stream that is in this state, it MUST respond
    // with a stream error of type STREAM_CLOSED."
    'recv-headers': streamError('STREAM_CLOSED'),
    'recv-headers-es': streamError('STREAM_CLOSED'),
    'recv-data': streamError('STREAM_CLOSED'),
    'recv-data-es': streamError('STREAM_CLOSED'),
    'recv-rst': to('closed'),
    'send-headers': to('half-closed-remote'),
    'send-es': to('closed'),
    'send-rst': to('closed'),
  },
  closed: {
    // A closed stream still in the table: its request ended and our END_STREAM is out. §5.1 closed:
    // frames after END_STREAM "MAY" be a connection error STREAM_CLOSED; DATA is a stream error (§6.1).
    'recv-headers': connectionError('STREAM_CLOSED'),
    'recv-headers-es': connectionError('STREAM_CLOSED'),
    'recv-data': streamError('STREAM_CLOSED'),
    'recv-data-es': streamError('STREAM_CLOSED'),
    'recv-rst': to('closed'),
    'send-headers': connectionError('INTERNAL_ERROR'),
    'send-es': connectionError('INTERNAL_ERROR'),
    'send-rst': to('closed'),
  },
};

/** §5.1: what the event does to a stream in this state. */
export function transition(state: StreamState, event: StreamEvent): Transition {
  return TABLE[state][event];
}

/** §5.1: the remote side may still send DATA and trailers. */
export const remoteOpen = (s: StreamState): boolean => s === 'open' || s === 'half-closed-local';
/** We may still send HEADERS and DATA. */
export const localOpen = (s: StreamState): boolean => s === 'open' || s === 'half-closed-remote';
