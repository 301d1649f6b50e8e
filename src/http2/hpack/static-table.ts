// The static table of RFC 7541 Appendix A, with the lookups the encoder needs precomputed once at load:
// name → lowest index, and name + value → index.

/** [name, value] by index − 1: STATIC_TABLE[0] is index 1 (RFC 7541 §2.3.1). */
export const STATIC_TABLE: readonly (readonly [string, string])[] = [
  [':authority', ''],
  [':method', 'GET'],
  [':method', 'POST'],
  [':path', '/'],
  [':path', '/index.html'],
  [':scheme', 'http'],
  [':scheme', 'https'],
  [':status', '200'],
  [':status', '204'],
  [':status', '206'],
  [':status', '304'],
  [':status', '400'],
  [':status', '404'],
  [':status', '500'],
  ['accept-charset', ''],
  ['accept-encoding', 'gzip, deflate'],
  ['accept-language', ''],
  ['accept-ranges', ''],
  ['accept', ''],
  ['access-control-allow-origin', ''],
  ['age', ''],
  ['allow', ''],
  ['authorization', ''],
  ['cache-control', ''],
  ['content-disposition', ''],
  ['content-encoding', ''],
  ['content-language', ''],
  ['content-length', ''],
  ['content-location', ''],
  ['content-range', ''],
  ['content-type', ''],
  ['cookie', ''],
  ['date', ''],
  ['etag', ''],
  ['expect', ''],
  ['expires', ''],
  ['from', ''],
  ['host', ''],
  ['if-match', ''],
  ['if-modified-since', ''],
  ['if-none-match', ''],
  ['if-range', ''],
  ['if-unmodified-since', ''],
  ['last-modified', ''],
  ['link', ''],
  ['location', ''],
  ['max-forwards', ''],
  ['proxy-authenticate', ''],
  ['proxy-authorization', ''],
  ['range', ''],
  ['referer', ''],
  ['refresh', ''],
  ['retry-after', ''],
  ['server', ''],
  ['set-cookie', ''],
  ['strict-transport-security', ''],
  ['transfer-encoding', ''],
  ['user-agent', ''],
  ['vary', ''],
  ['via', ''],
  ['www-authenticate', ''],
];

/** 61: dynamic table indices start after it (RFC 7541 §2.3.3). */
export const STATIC_TABLE_LENGTH = STATIC_TABLE.length;

export interface StaticName {
  /** The lowest static index with this name. */
  readonly index: number;
  /** Static indices of this name's non-empty values ('' entries are placeholders, never matched). */
  readonly values: ReadonlyMap<string, number>;
}

/** Lower-case name → its static entries. */
export const STATIC_NAMES: ReadonlyMap<string, StaticName> = buildNames();

function buildNames(): Map<string, StaticName> {
  const names = new Map<string, { index: number; values: Map<string, number> }>();
  STATIC_TABLE.forEach(([name, value], i) => {
    let entry = names.get(name);
    if (entry === undefined) names.set(name, (entry = { index: i + 1, values: new Map() }));
    if (value !== '') entry.values.set(value, i + 1);
  });
  return names;
}
