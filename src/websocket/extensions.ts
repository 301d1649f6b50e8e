// The Sec-WebSocket-Extensions field (RFC 6455 §9.1), parsed into offers:
//
//   Sec-WebSocket-Extensions = extension-list
//   extension-list = 1#extension
//   extension = extension-token *( ";" extension-param )
//   extension-param = token [ "=" (token | quoted-string) ]
//
// A quoted-string value is unquoted (§9.1: it must then be a token too). Returns null when the
// field does not follow the grammar.

import { TCHAR } from '../http1/chars.ts';

export interface ExtensionOffer {
  name: string;
  /** Parameters in order; a value of true means the parameter had none. */
  params: Array<[name: string, value: string | true]>;
}

const SP = 0x20;
const HTAB = 0x09;
const COMMA = 0x2c;
const SEMI = 0x3b;
const EQUALS = 0x3d;
const DQUOTE = 0x22;
const BACKSLASH = 0x5c;

export function parseExtensions(field: string): ExtensionOffer[] | null {
  const offers: ExtensionOffer[] = [];
  let i = 0;
  const n = field.length;
  const skipWs = (): void => {
    while (i < n && (field.charCodeAt(i) === SP || field.charCodeAt(i) === HTAB)) i++;
  };
  const token = (): string => {
    const start = i;
    while (i < n && field.charCodeAt(i) < 128 && TCHAR[field.charCodeAt(i)] === 1) i++;
    return field.slice(start, i);
  };
  for (;;) {
    skipWs();
    // Empty list elements ("a, , b") are allowed and ignored (RFC 9110 §5.6.1).
    if (i < n && field.charCodeAt(i) === COMMA) {
      i++;
      continue;
    }
    if (i >= n) break;
    const name = token();
    if (name === '') return null;
    const offer: ExtensionOffer = { name: name.toLowerCase(), params: [] };
    skipWs();
    while (i < n && field.charCodeAt(i) === SEMI) {
      i++;
      skipWs();
      const param = token();
      if (param === '') return null;
      skipWs();
      let value: string | true = true;
      if (i < n && field.charCodeAt(i) === EQUALS) {
        i++;
        skipWs();
        if (i < n && field.charCodeAt(i) === DQUOTE) {
          i++;
          let v = '';
          for (;;) {
            if (i >= n) return null;
            const c = field.charCodeAt(i++);
            if (c === DQUOTE) break;
            if (c === BACKSLASH) {
              if (i >= n) return null;
              v += field[i++];
            } else v += field[i - 1];
          }
          value = v;
        } else {
          value = token();
          if (value === '') return null;
        }
      }
      offer.params.push([param.toLowerCase(), value]);
      skipWs();
    }
    offers.push(offer);
    if (i >= n) break;
    if (field.charCodeAt(i) !== COMMA) return null;
    i++;
  }
  return offers;
}
