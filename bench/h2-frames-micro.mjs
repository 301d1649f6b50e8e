#!/usr/bin/env node
// CPU cost of the HTTP/2 frame parser on a stream of small frames, in ns per frame: HEADERS (a
// 30-byte block, as a browser sends for a cached-connection request) and DATA (100 bytes)
// alternating, pushed in 16 KiB chunks as a socket would deliver them (so some frames are cut by a
// chunk boundary and take the gathering path). Not part of npm test.
// Usage: npm run build && node bench/h2-frames-micro.mjs [frames]
import { FrameParser } from '../dist/src/http2/frame-parser.js';
import { CLIENT_PREFACE } from '../dist/src/http2/preface.js';
import { dataFrame, headersFrames, settingsFrame } from '../dist/src/http2/frame-writer.js';

const FRAMES = Number(process.argv[2] ?? 2_000_000);
const CHUNK_BYTES = 16_384;
const ROUNDS = 5;

const block = Buffer.alloc(30, 0x82);
const body = Buffer.alloc(100, 0x61);
const pairs = [];
for (let sid = 1; pairs.length < 2000; sid += 2) {
  pairs.push(headersFrames(sid, block, { maxFrameSize: 16_384 }), dataFrame(sid, body, { endStream: true }));
}
const stream = Buffer.concat(pairs);
const chunks = [];
for (let at = 0; at < stream.length; at += CHUNK_BYTES) chunks.push(stream.subarray(at, at + CHUNK_BYTES));
const framesPerPass = pairs.length;

let sinkBytes = 0;
const sink = {
  onData: (_s, data) => (sinkBytes += data.length),
  onHeaders: (e) => (sinkBytes += e.block.length),
  onPriority() {},
  onRstStream() {},
  onSettings() {},
  onSettingsAck() {},
  onPushPromise() {},
  onPing() {},
  onGoaway() {},
  onWindowUpdate() {},
  onError: (e) => {
    throw new Error(`unexpected frame error ${e.reason}`);
  },
};

for (let round = 0; round < ROUNDS; round++) {
  const parser = new FrameParser({}, sink);
  parser.push(Buffer.concat([CLIENT_PREFACE, settingsFrame({})]));
  const passes = Math.ceil(FRAMES / framesPerPass);
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let p = 0; p < passes; p++) for (const c of chunks) parser.push(c);
  const ns = Number(process.hrtime.bigint() - t0);
  const cpu = process.cpuUsage(cpu0);
  const frames = passes * framesPerPass;
  console.log(`round ${round + 1}: ${(ns / frames).toFixed(1)} ns per frame wall, ${(((cpu.user + cpu.system) * 1000) / frames).toFixed(1)} ns CPU, ${frames} frames (${((stream.length * passes) / ns * 1000).toFixed(0)} MB/s)`);
}
if (sinkBytes === 0) throw new Error('nothing parsed');
