// Two servers fed the same raw bytes: ours (createServer) and node:http, used ONLY as an oracle.
// Each records what its handler saw (method, target, raw header lines, body, trailers); a case is the
// bytes of one connection, written and half-closed by a raw net client.

import { createServer as createNodeServer, type Server as NodeServer } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { createServer, type HttpServer } from '../../src/server/http-server.ts';

export interface SeenRequest {
  method: string;
  target: string;
  version: string;
  rawHeaders: string[];
  body: string;
  trailers: string[];
}

export interface Outcome {
  requests: SeenRequest[];
  /** Status codes of the responses received, in order. */
  statuses: number[];
  /** The connection did not close by itself within the case timeout. */
  timedOut: boolean;
}

export interface Oracle {
  run(bytes: Buffer): Promise<{ ours: Outcome; node: Outcome }>;
  close(): Promise<void>;
}

const CASE_TIMEOUT_MS = 10_000;

function statusesOf(response: string): number[] {
  const out: number[] = [];
  const re = /HTTP\/1\.[01] (\d{3}) /g;
  for (let m = re.exec(response); m !== null; m = re.exec(response)) out.push(Number(m[1]));
  return out;
}

function send(port: number, bytes: Buffer): Promise<{ response: string; timedOut: boolean }> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const parts: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      socket.destroy();
    }, CASE_TIMEOUT_MS);
    socket.on('data', (d: Buffer) => parts.push(d));
    socket.on('error', () => {}); // a reset after an error response is an expected ending
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ response: Buffer.concat(parts).toString('latin1'), timedOut });
    });
    socket.on('connect', () => socket.end(bytes));
  });
}

export async function startOracle(): Promise<Oracle> {
  let oursSeen: SeenRequest[] = [];
  let nodeSeen: SeenRequest[] = [];

  const ours: HttpServer = createServer({
    handler: async (req, res) => {
      let body: Buffer;
      try {
        body = await req.buffer(4 * 1024 * 1024);
      } catch {
        return; // the connection answers a broken body itself
      }
      oursSeen.push({
        method: req.method,
        target: req.target,
        version: req.httpVersion,
        rawHeaders: [...req.rawHeaders],
        body: body.toString('latin1'),
        trailers: [...req.trailers],
      });
      res.send(200, 'ok\n');
    },
  });
  const oursAddress = (await ours.listen({ host: '127.0.0.1', port: 0 })) as AddressInfo;

  const node: NodeServer = createNodeServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (d: Buffer) => parts.push(d));
    req.on('end', () => {
      nodeSeen.push({
        method: req.method ?? '',
        target: req.url ?? '',
        version: req.httpVersion,
        rawHeaders: [...req.rawHeaders],
        body: Buffer.concat(parts).toString('latin1'),
        trailers: [...req.rawTrailers],
      });
      res.end('ok\n');
    });
  });
  await new Promise<void>((resolve) => node.listen(0, '127.0.0.1', resolve));
  const nodePort = (node.address() as AddressInfo).port;

  return {
    async run(bytes) {
      oursSeen = [];
      nodeSeen = [];
      const [a, b] = await Promise.all([send(oursAddress.port, bytes), send(nodePort, bytes)]);
      return {
        ours: { requests: oursSeen, statuses: statusesOf(a.response), timedOut: a.timedOut },
        node: { requests: nodeSeen, statuses: statusesOf(b.response), timedOut: b.timedOut },
      };
    },
    async close() {
      await ours.close(1000);
      node.closeAllConnections();
      await new Promise<void>((resolve) => node.close(() => resolve()));
    },
  };
}
