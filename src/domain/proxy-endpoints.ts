import type { ProxyConfig } from './proxy-config';
import { canonicalIPv4, canonicalIPv6 } from './validate/util';

/** Where pods and nodes send proxied traffic: one proxy URL of a config, taken apart. */
export interface ProxyEndpoint {
  /** The config fields whose traffic goes here (`httpsProxy` absent: `httpProxy` serves both). */
  fields: Array<'httpProxy' | 'httpsProxy'>;
  scheme: 'http' | 'https';
  /** Lower-case host name, or the IP literal in canonical form (dotted quad, RFC 5952), without brackets. */
  host: string;
  /** The URL's port, or the scheme's default (80, 443). */
  port: number;
  /** The IP literal, when the URL names the proxy by address instead of by host name. */
  ip: { version: 4 | 6; address: string } | null;
}

/** A proxy URL taken apart, or null when it is absent, unparsable or neither http nor https. */
export function parseProxyUrl(url: string | undefined): Omit<ProxyEndpoint, 'fields'> | null {
  if (typeof url !== 'string' || url === '') return null;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
  const scheme = u.protocol === 'https:' ? 'https' : 'http';
  const hostname = u.hostname.toLowerCase();
  if (hostname === '') return null;
  const port = u.port !== '' ? Number(u.port) : scheme === 'https' ? 443 : 80;
  const bracketed = hostname.startsWith('[') && hostname.endsWith(']');
  const v6 = bracketed ? canonicalIPv6(hostname.slice(1, -1)) : null;
  const v4 = bracketed ? null : canonicalIPv4(hostname);
  const ip = v6 !== null ? { version: 6 as const, address: v6 } : v4 !== null ? { version: 4 as const, address: v4 } : null;
  return { scheme, host: ip?.address ?? hostname, port, ip };
}

/**
 * The proxy endpoints of a config, as AKS injects them: HTTP_PROXY from `httpProxy`, HTTPS_PROXY from `httpsProxy`
 * or, when that is absent, from `httpProxy`. One entry per distinct host and port, in that order (HTTP first).
 */
export function proxyEndpoints(config: ProxyConfig): ProxyEndpoint[] {
  const out: ProxyEndpoint[] = [];
  const effective: Array<['httpProxy' | 'httpsProxy', string | undefined]> = [
    ['httpProxy', config.httpProxy],
    ['httpsProxy', config.httpsProxy ?? config.httpProxy],
  ];
  for (const [field, url] of effective) {
    const parsed = parseProxyUrl(url);
    if (!parsed) continue;
    const same = out.find((e) => e.host === parsed.host && e.port === parsed.port);
    if (same) same.fields.push(field);
    else out.push({ fields: [field], ...parsed });
  }
  return out;
}

/** `host:port` as a person writes it (`[2001:db8::1]:3128` for IPv6). */
export const endpointLabel = (e: Pick<ProxyEndpoint, 'host' | 'port' | 'ip'>): string =>
  `${e.ip?.version === 6 ? `[${e.host}]` : e.host}:${e.port}`;

/** The set of host:port pairs a config sends traffic to, as one comparable string. */
export const endpointSet = (config: ProxyConfig | null | undefined): string =>
  config ? [...new Set(proxyEndpoints(config).map(endpointLabel))].sort().join(' ') : '';
