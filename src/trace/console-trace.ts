// `--trace`: one exchange as a learner wants to read it. The request head and the response head as
// the bytes that crossed the wire, with every control character made visible (a line shows its own
// "\r\n"; a bare CR, a NUL or a tab cannot hide), the body in brief, when each part happened, and
// the decisions that shaped the response with the rule behind each. The layout is documented in
// docs/trace.md and fixed by a golden test (test/trace/console-trace.test.ts).

import { plain, statusStyle, type Paint } from '../log/colors.ts';
import { reasonPhrase } from '../http1/status.ts';
import type { TraceRecord } from './exchange-trace.ts';
import type { FrameRecord } from './trace-hub.ts';

/** A byte as a learner should see it: printable ASCII as itself, anything else escaped. */
function visibleChar(code: number): string {
  if (code === 0x0d) return '\\r';
  if (code === 0x0a) return '\\n';
  if (code === 0x09) return '\\t';
  if (code === 0x00) return '\\0';
  if (code === 0x5c) return '\\\\';
  if (code < 0x20 || code >= 0x7f) return `\\x${code.toString(16).padStart(2, '0')}`;
  return String.fromCharCode(code);
}

/** Text (bytes as latin1) with control characters escaped: "\r\n" stays visible. */
export function visibleBytes(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    out += code >= 0x20 && code < 0x7f && code !== 0x5c ? text[i]! : visibleChar(code);
  }
  return out;
}

/** The lines of a head, each ending where its LF was, each LF kept visible as "\n" with what preceded it. */
function headLines(text: string): string[] {
  const lines: string[] = [];
  let at = 0;
  while (at < text.length) {
    const lf = text.indexOf('\n', at);
    const end = lf === -1 ? text.length : lf + 1;
    lines.push(visibleBytes(text.slice(at, end)));
    at = end;
  }
  return lines;
}

function hex(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) out += (i === 0 ? '' : ' ') + text.charCodeAt(i).toString(16).padStart(2, '0');
  return out;
}

function ms(value: number): string {
  return value < 0 ? '—' : `${value.toFixed(2)} ms`;
}

/** One exchange, as text lines ending in "\n". `paint` colors it for a terminal. */
export function formatExchange(r: TraceRecord, paint: Paint = plain): string {
  const out: string[] = [];
  const where = r.protocol === 'h2' ? `h2 stream ${r.stream}` : r.protocol;
  const worker = r.worker > 0 ? `worker ${r.worker}, ` : '';
  out.push(paint('bold', `── #${r.id} ${r.method} ${visibleBytes(r.target)} → ${r.status} ${reasonPhrase(r.status)}`) + paint('gray', `  (${worker}${where}, connection ${r.connection}, from ${r.remote})`));
  const isH2 = r.protocol === 'h2';
  // Over HTTP/2 the heads are fields (their bytes are the HPACK blocks in the frame list).
  out.push(paint('cyan', isH2 ? '→ request fields, HPACK decoded' : `→ request head, ${r.requestHead.length} bytes`));
  for (const line of headLines(r.requestHead)) out.push(`  ${paint('cyan', line)}`);
  const style = statusStyle(r.status);
  if (r.responseHead === '') out.push(paint(style, '← no response head was sent'));
  else {
    out.push(paint(style, isH2 ? '← response fields, before HPACK encoding' : `← response head, ${r.responseHead.length} bytes`));
    for (const line of headLines(r.responseHead)) out.push(`  ${paint(style, line)}`);
  }
  if (r.responseBodyBytes === 0) out.push('  body: none');
  else {
    const type = r.contentType === '' ? 'no Content-Type' : r.contentType;
    out.push(`  body: ${r.responseBodyBytes} bytes, ${type}`);
    out.push(`    first ${r.bodySample.length} as hex:  ${hex(r.bodySample)}`);
    out.push(`    first ${r.bodySample.length} as text: ${visibleBytes(r.bodySample)}`);
  }
  if (r.requestBodyBytes > 0) out.push(`  request body: ${r.requestBodyBytes} bytes`);
  out.push(paint('gray', `  timings: head received ${ms(r.timings.headers)}, first byte out ${ms(r.timings.firstByte)}, last byte out ${ms(r.timings.lastByte)}`));
  if (r.frames.length > 0) {
    out.push('  frames:');
    for (const f of r.frames) {
      const flags = f.flags.length === 0 ? '' : ` [${f.flags.join(' ')}]`;
      const detail = f.detail === '' ? '' : `  ${f.detail}`;
      out.push(`    ${f.dir === 'in' ? '→' : '←'} ${f.type} stream ${f.stream}${flags} ${f.length} bytes${detail}`);
      if (f.hpack !== undefined && f.hpack !== '') out.push(paint('gray', `        hpack: ${f.hpack}`));
    }
  }
  if (r.decisions.length > 0) {
    out.push('  why:');
    for (const d of r.decisions) out.push(`    • ${d.text}${d.source === '' ? '' : paint('gray', `  (${d.source})`)}`);
  }
  return `${out.join('\n')}\n\n`;
}

/** One WebSocket frame after its exchange's 101 (RFC 6455 §5.2), on one line. */
export function formatFrame(f: FrameRecord, paint: Paint = plain): string {
  const flags = [f.fin ? 'FIN' : '', f.compressed ? 'RSV1' : ''].filter((x) => x !== '').join(' ');
  const worker = f.worker > 0 ? `worker ${f.worker}, ` : '';
  const payload = f.length === 0 ? '' : f.opcode === 'CLOSE' && f.sample.length >= 2 ? `: code ${(f.sample.charCodeAt(0) << 8) | f.sample.charCodeAt(1)} ${visibleBytes(f.sample.slice(2))}` : `: ${visibleBytes(f.sample)}${f.length > f.sample.length ? '…' : ''}`;
  return `${paint('gray', `── websocket (${worker}connection ${f.connection})`)} ${f.dir === 'in' ? '→' : '←'} ${f.opcode}${flags === '' ? '' : ` [${flags}]`}${f.masked ? ' masked' : ''}, ${f.length} bytes${payload}\n`;
}
