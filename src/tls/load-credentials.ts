// Reads and checks the certificate files a user points us at (ssl_cert + ssl_key, or ssl_pfx), so a
// mistake is one clear line at start-up instead of a handshake failure in a browser later. Fatal:
// a missing or unreadable file, no certificate in it, a key that is not a key, a missing or wrong
// password, a key that does not match the certificate. Warnings: an expired (or not yet valid, or
// soon expiring) certificate and a chain in the wrong order.

import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createSecureContext } from 'node:tls';

/** The configuration keys a TLS problem can be blamed on. */
export type TlsConfigKey = 'ssl_cert' | 'ssl_key' | 'ssl_pfx' | 'ssl_password' | 'ssl_ciphers' | 'min_tls_version' | 'state_dir' | 'redirect_http_port' | 'hsts_max_age';

/** A TLS configuration problem: `key: path: problem`, one line, naming what to fix. */
export class TlsConfigError extends Error {
  readonly key: TlsConfigKey;
  readonly path: string | null;
  constructor(key: TlsConfigKey, path: string | null, problem: string) {
    super(path === null ? `${key}: ${problem}` : `${key}: ${path}: ${problem}`);
    this.name = 'TlsConfigError';
    this.key = key;
    this.path = path;
  }
}

export interface CredentialFiles {
  certFile: string | null;
  keyFile: string | null;
  pfxFile: string | null;
  password: string | null;
}

export interface Credentials {
  /** What tls.createSecureContext needs: PEM cert chain and decrypted key, or the PKCS#12 bundle. */
  secure: { cert: string; key: string } | { pfx: Buffer; passphrase?: string };
  /** The server certificate (null only if it could not be read out of a PKCS#12 file). */
  leaf: X509Certificate | null;
  /** The server certificate followed by the intermediates sent with it. */
  chain: X509Certificate[];
  /** The files these credentials came from (watched for reloads). */
  files: string[];
  warnings: string[];
}

const DAY_MS = 86_400_000;
/** A certificate this close to expiry earns a warning at start-up and on reload. */
export const EXPIRY_WARNING_DAYS = 14;

async function readConfigured(key: TlsConfigKey, file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const problem =
      code === 'ENOENT' ? 'no such file' : code === 'EACCES' || code === 'EPERM' ? 'cannot be read (permission denied)' : code === 'EISDIR' ? 'is a folder, not a file' : `cannot be read (${code ?? String(error)})`;
    throw new TlsConfigError(key, file, problem);
  }
}

interface PemBlock {
  label: string;
  text: string;
}

/** RFC 7468 §2 textual encoding blocks, in file order. */
function pemBlocks(data: Buffer): PemBlock[] {
  const blocks: PemBlock[] = [];
  const re = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;
  for (const m of data.toString('latin1').matchAll(re)) blocks.push({ label: m[1]!, text: m[0] + '\n' });
  return blocks;
}

const KEY_LABELS = new Set(['PRIVATE KEY', 'RSA PRIVATE KEY', 'EC PRIVATE KEY', 'ENCRYPTED PRIVATE KEY']);

function day(date: string | Date): string {
  return new Date(date).toISOString().slice(0, 10);
}

/** Warnings about validity dates (RFC 5280 §4.1.2.5). */
function validityWarnings(key: TlsConfigKey, file: string, chain: X509Certificate[], now: Date): string[] {
  const warnings: string[] = [];
  chain.forEach((cert, i) => {
    const what = i === 0 ? 'the certificate' : `chain certificate #${i + 1} (${cert.subject.replace(/\n/g, ', ')})`;
    const from = new Date(cert.validFrom).getTime();
    const to = new Date(cert.validTo).getTime();
    if (to < now.getTime()) warnings.push(`${key}: ${file}: ${what} expired on ${day(cert.validTo)}; clients will reject it`);
    else if (from > now.getTime()) warnings.push(`${key}: ${file}: ${what} is not valid until ${day(cert.validFrom)}; clients will reject it`);
    else if (i === 0 && to - now.getTime() < EXPIRY_WARNING_DAYS * DAY_MS) {
      warnings.push(`${key}: ${file}: ${what} expires on ${day(cert.validTo)} (in ${Math.ceil((to - now.getTime()) / DAY_MS)} days)`);
    }
  });
  return warnings;
}

function parseCertificates(file: string, data: Buffer): { pem: string; chain: X509Certificate[] } {
  const blocks = pemBlocks(data).filter((b) => b.label === 'CERTIFICATE');
  if (blocks.length === 0) {
    // A lone DER certificate (first octet: SEQUENCE) is accepted and converted.
    if (data[0] === 0x30) {
      try {
        const cert = new X509Certificate(data);
        return { pem: cert.toString(), chain: [cert] };
      } catch {
        // fall through to the error below
      }
    }
    throw new TlsConfigError('ssl_cert', file, 'no certificate found (expected PEM text starting with -----BEGIN CERTIFICATE-----)');
  }
  const chain = blocks.map((b, i) => {
    try {
      return new X509Certificate(b.text);
    } catch (error) {
      throw new TlsConfigError('ssl_cert', file, `certificate #${i + 1} is damaged (${(error as Error).message})`);
    }
  });
  return { pem: blocks.map((b) => b.text).join(''), chain };
}

function parseKey(keyFile: string, data: Buffer, password: string | null): KeyObject {
  const block = pemBlocks(data).find((b) => KEY_LABELS.has(b.label));
  // PKCS#8 "ENCRYPTED PRIVATE KEY" (RFC 5958 §3) or a legacy OpenSSL "Proc-Type: 4,ENCRYPTED" header.
  const encrypted = block !== undefined && (block.label === 'ENCRYPTED PRIVATE KEY' || block.text.includes('Proc-Type: 4,ENCRYPTED'));
  if (encrypted && password === null) throw new TlsConfigError('ssl_password', null, `not set, but the key in ${keyFile} is encrypted`);
  try {
    if (block !== undefined) return createPrivateKey(encrypted ? { key: block.text, passphrase: password ?? '' } : { key: block.text });
    // No PEM: try a DER PKCS#8 key.
    return createPrivateKey({ key: data, format: 'der', type: 'pkcs8' });
  } catch (error) {
    const code = (error as { code?: string }).code ?? '';
    // Decrypting with a wrong password usually fails its padding check (BAD_DECRYPT), but about one
    // time in 256 the garbage happens to be well padded and fails later, as a key OpenSSL cannot
    // decode. For an encrypted key both mean the same thing: the password does not open it.
    if (encrypted) throw new TlsConfigError('ssl_password', null, `wrong password for the key in ${keyFile}`);
    if (block === undefined) throw new TlsConfigError('ssl_key', keyFile, 'no private key found (expected PEM text starting with -----BEGIN PRIVATE KEY-----)');
    throw new TlsConfigError('ssl_key', keyFile, `not a private key OpenSSL can read (${(error as Error).message})`);
  }
}

/** Warnings about the order of a certificate chain (RFC 8446 §4.4.2: sender's certificate first). */
function chainWarnings(file: string, chain: X509Certificate[]): string[] {
  for (let i = 0; i + 1 < chain.length; i++) {
    const child = chain[i]!;
    const parent = chain[i + 1]!;
    if (!child.checkIssued(parent) || !child.verify(parent.publicKey)) {
      return [`ssl_cert: ${file}: certificate #${i + 2} did not issue certificate #${i + 1}; list the server certificate first, then each issuer in order`];
    }
  }
  return [];
}

async function loadPem(files: CredentialFiles, now: Date): Promise<Credentials> {
  const certFile = files.certFile!;
  const certData = await readConfigured('ssl_cert', certFile);
  const { pem, chain } = parseCertificates(certFile, certData);
  const leaf = chain[0]!;
  let keyFile = files.keyFile;
  let keyData: Buffer;
  if (keyFile === null) {
    // One file holding both the chain and the key is a common layout.
    if (!pemBlocks(certData).some((b) => KEY_LABELS.has(b.label))) throw new TlsConfigError('ssl_key', null, `not set, and ${certFile} holds no private key`);
    keyFile = certFile;
    keyData = certData;
  } else {
    keyData = await readConfigured('ssl_key', keyFile);
  }
  const key = parseKey(keyFile, keyData, files.password);
  if (!leaf.checkPrivateKey(key)) throw new TlsConfigError('ssl_key', keyFile, 'the key does not match the certificate in ssl_cert');
  return {
    secure: { cert: pem, key: key.export({ type: 'pkcs8', format: 'pem' }) as string },
    leaf,
    chain,
    files: keyFile === certFile ? [certFile] : [certFile, keyFile],
    warnings: [...validityWarnings('ssl_cert', certFile, chain, now), ...chainWarnings(certFile, chain)],
  };
}

async function loadPfx(files: CredentialFiles, now: Date): Promise<Credentials> {
  const pfxFile = files.pfxFile!;
  const pfx = await readConfigured('ssl_pfx', pfxFile);
  const secure = files.password === null ? { pfx } : { pfx, passphrase: files.password };
  let context;
  try {
    context = createSecureContext(secure);
  } catch (error) {
    const message = (error as Error).message;
    // PKCS#12 integrity is a MAC keyed by the password (RFC 7292 §5): a bad MAC is a bad password.
    if (/mac verify failure/i.test(message)) {
      throw files.password === null
        ? new TlsConfigError('ssl_password', null, `not set, but ${pfxFile} is password-protected`)
        : new TlsConfigError('ssl_password', null, `wrong password for ${pfxFile}`);
    }
    if (/key values mismatch/i.test(message)) throw new TlsConfigError('ssl_pfx', pfxFile, 'the key does not match the certificate in the bundle');
    throw new TlsConfigError('ssl_pfx', pfxFile, `not a PKCS#12 file OpenSSL can read (${message})`);
  }
  // The certificate inside the bundle, for the expiry check and the fingerprint. getCertificate()
  // is on the native context object; without it we only lose the warnings.
  const native = (context as { context?: { getCertificate?: () => Buffer | undefined; getIssuer?: () => Buffer | undefined } }).context;
  const chain: X509Certificate[] = [];
  const leafDer = native?.getCertificate?.();
  if (leafDer !== undefined && leafDer !== null) chain.push(new X509Certificate(leafDer));
  const issuerDer = chain.length === 0 ? undefined : native?.getIssuer?.();
  if (issuerDer !== undefined && issuerDer !== null) chain.push(new X509Certificate(issuerDer));
  return { secure, leaf: chain[0] ?? null, chain, files: [pfxFile], warnings: validityWarnings('ssl_pfx', pfxFile, chain, now) };
}

/** Loads and checks the configured files; throws TlsConfigError on anything fatal. */
export async function loadCredentials(files: CredentialFiles, now: Date = new Date()): Promise<Credentials> {
  if (files.pfxFile !== null) {
    if (files.certFile !== null || files.keyFile !== null) throw new TlsConfigError('ssl_pfx', files.pfxFile, 'cannot be combined with ssl_cert/ssl_key; use one or the other');
    return loadPfx(files, now);
  }
  if (files.certFile === null) {
    throw files.keyFile === null ? new TlsConfigError('ssl_cert', null, 'not set (and no ssl_pfx)') : new TlsConfigError('ssl_cert', null, `not set, but ssl_key is (${files.keyFile})`);
  }
  return loadPem(files, now);
}
