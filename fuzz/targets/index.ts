// Every fuzz target, in the order `npm run fuzz` runs them.

import type { FuzzTarget } from '../engine.ts';
import { http1Chunked, http1Request } from './http1.ts';
import { contentDisposition, multipart, urlencoded } from './uploads.ts';
import { conditional, path, range } from './static.ts';
import { argv, configFile } from './config.ts';
import { hpack, http2Frames } from './http2.ts';
import { websocketFrames } from './websocket.ts';
import { serverRequests } from './server.ts';

export const TARGETS: readonly FuzzTarget[] = [
  http1Request,
  http1Chunked,
  multipart,
  urlencoded,
  contentDisposition,
  range,
  conditional,
  path,
  argv,
  configFile,
  hpack,
  http2Frames,
  websocketFrames,
  serverRequests,
];
