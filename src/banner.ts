// The start-up banner, in the spirit of the seed's connection display: name and version, the folder
// served, every URL the server can be reached at, the config file read, what clients may write,
// who may see the status pages, and the features that are on.

import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import type { Config } from './config/schema.ts';
import type { SiteOptions } from './app/site.ts';
import { describeUploads } from './uploads/upload-handlers.ts';
import { plain, type Paint } from './log/colors.ts';
import { count } from './log/plural.ts';

export type Interfaces = Record<string, NetworkInterfaceInfo[] | undefined>;

function hostPart(address: string): string {
  return address.includes(':') ? `[${address}]` : address;
}

/**
 * URLs for the bound addresses (one host, or each host listened on: 127.0.0.1 and ::1 for
 * localhost). Bound to every interface (0.0.0.0 or ::) that is localhost, 127.0.0.1 and each LAN
 * address (IPv6 ones too for ::, except link-local, which needs a zone to be usable).
 */
export function reachableUrls(hosts: string | readonly string[], port: number, secure: boolean, interfaces: Interfaces = networkInterfaces()): { local: string[]; network: string[] } {
  const scheme = secure ? 'https' : 'http';
  const url = (h: string): string => `${scheme}://${hostPart(h)}:${port}/`;
  const list = typeof hosts === 'string' ? [hosts] : hosts;
  const v6 = list.includes('::');
  if (v6 || list.includes('0.0.0.0') || list.includes('')) {
    const network: string[] = [];
    for (const infos of Object.values(interfaces)) {
      for (const info of infos ?? []) {
        if (info.internal) continue;
        if (info.family === 'IPv4') network.push(url(info.address));
        else if (v6 && !info.address.toLowerCase().startsWith('fe80')) network.push(url(info.address));
      }
    }
    const local = [url('localhost'), url('127.0.0.1')];
    if (v6) local.push(url('::1'));
    return { local, network };
  }
  const local: string[] = [];
  const network: string[] = [];
  // localhost is named when 127.0.0.1 is bound: every client that resolves it tries that address.
  if (list.includes('127.0.0.1') || list.includes('localhost')) local.push(url('localhost'));
  for (const host of list) {
    if (host === 'localhost') continue;
    const loopback = host === '127.0.0.1' || host === '::1';
    (loopback ? local : network).push(url(host));
  }
  return { local, network };
}

/** The write features that are on, one line each (none: the site is read-only). */
export function writeLines(site: SiteOptions): string[] {
  const uploads = site.uploads;
  if (uploads?.enabled !== true) return [];
  // describeUploads is the uploads module's own account of what it accepts; one line per part.
  return describeUploads({ ...uploads, documentRoot: site.documentRoot }).split('; ');
}

/** Where the status pages are and who may see them, or "off". */
export function statusLine(config: Config): string {
  if (!config.enable_server_status) return 'off';
  const who = config.status_allow.length > 0 ? `clients in ${config.status_allow.join(', ')}` : 'loopback clients only';
  return `${config.server_status_path}, ${config.metrics_path}: ${who}${config.status_token === null ? '' : ', or with the status token'}`;
}

/** The features that are on, for the banner (the ones a user would want to know are live). */
/** `workers` is the resolved count when known ("auto" becomes the number of cores). */
export function enabledFeatures(config: Config, workers: number | 'auto' = config.workers): string[] {
  const on: string[] = [];
  if (config.enable_ssl) on.push(config.http2 ? 'HTTPS with HTTP/2' : 'HTTPS (HTTP/1.1 only)');
  if (config.http2_cleartext) on.push('h2c');
  if (config.directory_listing) on.push('directory listing');
  if (config.enable_cache) on.push(`cache (${count(config.cache_max_size, 'file')})`);
  if (config.enable_compression) on.push('compression');
  if (config.enable_cors) on.push('CORS');
  if (config.live_reload) on.push('live reload');
  if (config.rate_limits.length > 0) on.push(`rate limits (${count(config.rate_limits.length, 'rule')}, ${config.rate_limit_store === 'memory' ? 'memory' : 'Redis'})`);
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
  /** Every host actually bound (127.0.0.1 and ::1 for localhost; 0.0.0.0 when :: fell back); default [host]. */
  hosts?: readonly string[];
  /** Why the folder served is what it is ("the current folder: no ./htdocs here"). */
  rootNote?: string;
  /** Why the port is not the one configured ("8000 is in use"). */
  portNote?: string;
  /** The config file read, or "none …". */
  config?: string;
  /** Write features (writeLines); empty: read-only. Absent: no line. */
  writes?: readonly string[];
  /** statusLine(). */
  status?: string;
}

export function bannerText(info: BannerInfo, paint: Paint = plain): string {
  const { local, network } = info.listening === undefined ? reachableUrls(info.hosts ?? info.host, info.port, info.secure, info.interfaces) : { local: [], network: [] };
  const label = (s: string): string => paint('bold', s.padEnd(10));
  let out = `\n  ${paint('bold', info.name)} ${info.version}\n\n`;
  out += `  ${label('Serving')}${info.documentRoot}${info.rootNote === undefined ? '' : ` (${info.rootNote})`}\n`;
  if (info.listening !== undefined) out += `  ${label('Listening')}${paint('cyan', info.listening)}\n`;
  local.forEach((u, i) => (out += `  ${label(i === 0 ? 'Local' : '')}${paint('cyan', u)}\n`));
  network.forEach((u, i) => (out += `  ${label(i === 0 ? 'Network' : '')}${paint('cyan', u)}\n`));
  if (info.portNote !== undefined) out += `  ${label('Port')}${paint('yellow', `${info.port} (${info.portNote})`)}\n`;
  if (info.config !== undefined) out += `  ${label('Config')}${info.config}\n`;
  if (info.writes !== undefined) {
    if (info.writes.length === 0) out += `  ${label('Writes')}none (read-only)\n`;
    info.writes.forEach((w, i) => (out += `  ${label(i === 0 ? 'Writes' : '')}${paint('yellow', w)}\n`));
  }
  if (info.status !== undefined) out += `  ${label('Status')}${info.status}\n`;
  out += `  ${label('Features')}${info.features.join(', ')}\n`;
  if (info.logFile !== null) out += `  ${label('Log file')}${info.logFile}\n`;
  for (const line of info.extra ?? []) out += `  ${label('')}${line}\n`;
  out += `\n  Press Ctrl+C to stop.\n\n`;
  return out;
}
