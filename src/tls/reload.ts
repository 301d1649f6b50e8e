// Certificate reloads without a restart: on SIGHUP, or when a certificate or key file changes, the
// files are loaded and checked again and, if they are good, become the secure context for new
// connections. Open connections keep the context they were made with, so nothing is dropped. A bad
// set of files (say the certificate was replaced but not yet the key) is logged and the current
// certificate stays in service; the next change tries again.

import { watchFile, unwatchFile, type Stats } from 'node:fs';
import type { SecureContextOptions } from 'node:tls';
import { loadCredentials, type CredentialFiles, type Credentials } from './load-credentials.ts';
import { secureContextOptions, type TlsSettings } from './tls-options.ts';

export interface ReloadLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface ReloadOptions {
  /** Where the new context goes (HttpServer.setSecureContext). */
  target: { setSecureContext(options: SecureContextOptions): void };
  files: CredentialFiles;
  settings: TlsSettings;
  /** The credentials in service now. */
  current: Credentials;
  logger: ReloadLogger;
  /** Poll the files for changes (default true). Polling also sees symlink swaps (certbot's live/). */
  watch?: boolean;
  /** Poll interval in ms (default 2000). */
  pollIntervalMs?: number;
  /** Quiet time after the last change before reloading, so a cert and key replaced together are read together. */
  debounceMs?: number;
  /** Signal that triggers a reload (default SIGHUP; null for none). */
  signal?: NodeJS.Signals | null;
  now?: () => Date;
}

export class CertificateReloader {
  readonly #options: ReloadOptions;
  readonly #watched: string[] = [];
  #current: Credentials;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<boolean> | null = null;
  #again = false;
  #closed = false;
  readonly #onSignal = (): void => void this.reload('signal');
  readonly #onChange = (curr: Stats, prev: Stats): void => {
    if (curr.mtimeMs === prev.mtimeMs && curr.ino === prev.ino && curr.size === prev.size) return;
    this.#schedule();
  };

  constructor(options: ReloadOptions) {
    this.#options = options;
    this.#current = options.current;
    if (options.watch !== false) {
      for (const file of options.current.files) {
        watchFile(file, { interval: options.pollIntervalMs ?? 2000, persistent: false }, this.#onChange);
        this.#watched.push(file);
      }
    }
    const signal = options.signal === undefined ? 'SIGHUP' : options.signal;
    if (signal !== null) process.on(signal, this.#onSignal);
  }

  get current(): Credentials {
    return this.#current;
  }

  /**
   * Loads the files again and installs them if they pass every start-up check. Resolves true when
   * the new certificate is in service. Reloads never overlap: one asked for meanwhile runs after.
   */
  reload(reason: 'signal' | 'change' | 'manual' = 'manual'): Promise<boolean> {
    if (this.#running !== null) {
      this.#again = true;
      return this.#running;
    }
    this.#running = this.#load(reason).finally(() => {
      this.#running = null;
      if (this.#again && !this.#closed) {
        this.#again = false;
        void this.reload(reason);
      }
    });
    return this.#running;
  }

  close(): void {
    this.#closed = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    for (const file of this.#watched) unwatchFile(file, this.#onChange);
    this.#watched.length = 0;
    const signal = this.#options.signal === undefined ? 'SIGHUP' : this.#options.signal;
    if (signal !== null) process.off(signal, this.#onSignal);
  }

  #schedule(): void {
    if (this.#closed) return;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.reload('change');
    }, this.#options.debounceMs ?? 500);
    this.#timer.unref();
  }

  async #load(reason: string): Promise<boolean> {
    const { logger, files, settings } = this.#options;
    const why = reason === 'signal' ? 'on signal' : reason === 'change' ? 'after a file change' : 'on request';
    try {
      const next = await loadCredentials(files, this.#options.now?.() ?? new Date());
      if (this.#closed) return false;
      this.#options.target.setSecureContext(secureContextOptions(next, settings));
      this.#current = next;
      for (const w of next.warnings) logger.warn(w);
      const fp = next.leaf?.fingerprint256 ?? 'unknown';
      logger.info(`TLS certificate reloaded ${why}; SHA-256 fingerprint ${fp}`);
      return true;
    } catch (error) {
      logger.error(`TLS certificate reload ${why} failed; still serving the previous certificate: ${(error as Error).message}`);
      return false;
    }
  }
}
