// SETTINGS parameters (RFC 9113 §6.5.2, RFC 9218 §2.1): their initial values, and the SETTINGS
// payload both ways. A payload is a list of (16-bit id, 32-bit value) pairs processed in order, so a
// repeated id means its last value (§6.5.3); ids we do not know are ignored (§6.5.2).

import type { FrameErrorReason } from './errors.ts';
import { DEFAULT_MAX_FRAME_SIZE, MAX_ALLOWED_FRAME_SIZE, MAX_WINDOW_SIZE } from './frame-types.ts';

export const SETTING_ID = {
  HEADER_TABLE_SIZE: 0x1,
  ENABLE_PUSH: 0x2,
  MAX_CONCURRENT_STREAMS: 0x3,
  INITIAL_WINDOW_SIZE: 0x4,
  MAX_FRAME_SIZE: 0x5,
  MAX_HEADER_LIST_SIZE: 0x6,
  NO_RFC7540_PRIORITIES: 0x9,
} as const;

export interface Settings {
  headerTableSize: number;
  enablePush: boolean;
  /** Infinity until the peer names a limit ("initially, there is no limit"). */
  maxConcurrentStreams: number;
  initialWindowSize: number;
  maxFrameSize: number;
  /** Infinity until the peer names a limit. */
  maxHeaderListSize: number;
  /** RFC 9218 §2.1: the sender ignores RFC 7540 priority signals. */
  noRfc7540Priorities: boolean;
}

export type SettingsUpdate = Partial<Settings>;

/** §6.5.2: the value of every setting before the peer's first SETTINGS frame. */
export const DEFAULT_SETTINGS: Readonly<Settings> = Object.freeze({
  headerTableSize: 4096,
  enablePush: true,
  maxConcurrentStreams: Infinity,
  initialWindowSize: 65_535,
  maxFrameSize: DEFAULT_MAX_FRAME_SIZE,
  maxHeaderListSize: Infinity,
  noRfc7540Priorities: false,
});

const SETTING_BYTES = 6;
const MAX_UINT32 = 0xffff_ffff;

export function applySettings(base: Readonly<Settings>, update: SettingsUpdate): Settings {
  return { ...base, ...update };
}

// The encoded order: by id, one entry per key present.
const ENCODE_ORDER: ReadonlyArray<readonly [keyof Settings, number]> = [
  ['headerTableSize', SETTING_ID.HEADER_TABLE_SIZE],
  ['enablePush', SETTING_ID.ENABLE_PUSH],
  ['maxConcurrentStreams', SETTING_ID.MAX_CONCURRENT_STREAMS],
  ['initialWindowSize', SETTING_ID.INITIAL_WINDOW_SIZE],
  ['maxFrameSize', SETTING_ID.MAX_FRAME_SIZE],
  ['maxHeaderListSize', SETTING_ID.MAX_HEADER_LIST_SIZE],
  ['noRfc7540Priorities', SETTING_ID.NO_RFC7540_PRIORITIES],
];

// A setting's value as sent, within what §6.5.2 allows for it.
function wireValue(key: keyof Settings, value: number | boolean): number {
  if (typeof value === 'boolean') return value ? 1 : 0;
  // "No limit" has no encoding; the largest value is the nearest thing to it.
  if (value === Infinity && (key === 'maxConcurrentStreams' || key === 'maxHeaderListSize')) return MAX_UINT32;
  const ok =
    Number.isInteger(value) &&
    value >= 0 &&
    (key === 'initialWindowSize' ? value <= MAX_WINDOW_SIZE : key === 'maxFrameSize' ? value >= DEFAULT_MAX_FRAME_SIZE && value <= MAX_ALLOWED_FRAME_SIZE : value <= MAX_UINT32);
  if (!ok) throw new RangeError(`SETTINGS ${key} cannot be ${value}`);
  return value;
}

export function settingsPayloadLength(update: SettingsUpdate): number {
  let n = 0;
  for (const [key] of ENCODE_ORDER) if (update[key] !== undefined) n++;
  return n * SETTING_BYTES;
}

/** Writes the payload at offset; returns the offset after it. Throws RangeError on a value §6.5.2 forbids (our bug). */
export function writeSettingsPayload(target: Buffer, offset: number, update: SettingsUpdate): number {
  let at = offset;
  for (const [key, id] of ENCODE_ORDER) {
    const value = update[key];
    if (value === undefined) continue;
    target.writeUInt16BE(id, at);
    target.writeUInt32BE(wireValue(key, value), at + 2);
    at += SETTING_BYTES;
  }
  return at;
}

export function encodeSettings(update: SettingsUpdate): Buffer {
  const out = Buffer.allocUnsafe(settingsPayloadLength(update));
  writeSettingsPayload(out, 0, update);
  return out;
}

/**
 * Decodes and checks a SETTINGS payload [start, end) whose length is already a multiple of 6.
 * `fromServer`: a client receiving SETTINGS_ENABLE_PUSH = 1 is a connection error (§6.5.2).
 * Returns the settings it carries, or the reason it is a connection error.
 */
export function decodeSettings(payload: Buffer, start: number, end: number, fromServer: boolean): SettingsUpdate | FrameErrorReason {
  const out: SettingsUpdate = {};
  for (let at = start; at + SETTING_BYTES <= end; at += SETTING_BYTES) {
    const id = (payload[at]! << 8) | payload[at + 1]!;
    const value = payload.readUInt32BE(at + 2);
    switch (id) {
      case SETTING_ID.HEADER_TABLE_SIZE:
        out.headerTableSize = value;
        break;
      case SETTING_ID.ENABLE_PUSH:
        if (value > 1) return 'BAD_ENABLE_PUSH';
        if (value === 1 && fromServer) return 'PUSH_ENABLED_BY_SERVER';
        out.enablePush = value === 1;
        break;
      case SETTING_ID.MAX_CONCURRENT_STREAMS:
        out.maxConcurrentStreams = value;
        break;
      case SETTING_ID.INITIAL_WINDOW_SIZE:
        if (value > MAX_WINDOW_SIZE) return 'BAD_INITIAL_WINDOW_SIZE';
        out.initialWindowSize = value;
        break;
      case SETTING_ID.MAX_FRAME_SIZE:
        if (value < DEFAULT_MAX_FRAME_SIZE || value > MAX_ALLOWED_FRAME_SIZE) return 'BAD_MAX_FRAME_SIZE';
        out.maxFrameSize = value;
        break;
      case SETTING_ID.MAX_HEADER_LIST_SIZE:
        out.maxHeaderListSize = value;
        break;
      case SETTING_ID.NO_RFC7540_PRIORITIES:
        // RFC 9218 §2.1: any value other than 0 or 1 is a connection error of type PROTOCOL_ERROR.
        if (value > 1) return 'BAD_BOOLEAN_SETTING';
        out.noRfc7540Priorities = value === 1;
        break;
      default:
        break; // §6.5.2: an unknown or unsupported identifier MUST be ignored.
    }
  }
  return out;
}
