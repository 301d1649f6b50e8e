// Turns loaded credentials and the user's TLS settings into node:tls options, with modern defaults:
// TLS 1.2 as the floor (RFC 8996 retired 1.0 and 1.1), the server's cipher order, ALPN advertising
// h2 then http/1.1 (RFC 7301, RFC 9113 §3.2; http/1.1 only with http2 off), and stateless session resumption with
// session tickets (RFC 5077 for TLS 1.2, RFC 8446 §4.6.1 for TLS 1.3).

import { randomBytes } from 'node:crypto';
import { createSecureContext, type SecureContextOptions, type TlsOptions } from 'node:tls';
import { TlsConfigError, type Credentials } from './load-credentials.ts';

export const TLS_VERSIONS = ['TLSv1.2', 'TLSv1.3'] as const;
export type TlsVersion = (typeof TLS_VERSIONS)[number];

/** Protocols offered in ALPN, most preferred first. */
export function alpnProtocols(http2: boolean): string[] {
  return http2 ? ['h2', 'http/1.1'] : ['http/1.1'];
}

/** How long a resumable session stays valid (OpenSSL's and Node's default). */
export const SESSION_TIMEOUT_S = 300;

export interface TlsSettings {
  minVersion: TlsVersion;
  /** An OpenSSL cipher list (TLS 1.2 names and/or TLS_* 1.3 suites); null keeps Node's default. */
  ciphers: string | null;
  /**
   * 48 bytes that encrypt session tickets. Processes that share them (cluster workers) can resume
   * each other's sessions; one random set per process otherwise.
   */
  ticketKeys: Buffer;
  /** Time allowed for the TLS handshake, in ms. */
  handshakeTimeoutMs: number;
  /** Offer h2 in ALPN (the http2 key). */
  http2: boolean;
}

export function defaultTlsSettings(overrides: Partial<TlsSettings> = {}): TlsSettings {
  return { minVersion: 'TLSv1.2', ciphers: null, ticketKeys: randomBytes(48), handshakeTimeoutMs: 20_000, http2: true, ...overrides };
}

/** Checks a min_tls_version value from configuration. */
export function parseTlsVersion(value: string): TlsVersion {
  const found = TLS_VERSIONS.find((v) => v.toLowerCase() === value.trim().toLowerCase());
  if (found === undefined) throw new TlsConfigError('min_tls_version', null, `"${value}" is not one of ${TLS_VERSIONS.join(', ')}`);
  return found;
}

/** The options that make one secure context: used at start-up and again on every reload. */
export function secureContextOptions(credentials: Credentials, settings: TlsSettings): SecureContextOptions {
  return {
    ...credentials.secure,
    minVersion: settings.minVersion,
    ...(settings.ciphers === null ? {} : { ciphers: settings.ciphers }),
    // Prefer our (strong-first) order over the client's, as RFC 9325 §4.2 suggests.
    honorCipherOrder: true,
    sessionTimeout: SESSION_TIMEOUT_S,
    ticketKeys: settings.ticketKeys,
  };
}

/**
 * Builds a context once to surface problems as configuration errors (a cipher list matching
 * nothing, a key OpenSSL refuses) before we listen, rather than on the first handshake.
 */
export function checkSecureContext(options: SecureContextOptions, credentialsKey: 'ssl_cert' | 'ssl_pfx', file: string | null): void {
  try {
    createSecureContext(options);
  } catch (error) {
    const message = (error as Error).message;
    const code = (error as { code?: string }).code ?? '';
    if (code === 'ERR_SSL_NO_CIPHER_MATCH' || /no cipher match/i.test(message)) {
      throw new TlsConfigError('ssl_ciphers', null, `"${options.ciphers ?? ''}" matches no cipher this OpenSSL supports`);
    }
    throw new TlsConfigError(credentialsKey, file, `OpenSSL refused the certificate and key (${message})`);
  }
}

/** Options for tls.createServer. */
export function tlsServerOptions(credentials: Credentials, settings: TlsSettings): TlsOptions {
  return {
    ...secureContextOptions(credentials, settings),
    ALPNProtocols: alpnProtocols(settings.http2),
    handshakeTimeout: settings.handshakeTimeoutMs,
  };
}
