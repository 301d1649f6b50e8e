// The development certificate behind `--ssl` without files: an ECDSA P-256 key and a self-signed
// X.509 v3 server certificate for localhost, the loopback addresses and this machine's names and LAN
// addresses, made in process (no openssl binary) and kept under the state folder so browsers that
// were told to trust it keep trusting it across restarts. It is replaced when it nears expiry or
// when a name it must cover (a new LAN address, say) is missing.

import { X509Certificate, createPrivateKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { hostname, networkInterfaces } from 'node:os';
import { join, resolve } from 'node:path';
import { buildCertificate, isDnsName } from './x509.ts';

/**
 * Validity of a new certificate. Browsers cap publicly trusted server certificates at 398 days
 * (CA/Browser Forum baseline requirements §6.3.2) and Apple's platforms reject longer ones even for
 * private roots (over 825 days), so we stay inside the strictest limit.
 */
export const DEV_CERT_VALIDITY_DAYS = 397;
/** Replace the certificate when fewer days than this remain. */
export const DEV_CERT_RENEW_DAYS = 30;
/** notBefore is set this far in the past, so a client whose clock runs slow still accepts it. */
const CLOCK_SKEW_MS = 60 * 60 * 1000;
const DAY_MS = 86_400_000;

export const DEV_CERT_FILE = 'dev-cert.pem';
export const DEV_KEY_FILE = 'dev-key.pem';

export interface DevCertificateNames {
  dnsNames: string[];
  ipAddresses: string[];
}

/** localhost, 127.0.0.1, ::1, this host's name(s) and its non-loopback interface addresses. */
export function devCertificateNames(): DevCertificateNames {
  const dns = new Set<string>(['localhost']);
  const host = hostname().toLowerCase();
  if (isDnsName(host)) {
    dns.add(host);
    // A bare host name is usually also reachable as <name>.local over mDNS on a LAN.
    if (!host.includes('.')) dns.add(`${host}.local`);
  }
  const ips = new Set<string>(['127.0.0.1', '::1']);
  for (const list of Object.values(networkInterfaces())) {
    for (const info of list ?? []) {
      if (info.internal) continue;
      // Link-local addresses need a zone to be usable in a URL, and change with every interface.
      if (info.family === 'IPv6' && /^fe[89ab]/i.test(info.address)) continue;
      if (info.family === 'IPv4' && info.address.startsWith('169.254.')) continue;
      ips.add(info.address);
    }
  }
  return { dnsNames: [...dns], ipAddresses: [...ips] };
}

export interface DevCertificateOptions {
  /** The state folder (the `state_dir` setting); the files go in its `tls/` subfolder. */
  stateDir: string;
  names?: DevCertificateNames;
  now?: Date;
  validityDays?: number;
  renewDays?: number;
}

export interface DevCertificate {
  certFile: string;
  keyFile: string;
  cert: Buffer;
  key: Buffer;
  x509: X509Certificate;
  /** The names it was checked (or made) to cover. */
  names: DevCertificateNames;
  /** True when this call made a new certificate; reason says why. */
  created: boolean;
  reason: string;
}

/** Why the stored certificate cannot be reused, or null when it can. */
function staleReason(cert: Buffer, key: Buffer, names: DevCertificateNames, now: Date, renewDays: number): { reason: string | null; x509: X509Certificate | null } {
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
    if (!x509.checkPrivateKey(createPrivateKey(key))) return { reason: 'the stored key does not match the stored certificate', x509: null };
  } catch {
    return { reason: 'the stored certificate or key is unreadable', x509: null };
  }
  if (!x509.verify(x509.publicKey)) return { reason: 'the stored certificate is not self-signed', x509 };
  const notAfter = new Date(x509.validTo).getTime();
  if (notAfter - now.getTime() < renewDays * DAY_MS) return { reason: `it expires on ${new Date(notAfter).toISOString().slice(0, 10)}`, x509 };
  if (new Date(x509.validFrom).getTime() > now.getTime()) return { reason: 'it is not valid yet (the clock moved back?)', x509 };
  for (const name of names.dnsNames) if (x509.checkHost(name, { wildcards: false }) === undefined) return { reason: `it does not cover ${name}`, x509 };
  for (const ip of names.ipAddresses) if (x509.checkIP(ip) === undefined) return { reason: `it does not cover ${ip}`, x509 };
  return { reason: null, x509 };
}

async function readIfPresent(file: string): Promise<Buffer | null> {
  try {
    return await readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/** Writes through a temporary file and a rename, so a reader never sees half a file. */
async function writeAtomically(file: string, data: string, mode: number): Promise<void> {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, data, { mode });
  await chmod(tmp, mode); // the umask may have narrowed or (rarely) the file existed
  await rename(tmp, file);
}

/** Makes a fresh key and certificate (pure: no files). */
export function createDevCertificate(names: DevCertificateNames, now: Date, validityDays = DEV_CERT_VALIDITY_DAYS): { certPem: string; keyPem: string } {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const serial = randomBytes(16);
  serial[0] = (serial[0]! & 0x7f) | 0x01; // positive and never zero-led (RFC 5280 §4.1.2.2)
  const { pem } = buildCertificate({
    subject: { commonName: 'localhost', organization: 'httpcraft development certificate' },
    publicKey,
    signingKey: privateKey,
    serial,
    notBefore: new Date(now.getTime() - CLOCK_SKEW_MS),
    notAfter: new Date(now.getTime() + validityDays * DAY_MS),
    dnsNames: names.dnsNames,
    ipAddresses: names.ipAddresses,
  });
  return { certPem: pem, keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string };
}

/**
 * Returns the stored development certificate, making (and storing) a new one when there is none or
 * the stored one cannot be reused. Run it in the primary process before workers start, so they all
 * serve the same certificate.
 */
export async function ensureDevCertificate(options: DevCertificateOptions): Promise<DevCertificate> {
  const dir = join(resolve(options.stateDir), 'tls');
  const certFile = join(dir, DEV_CERT_FILE);
  const keyFile = join(dir, DEV_KEY_FILE);
  const names = options.names ?? devCertificateNames();
  const now = options.now ?? new Date();
  const [cert, key] = await Promise.all([readIfPresent(certFile), readIfPresent(keyFile)]);
  let reason = 'there was none';
  if (cert !== null && key !== null) {
    const check = staleReason(cert, key, names, now, options.renewDays ?? DEV_CERT_RENEW_DAYS);
    if (check.reason === null && check.x509 !== null) {
      // The key is a secret: keep it private even if someone loosened its mode.
      if (((await stat(keyFile)).mode & 0o077) !== 0) await chmod(keyFile, 0o600);
      return { certFile, keyFile, cert, key, x509: check.x509, names, created: false, reason: 'reused' };
    }
    reason = check.reason ?? reason;
  }
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const made = createDevCertificate(names, now, options.validityDays);
  // Key first: a reader that sees the new certificate also finds its key.
  await writeAtomically(keyFile, made.keyPem, 0o600);
  await writeAtomically(certFile, made.certPem, 0o644);
  const certBytes = Buffer.from(made.certPem);
  return { certFile, keyFile, cert: certBytes, key: Buffer.from(made.keyPem), x509: new X509Certificate(certBytes), names, created: true, reason };
}
