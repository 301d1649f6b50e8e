// Helpers for the TLS tests: temp folders, certificates made with our own X.509 builder, an HTTPS
// server on 127.0.0.1:0, raw TLS requests, and probes for optional binaries (openssl, curl).

import { generateKeyPairSync, randomBytes, X509Certificate, type KeyObject } from 'node:crypto';
import { spawnSync, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect, type TLSSocket, type ConnectionOptions } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { buildCertificate, type DistinguishedName } from '../../src/tls/x509.ts';
import { createServer, type HttpServer } from '../../src/server/http-server.ts';
import type { Handler } from '../../src/server/connection.ts';

const DAY = 86_400_000;

export async function tempDir(t: { after(fn: () => unknown): void }, prefix = 'httpcraft-tls-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export interface TestCert {
  certPem: string;
  keyPem: string;
  publicKey: KeyObject;
  privateKey: KeyObject;
  name: DistinguishedName;
  x509: X509Certificate;
}

export interface MakeCertOptions {
  commonName?: string;
  dnsNames?: string[];
  ipAddresses?: string[];
  notBefore?: Date;
  notAfter?: Date;
  isCa?: boolean;
  issuer?: TestCert;
  keyType?: 'ec' | 'rsa' | 'ed25519';
}

function newKeyPair(type: 'ec' | 'rsa' | 'ed25519'): { publicKey: KeyObject; privateKey: KeyObject } {
  if (type === 'rsa') return generateKeyPairSync('rsa', { modulusLength: 2048 });
  if (type === 'ed25519') return generateKeyPairSync('ed25519');
  return generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
}

/** A certificate from our builder: self-signed by default, or signed by `issuer`. */
export function makeCert(options: MakeCertOptions = {}): TestCert {
  const { publicKey, privateKey } = newKeyPair(options.keyType ?? 'ec');
  const name = { commonName: options.commonName ?? 'localhost' };
  const serial = randomBytes(12);
  serial[0] = (serial[0]! & 0x7f) | 1;
  const now = Date.now();
  const { pem } = buildCertificate({
    subject: name,
    publicKey,
    signingKey: options.issuer?.privateKey ?? privateKey,
    ...(options.issuer === undefined ? {} : { issuer: { name: options.issuer.name, publicKey: options.issuer.publicKey } }),
    serial,
    notBefore: options.notBefore ?? new Date(now - DAY),
    notAfter: options.notAfter ?? new Date(now + 30 * DAY),
    dnsNames: options.dnsNames ?? (options.isCa === true ? [] : ['localhost']),
    ipAddresses: options.ipAddresses ?? (options.isCa === true ? [] : ['127.0.0.1']),
    ...(options.isCa === undefined ? {} : { isCa: options.isCa }),
  });
  return { certPem: pem, keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, publicKey, privateKey, name, x509: new X509Certificate(pem) };
}

/** Writes a certificate and its key; returns the paths. */
export async function writeCert(dir: string, cert: TestCert, base = 'server'): Promise<{ certFile: string; keyFile: string }> {
  const certFile = join(dir, `${base}-cert.pem`);
  const keyFile = join(dir, `${base}-key.pem`);
  await writeFile(certFile, cert.certPem);
  await writeFile(keyFile, cert.keyPem, { mode: 0o600 });
  return { certFile, keyFile };
}

export function hasBinary(name: string): boolean {
  const probe = spawnSync(name, ['version'], { stdio: 'ignore' });
  if (probe.error === undefined) return true;
  return spawnSync(name, ['--version'], { stdio: 'ignore' }).error === undefined;
}

/** Runs a command to completion (with stdin), collecting output; never throws on a non-zero exit. */
export function run(cmd: string, args: string[], input = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.on('error', () => {}); // a command that never reads stdin may close it first (EPIPE)
    child.stdin.end(input);
  });
}

export async function startHttps(t: { after(fn: () => unknown): void }, tls: NonNullable<Parameters<typeof createServer>[0]['tls']>, handler?: Handler, extra: Partial<Parameters<typeof createServer>[0]> = {}): Promise<{ server: HttpServer; port: number }> {
  const server = createServer({ handler: handler ?? ((req, res) => res.send(200, `hello over ${req.secure ? 'https' : 'http'}\n`)), tls, ...extra });
  const address = (await server.listen({ host: '127.0.0.1', port: 0 })) as AddressInfo;
  t.after(() => server.close(100));
  return { server, port: address.port };
}

/** Opens a TLS connection and waits for the handshake. */
export function openTls(port: number, options: ConnectionOptions = {}): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, servername: 'localhost', ...options });
    socket.once('secureConnect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/**
 * Sends one keep-alive GET on an open socket and resolves with the raw response once a complete
 * Content-Length-framed response has arrived.
 */
export function requestOn(socket: TLSSocket, path = '/', extraHeaders = ''): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    const onData = (chunk: Buffer): void => {
      data += chunk.toString('latin1');
      const end = data.indexOf('\r\n\r\n');
      if (end === -1) return;
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(data.slice(0, end))?.[1] ?? 0);
      if (data.length >= end + 4 + length) {
        cleanup();
        resolve(data);
      }
    };
    const onClose = (): void => {
      cleanup();
      reject(new Error(`connection closed before the response was complete: ${JSON.stringify(data)}`));
    };
    const cleanup = (): void => {
      socket.off('data', onData);
      socket.off('close', onClose);
    };
    socket.on('data', onData);
    socket.on('close', onClose);
    socket.write(`GET ${path} HTTP/1.1\r\nHost: localhost\r\n${extraHeaders}\r\n`);
  });
}
