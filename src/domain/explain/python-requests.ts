/**
 * Python requests (src/requests/utils.py: should_bypass_proxies, get_environ_proxies, select_proxy).
 *
 * - no_proxy: `no_proxy`, else `NO_PROXY` (an empty value counts as unset); spaces are removed, entries split on
 *   commas. For an IPv4 host (anything inet_aton takes): IPv4 CIDR entries (/1 to /32) and entries equal to the
 *   address as text. For other hosts: leading dots are removed and an entry matches the host name, `host:port` when
 *   the URL has an explicit port, or a subdomain. Then urllib's proxy_bypass_environment runs on the host name
 *   as a second chance (it is what makes a whole-value `*` work).
 * - Proxy: urllib's getproxies_environment (lower case wins), the entry for the URL's scheme, else `all`
 *   (all_proxy): an https URL without https_proxy/HTTPS_PROXY/all_proxy goes direct, it does not use http_proxy.
 * - Only http and https URLs can be sent (requests has no other connection adapter). A URL without a host
 *   bypasses proxies.
 * - The proxy value gets `http://` when it has no scheme (prepend_scheme_if_needed).
 */
import { domainToASCII } from 'node:url';
import type { ClientVerdict, EnvMap } from './types';
import { splitUrl, isAscii, withDefaultScheme } from './url';
import { parseIPv4Aton, parseIPv6, prefixEqual } from './ip';
import { urllibBypassNoProxy, urllibGetproxiesEnvironment } from './python-urllib';
import { hintTarget, nearMisses, q, withNotes } from './hints';

export interface RequestsBypass {
  bypass: boolean;
  reason: string;
}

/** requests' is_valid_cidr: `a.b.c.d/n` with n in 1..32. */
function validCidr(entry: string): { net: number[]; bits: number } | null {
  const pieces = entry.split('/');
  if (pieces.length !== 2) return null;
  const maskText = pieces[1]!.trim();
  if (!/^[+-]?\d+$/.test(maskText)) return null;
  const bits = Number(maskText);
  if (bits < 1 || bits > 32) return null;
  const net = parseIPv4Aton(pieces[0]!);
  return net ? { net, bits } : null;
}

/** urlparse(url).hostname: lower case, no brackets, null when empty. */
function pyHostname(url: string): { hostname: string | null; port: number | null } | null {
  const parts = splitUrl(url);
  if (!parts) return null;
  const hostname = parts.hostname.toLowerCase();
  const port = parts.port ? Number(parts.port) : null;
  return { hostname: hostname === '' ? null : hostname, port: port !== null && port <= 65535 ? port : null };
}

/** requests.utils.should_bypass_proxies(url, no_proxy=None), reading the environment map. */
export function requestsShouldBypassProxies(url: string, env: EnvMap): RequestsBypass {
  const parsed = pyHostname(url);
  if (!parsed) return { bypass: false, reason: 'invalid URL' };
  const { hostname, port } = parsed;
  if (hostname === null) return { bypass: true, reason: 'the URL has no host name: requests bypasses proxies' };
  const lower = env['no_proxy'];
  const noProxyVar = lower ? 'no_proxy' : env['NO_PROXY'] ? 'NO_PROXY' : null;
  const noProxy = noProxyVar ? env[noProxyVar]! : '';
  if (noProxy) {
    const entries = noProxy.replace(/ /g, '').split(',').filter((h) => h !== '');
    const ip = parseIPv4Aton(hostname);
    if (ip) {
      for (const entry of entries) {
        const cidr = validCidr(entry);
        if (cidr) {
          if (prefixEqual(ip, cidr.net, cidr.bits))
            return { bypass: true, reason: `${noProxyVar} entry ${q(entry)} contains ${hostname}` };
        } else if (hostname === entry) {
          return { bypass: true, reason: `${noProxyVar} entry ${q(entry)} matches the IP address` };
        }
      }
    } else {
      const hostWithPort = port ? `${hostname}:${port}` : hostname;
      for (const entry of entries) {
        const host = entry.replace(/^\.+/, '');
        if (hostname === host || hostWithPort === host) {
          const what = hostWithPort === host && port ? 'matches the host and the URL\'s port' : 'matches the host';
          const dot = entry.startsWith('.') ? ' (the leading dot is ignored)' : '';
          return { bypass: true, reason: `${noProxyVar} entry ${q(entry)} ${what}${dot}` };
        }
        if (hostname.endsWith('.' + host) || hostWithPort.endsWith('.' + host))
          return { bypass: true, reason: `${noProxyVar} entry ${q(entry)} matches subdomains` };
      }
    }
  }
  // Second chance: urllib's proxy_bypass on the bare host name, with urllib's reading of the environment.
  const no = urllibGetproxiesEnvironment(env).get('no');
  const fallback = urllibBypassNoProxy(hostname, no?.value, no?.name);
  if (fallback.bypass) return { bypass: true, reason: `${fallback.reason} (urllib's proxy_bypass, which requests also consults)` };
  return { bypass: false, reason: '' };
}

function requestsWhyNot(raw: string, kind: string, lead: string, port: number | null, explicitPort: boolean, v6: boolean): string {
  if (kind === 'all') return '"*" means "all hosts" to requests only as the whole no_proxy value';
  if (kind === 'cidr') return v6 ? `requests has IPv4 CIDRs only: ${q(raw)} never matches` : `requests does not match ${q(raw)} here`;
  if (lead === '*.' || lead === '*') return `requests has no wildcards: ${q(raw)} never matches`;
  if (port !== null && !explicitPort) return `requests matches ${q(raw)} only when the URL spells out port ${port}`;
  if (kind === 'ip' && raw.startsWith('[')) return `requests compares IPv6 hosts without brackets: ${q(raw)} never matches`;
  return `requests does not match ${q(raw)} here`;
}

const DEFAULT_PORTS: Record<string, number> = { http: 80, https: 443 };

export function requestsProxyForUrl(url: string, env: EnvMap): ClientVerdict {
  const parts = splitUrl(url);
  if (!parts) return { proxy: null, reason: 'invalid URL: requests rejects it, no request is made' };
  const { scheme } = parts;
  if (scheme !== 'http' && scheme !== 'https')
    return { proxy: null, reason: `requests has no connection adapter for ${scheme}:// URLs: no request` };
  if (parts.hostname === '') return { proxy: null, reason: 'invalid URL: requests needs a host, no request is made' };
  // PreparedRequest.prepare_url IDNA-encodes a non-ASCII host before proxies are looked at.
  let prepared = url;
  if (!isAscii(parts.hostname)) {
    const ascii = domainToASCII(parts.hostname);
    if (ascii) prepared = url.replace(parts.hostname, ascii);
  }
  const decision = requestsShouldBypassProxies(prepared, env);
  if (decision.bypass) return { proxy: null, reason: decision.reason };
  const proxies = urllibGetproxiesEnvironment(env);
  const chosen = proxies.get(scheme) ?? proxies.get('all');
  if (!chosen) {
    if (scheme === 'https' && proxies.has('http'))
      return {
        proxy: null,
        reason: 'https_proxy/HTTPS_PROXY/all_proxy not set: requests does not fall back to http_proxy for https, so the request goes direct',
      };
    return { proxy: null, reason: `${scheme}_proxy/${scheme.toUpperCase()}_PROXY/all_proxy not set: direct` };
  }
  const noVar = env['no_proxy'] ? 'no_proxy' : env['NO_PROXY'] ? 'NO_PROXY' : null;
  const base = noVar ? `no ${noVar} entry matched; ${chosen.name} used` : `no_proxy/NO_PROXY not set; ${chosen.name} used`;
  const port = Number(parts.port) || DEFAULT_PORTS[scheme] || 0;
  const v6 = parseIPv6(parts.hostname) !== null;
  const misses = noVar ? nearMisses(env[noVar]!, hintTarget(parts.hostname, port)) : [];
  return {
    proxy: withDefaultScheme(chosen.value),
    reason: withNotes(
      base,
      misses.map((m) => requestsWhyNot(m.shape.raw, m.shape.kind, m.shape.lead, m.shape.port, !!parts.port, v6)),
    ),
  };
}
