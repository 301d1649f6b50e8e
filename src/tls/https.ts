// HTTPS in one call: prepareHttps() turns the tls settings (files or none, versions, ciphers) into
// checked credentials and tls.createServer options — making the development certificate when no
// files are given — and startHttpsServices() adds what runs beside the HTTPS server: certificate
// reloads and the HTTP→HTTPS redirect listener. httpsBannerLines() says what a user needs to know.

import type { AddressInfo } from 'node:net';
import type { TlsOptions } from 'node:tls';
import type { HttpServer } from '../server/http-server.ts';
import { TlsConfigError, loadCredentials, type CredentialFiles, type Credentials } from './load-credentials.ts';
import { ensureDevCertificate, type DevCertificate, type DevCertificateNames } from './self-signed.ts';
import { checkSecureContext, defaultTlsSettings, tlsServerOptions, type TlsSettings, type TlsVersion } from './tls-options.ts';
import { CertificateReloader, type ReloadLogger } from './reload.ts';
import { createRedirectServer } from './redirect-server.ts';

export interface HttpsOptions {
  /** ssl_cert / ssl_key / ssl_pfx / ssl_password; all three files null → development certificate. */
  certFile: string | null;
  keyFile: string | null;
  pfxFile: string | null;
  password: string | null;
  minVersion?: TlsVersion;
  ciphers?: string | null;
  /** state_dir: where the development certificate is kept (default ".httpcraft"). */
  stateDir?: string;
  /** Shared session-ticket keys (48 bytes) for cluster workers; random per process otherwise. */
  ticketKeys?: Buffer;
  handshakeTimeoutMs?: number;
  /** Offer HTTP/2 in ALPN (default true). */
  http2?: boolean;
  /** For tests: the names the development certificate must cover. */
  devCertificateNames?: DevCertificateNames;
}

/** The tls keys of the configuration, snake_case as in config.json (a structural subset of Config). */
export interface TlsConfigFields {
  ssl_cert: string | null;
  ssl_key: string | null;
  ssl_pfx: string | null;
  ssl_password: string | null;
  min_tls_version: TlsVersion;
  ssl_ciphers: string | null;
  state_dir: string;
  http2: boolean;
}

/** HttpsOptions from the resolved configuration (redirect_http_port and hsts_max_age go elsewhere). */
export function httpsOptionsFromConfig(config: TlsConfigFields): HttpsOptions {
  return {
    certFile: config.ssl_cert,
    keyFile: config.ssl_key,
    pfxFile: config.ssl_pfx,
    password: config.ssl_password,
    minVersion: config.min_tls_version,
    ciphers: config.ssl_ciphers,
    stateDir: config.state_dir,
    http2: config.http2,
  };
}

export interface PreparedHttps {
  /** Options for createServer({ tls }). */
  readonly tls: TlsOptions;
  readonly files: CredentialFiles;
  readonly settings: TlsSettings;
  readonly credentials: Credentials;
  /** Set when we generated (or reused) the development certificate. */
  readonly devCertificate: DevCertificate | null;
  /** Start-up warnings (expired certificate, chain order), one line each. */
  readonly warnings: string[];
}

export const DEFAULT_STATE_DIR = '.httpcraft';

/** Loads and checks everything TLS needs; throws TlsConfigError (one line, naming the key) on a problem. */
export async function prepareHttps(options: HttpsOptions, now: Date = new Date()): Promise<PreparedHttps> {
  const settings = defaultTlsSettings({
    minVersion: options.minVersion ?? 'TLSv1.2',
    ciphers: options.ciphers ?? null,
    http2: options.http2 ?? true,
    ...(options.ticketKeys === undefined ? {} : { ticketKeys: options.ticketKeys }),
    ...(options.handshakeTimeoutMs === undefined ? {} : { handshakeTimeoutMs: options.handshakeTimeoutMs }),
  });
  if (settings.ticketKeys.length !== 48) throw new RangeError('ticketKeys must be 48 bytes');
  let files: CredentialFiles = { certFile: options.certFile, keyFile: options.keyFile, pfxFile: options.pfxFile, password: options.password };
  let devCertificate: DevCertificate | null = null;
  if (files.certFile === null && files.keyFile === null && files.pfxFile === null) {
    const stateDir = options.stateDir ?? DEFAULT_STATE_DIR;
    try {
      devCertificate = await ensureDevCertificate({ stateDir, now, ...(options.devCertificateNames === undefined ? {} : { names: options.devCertificateNames }) });
    } catch (error) {
      throw new TlsConfigError('state_dir', stateDir, `cannot store the development certificate (${(error as Error).message})`);
    }
    files = { certFile: devCertificate.certFile, keyFile: devCertificate.keyFile, pfxFile: null, password: null };
  }
  const credentials = await loadCredentials(files, now);
  const tls = tlsServerOptions(credentials, settings);
  checkSecureContext(tls, files.pfxFile === null ? 'ssl_cert' : 'ssl_pfx', files.pfxFile ?? files.certFile);
  return { tls, files, settings, credentials, devCertificate, warnings: credentials.warnings };
}

export interface HttpsServiceOptions {
  /** Host the HTTPS server is bound to (the redirect listener binds the same). */
  host?: string;
  /** redirect_http_port: null for none. */
  redirectHttpPort?: number | null;
  /** Reload when the certificate files change (default true; never for the development certificate). */
  watchFiles?: boolean;
  pollIntervalMs?: number;
  debounceMs?: number;
  /** Reload on this signal (default SIGHUP; null for none). */
  reloadSignal?: NodeJS.Signals | null;
  logger: ReloadLogger;
  serverName?: string;
}

export interface HttpsServices {
  readonly reloader: CertificateReloader | null;
  readonly redirect: HttpServer | null;
  readonly redirectAddress: AddressInfo | null;
  close(graceMs?: number): Promise<void>;
}

/** Starts the reloader and the redirect listener for a listening HTTPS server. */
export async function startHttpsServices(prepared: PreparedHttps, server: HttpServer, options: HttpsServiceOptions): Promise<HttpsServices> {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('startHttpsServices: the HTTPS server is not listening on a port');
  const reloader =
    prepared.devCertificate === null
      ? new CertificateReloader({
          target: server,
          files: prepared.files,
          settings: prepared.settings,
          current: prepared.credentials,
          logger: options.logger,
          watch: options.watchFiles ?? true,
          ...(options.pollIntervalMs === undefined ? {} : { pollIntervalMs: options.pollIntervalMs }),
          ...(options.debounceMs === undefined ? {} : { debounceMs: options.debounceMs }),
          ...(options.reloadSignal === undefined ? {} : { signal: options.reloadSignal }),
        })
      : null;
  let redirect: HttpServer | null = null;
  let redirectAddress: AddressInfo | null = null;
  const redirectPort = options.redirectHttpPort ?? null;
  if (redirectPort !== null) {
    if (redirectPort !== 0 && redirectPort === address.port) {
      reloader?.close();
      throw new TlsConfigError('redirect_http_port', null, `${redirectPort} is the HTTPS port itself; pick another port for the HTTP redirect listener`);
    }
    const host = options.host;
    const wildcard = host === undefined || host === '0.0.0.0' || host === '::';
    redirect = createRedirectServer({ httpsPort: address.port, fallbackHost: wildcard ? 'localhost' : host, serverName: options.serverName ?? server.serverName });
    try {
      redirectAddress = (await redirect.listen({ port: redirectPort, ...(host === undefined ? {} : { host }) })) as AddressInfo;
    } catch (error) {
      reloader?.close();
      const code = (error as NodeJS.ErrnoException).code;
      throw new TlsConfigError('redirect_http_port', null, code === 'EADDRINUSE' ? `port ${redirectPort} is already in use` : `cannot listen on ${redirectPort} (${code ?? (error as Error).message})`);
    }
  }
  return {
    reloader,
    redirect,
    redirectAddress,
    close: async (graceMs = 10_000) => {
      reloader?.close();
      if (redirect !== null) await redirect.close(graceMs);
    },
  };
}

/** Lines for the start-up banner: which certificate, its SHA-256 fingerprint, how to trust it. */
export function httpsBannerLines(prepared: PreparedHttps, port: number, services?: Pick<HttpsServices, 'redirectAddress'>): string[] {
  const lines: string[] = [];
  const leaf = prepared.credentials.leaf;
  const until = leaf === null ? '' : `, valid until ${new Date(leaf.validTo).toISOString().slice(0, 10)}`;
  const dev = prepared.devCertificate;
  if (dev !== null) {
    lines.push(`TLS: self-signed development certificate ${dev.created ? `(new: ${dev.reason})` : '(reused)'} ${dev.certFile}${until}`);
    lines.push(`TLS: covers ${[...dev.names.dnsNames, ...dev.names.ipAddresses].join(', ')}`);
  } else {
    const source = prepared.files.pfxFile ?? prepared.files.certFile ?? '';
    const subject = leaf === null ? '' : ` (${leaf.subject.replace(/\n/g, ', ')})`;
    lines.push(`TLS: certificate ${source}${subject}${until}`);
  }
  if (leaf !== null) lines.push(`TLS: SHA-256 fingerprint ${leaf.fingerprint256}`);
  lines.push(`TLS: ${prepared.settings.minVersion} minimum, ALPN ${String(prepared.tls.ALPNProtocols)}`);
  if (dev !== null) lines.push(`TLS: to trust it: curl --cacert ${dev.certFile} https://localhost:${port}/ (or import it into your browser)`);
  if (services?.redirectAddress != null) lines.push(`HTTP on port ${services.redirectAddress.port} redirects to HTTPS on port ${port}`);
  return lines;
}
