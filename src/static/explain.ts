// What the trace says about a file's response (src/trace/decisions.ts): which coding was chosen and
// why, and what the preconditions decided. Called only while someone watches (req.trace non-null),
// so the work of finding the reason again is never on an unwatched request's path.

import type { ExchangeTrace } from '../trace/exchange-trace.ts';
import type { Request } from '../server/request.ts';
import { codingWeight, siblingSuffix, type Coding } from '../middleware/compression.ts';
import { evaluateConditionals, type ConditionalHeaders, type ConditionalOutcome, type Validators } from './conditional.ts';
import { typeInfoFor } from './mime.ts';
import { pathText } from './fs-path.ts';
import type { FileEntry } from './representation.ts';

export interface CompressionSettings {
  enabled: boolean;
  minSize: number;
}

/** The content coding decision: a precompressed sibling, compression on the fly, or identity with its reason. */
export function explainCoding(trace: ExchangeTrace, req: Request, entry: FileEntry, coding: Coding | 'identity', ranged: boolean, compression: CompressionSettings | undefined): void {
  const accept = req.header('accept-encoding');
  if (coding !== 'identity') {
    const q = codingWeight(accept, coding);
    const file = pathText(entry.filePath);
    if (entry.siblings[coding] !== undefined) trace.decide('precompressed', coding, file.slice(file.lastIndexOf('/') + 1) + siblingSuffix(coding), q);
    else trace.decide('gzip', coding, q, entry.contentType.split(';')[0]!, compression?.minSize ?? 0);
    return;
  }
  if (entry.negotiable.length > 0) {
    // §14.2 and §8.4: offsets of a partial response are offsets into the identity bytes.
    if (ranged) trace.decide('identity', 'a Range request is answered from the uncompressed bytes');
    else if (accept === undefined) trace.decide('identity', 'the request has no Accept-Encoding');
    else trace.decide('identity', `the client refused ${entry.negotiable.join(' and ')} (Accept-Encoding: ${accept})`);
    return;
  }
  if (compression !== undefined && !compression.enabled) trace.decideFrom('config enable_compression', 'identity', 'compression is off (enable_compression false)');
  else if (!typeInfoFor(pathText(entry.filePath)).compressible) trace.decide('identity', `${entry.contentType.split(';')[0]!} is not a compressible type`);
  else if (compression !== undefined && entry.identity.size < compression.minSize) trace.decideFrom('config compression_min_size', 'identity', `${entry.identity.size} bytes is less than compression_min_size ${compression.minSize}`);
  else trace.decide('identity', 'no compressed form of this page is available');
}

/** What the precondition fields decided (RFC 9110 §13.2.2), naming the field that decided it. */
export function explainConditionals(trace: ExchangeTrace, method: string, h: ConditionalHeaders, v: Validators, outcome: ConditionalOutcome): void {
  if (outcome === 'not-modified') {
    trace.decide(h.ifNoneMatch !== undefined ? 'not-modified-etag' : 'not-modified-date');
  } else if (outcome === 'precondition-failed') {
    // Step 1 alone (If-Match, else If-Unmodified-Since) failing names that field; else it was If-None-Match.
    const step1 = evaluateConditionals(method, { ifMatch: h.ifMatch, ifUnmodifiedSince: h.ifUnmodifiedSince }, v) === 'precondition-failed';
    if (!step1) trace.decideFrom('RFC 9110 §13.1.2', 'precondition-failed', 'If-None-Match');
    else if (h.ifMatch !== undefined) trace.decide('precondition-failed', 'If-Match');
    else trace.decideFrom('RFC 9110 §13.1.4', 'precondition-failed', 'If-Unmodified-Since');
  } else if (h.ifNoneMatch !== undefined) {
    trace.decide('etag-no-match');
  }
}
