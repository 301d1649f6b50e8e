// The start-up banner, in the spirit of the seed's connection display: name and version, the folder
// served, every URL the server can be reached at, and the features that are on.

import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import type { Config } from './config/schema.ts';
import { plain, type Paint } from './log/colors.ts';

export type Interfaces = Record<string, NetworkInterfaceInfo[] | undefined>;

function hostPart(address: string): string {
  return address.includes(':') ? `[${address}]` : address;
}

/**
 * URLs for a bound address. Bound to every interface (0.0.0.0 or ::) that is localhost, 127.0.0.1
 * and each LAN address (IPv6 ones too for ::, except link-local, which needs a zone to be usable).
 */
export function reachableUrls(host: string, port: number, secure: boolean, interfaces: Interfaces = networkInterfaces()): { local: string[]; network: string[] } {
  const scheme = secure ? 'https' : 'http';
  const url = (h: string): string => `${scheme}://${hostPart(h)}:${port}/`;
  const all = host === '0.0.0.0' || host === '::' || host === '';
  if (!all) {
    const loopback = host === '127.0.0.1' || host === 'localhost' || host === '::1';
    const local = host === '127.0.0.1' ? [url('localhost'), url(host)] : [url(host)];
    return loopback ? { local, network: [] } : { local: [], network: [url(host)] };
  }
  const network: string[] = [];
  for (const list of Object.values(interfaces)) {
    for (const info of list ?? []) {
      if (info.internal) continue;
      if (info.family === 'IPv4') network.push(url(info.address));
      else if (host === '::' && !info.address.toLowerCase().startsWith('fe80')) network.push(url(info.address));
    }
  }
  const local = [url('localhost'), url('127.0.0.1')];
  if (host === '::') local.push(url('::1'));
  return { local, network };
}

/** The features that are on, for the banner (the ones a user would want to know are live). */
/** `workers` is the resolved count when known ("auto" becomes the number of cores). */
export function enabledFeatures(config: Config, workers: number | 'auto' = config.workers): string[] {
  const on: string[] = [];
  if (config.enable_ssl) on.push('HTTPS');
  if (config.directory_listing) on.push('directory listing');
  if (config.enable_cache) on.push(`cache (${config.cache_max_size} files)`);
  if (config.enable_compression) on.push('compression');
  if (config.enable_file_uploads) on.push(`uploads (${config.upload_path})`);
  if (config.enable_cors) on.push('CORS');
  if (config.enable_server_status) on.push(`status page (${config.server_status_path})`);
  on.push(`workers: ${workers}`);
  return on;
}

export interface BannerInfo {
  name: string;
  version: string;
  documentRoot: string;
  host: string;
  port: number;
  secure: boolean;
  features: string[];
  logFile: string | null;
  interfaces?: Interfaces;
  /** Further lines (TLS certificate, fingerprint, redirect listener). */
  extra?: string[];
  /** Where it listens when not on TCP (a Unix socket, an inherited fd): shown instead of URLs. */
  listening?: string;
}

export function bannerText(info: BannerInfo, paint: Paint = plain): string {
  const { local, network } = info.listening === undefined ? reachableUrls(info.host, info.port, info.secure, info.interfaces) : { local: [], network: [] };
  const label = (s: string): string => paint('bold', s.padEnd(10));
  let out = `\n  ${paint('bold', info.name)} ${info.version}\n\n`;
  out += `  ${label('Serving')}${info.documentRoot}\n`;
  if (info.listening !== undefined) out += `  ${label('Listening')}${paint('cyan', info.listening)}\n`;
  local.forEach((u, i) => (out += `  ${label(i === 0 ? 'Local' : '')}${paint('cyan', u)}\n`));
  network.forEach((u, i) => (out += `  ${label(i === 0 ? 'Network' : '')}${paint('cyan', u)}\n`));
  out += `  ${label('Features')}${info.features.join(', ')}\n`;
  if (info.logFile !== null) out += `  ${label('Log file')}${info.logFile}\n`;
  for (const line of info.extra ?? []) out += `  ${label('')}${line}\n`;
  out += `\n  Press Ctrl+C to stop.\n\n`;
  return out;
}
