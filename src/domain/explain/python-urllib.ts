/**
 * Python urllib (Lib/urllib/request.py: getproxies_environment, proxy_bypass_environment, ProxyHandler), on Linux.
 *
 * - Variables: every `<scheme>_proxy` in any case is read, then the all-lower-case-suffix ones (`..._proxy`) are
 *   applied again over them in environment order, so lower case wins, and an empty lower-case variable removes the
 *   upper-case one. With REQUEST_METHOD set (CGI), upper-case HTTP_PROXY is dropped.
 * - A request of scheme S uses the `S` proxy only: an https URL without https_proxy/HTTPS_PROXY goes direct, and
 *   all_proxy is never used.
 * - no_proxy: the whole value `*` bypasses everything. Otherwise comma-separated entries, stripped, leading dots
 *   removed, case-insensitive: an entry matches the host (with or without the URL's explicit port) or any
 *   subdomain. There is no CIDR, no wildcard; `host:port` matches only when the URL spells out that port; the host
 *   is compared as written in the URL, so IPv6 hosts keep their brackets (`[::1]`), and with the URL's user info
 *   (`user:pw@host`: an entry `host` does not match it, a subdomain entry still does).
 * - Schemes without a handler in urlopen's default opener (ws, wss...): URLError, no request, unless
 *   `<scheme>_proxy` is set (ProxyHandler then opens it through that proxy when no_proxy does not bypass it).
 */
import type { ClientVerdict, EnvMap } from './types';
import { splitUrl, percentDecode, withDefaultScheme } from './url';
import { hintTarget, nearMisses, q, withNotes } from './hints';

export interface PyProxyVar {
  value: string;
  /** The environment variable that supplied the value. */
  name: string;
}

/** urllib.request.getproxies_environment: proxy name (lower case, without "_proxy") → value. */
export function urllibGetproxiesEnvironment(env: EnvMap): Map<string, PyProxyVar> {
  const proxies = new Map<string, PyProxyVar>();
  const environment: { name: string; value: string; proxyName: string }[] = [];
  for (const name of Object.keys(env)) {
    const value = env[name];
    if (value === undefined) continue;
    if (name.length > 5 && name[name.length - 6] === '_' && name.slice(-5).toLowerCase() === 'proxy') {
      const proxyName = name.slice(0, -6).toLowerCase();
      environment.push({ name, value, proxyName });
      if (value) proxies.set(proxyName, { value, name });
    }
  }
  if (env['REQUEST_METHOD'] !== undefined) proxies.delete('http');
  for (const { name, value, proxyName } of environment) {
    if (name.slice(-6) === '_proxy') {
      if (value) proxies.set(proxyName, { value, name });
      else proxies.delete(proxyName);
    }
  }
  return proxies;
}

/** urllib's _splitport. */
function splitport(host: string): [string, string | null] {
  const m = /^([\s\S]*):([0-9]*)$/.exec(host);
  if (m && m[2]) return [m[1]!, m[2]];
  return [host, null];
}

export interface PyBypass {
  bypass: boolean;
  reason: string;
}

/**
 * urllib.request.proxy_bypass_environment for a host (`host[:port]` as the URL has it). `noProxy` is the `no`
 * entry of getproxies_environment, `varName` the variable it came from.
 */
export function urllibBypassNoProxy(host: string, noProxy: string | undefined, varName = 'no_proxy'): PyBypass {
  if (noProxy === undefined) return { bypass: false, reason: '' };
  if (noProxy === '*') return { bypass: true, reason: `${varName} is "*": bypass for every host` };
  const lower = host.toLowerCase();
  const [hostonly, port] = splitport(lower);
  for (const piece of noProxy.split(',')) {
    const stripped = piece.trim();
    if (!stripped) continue;
    const name = stripped.replace(/^\.+/, '').toLowerCase();
    if (hostonly === name || lower === name) {
      const what = lower === name && port !== null ? 'matches the host and port' : 'matches the host';
      const dot = stripped.startsWith('.') ? ' (the leading dot is ignored)' : '';
      return { bypass: true, reason: `${varName} entry ${q(stripped)} ${what}${dot}` };
    }
    const suffix = '.' + name;
    if (hostonly.endsWith(suffix) || lower.endsWith(suffix)) {
      return { bypass: true, reason: `${varName} entry ${q(stripped)} matches subdomains` };
    }
  }
  return { bypass: false, reason: '' };
}

/** proxy_bypass_environment reading the environment like urllib does. */
export function urllibProxyBypassEnvironment(host: string, env: EnvMap): boolean {
  const no = urllibGetproxiesEnvironment(env).get('no');
  return urllibBypassNoProxy(host, no?.value, no?.name).bypass;
}

function urllibWhyNot(raw: string, kind: string, lead: string, port: number | null, explicitPort: boolean): string {
  if (kind === 'all') return '"*" means "all hosts" to urllib only as the whole no_proxy value';
  if (kind === 'cidr') return `urllib has no CIDR support: ${q(raw)} never matches`;
  if (lead === '*.' || lead === '*') return `urllib has no wildcards: ${q(raw)} never matches`;
  if (port !== null && !explicitPort) return `urllib matches ${q(raw)} only when the URL spells out port ${port}`;
  if (kind === 'ip' && raw.includes(':') && !raw.startsWith('['))
    return `urllib compares IPv6 hosts with their brackets: ${q(raw)} never matches, "[${raw}]" would`;
  return `urllib does not match ${q(raw)} here`;
}

const DEFAULT_PORTS: Record<string, number> = { http: 80, https: 443, ftp: 21 };

/** The URL schemes urlopen's default opener has a handler for (build_opener: HTTP(S)Handler, FTPHandler, FileHandler, DataHandler). */
const URLLIB_SCHEMES = new Set(['http', 'https', 'ftp', 'file', 'data']);

export function urllibProxyForUrl(url: string, env: EnvMap): ClientVerdict {
  const parts = splitUrl(url);
  if (!parts) return { proxy: null, reason: 'invalid URL: urllib cannot open it, no request is made' };
  const { scheme } = parts;
  const proxies = urllibGetproxiesEnvironment(env);
  const chosen = proxies.get(scheme);
  // Without a handler for the scheme (ws, wss...), the opener falls through to UnknownHandler. ProxyHandler only
  // adds a `<scheme>_open` when `<scheme>_proxy` is set; with it, a request that is not bypassed goes to the proxy.
  const unknown = `urlopen raises URLError('unknown url type: ${scheme}'), no request is made`;
  if (!URLLIB_SCHEMES.has(scheme) && !chosen)
    return { proxy: null, reason: `urllib has no handler for ${scheme}:// URLs (and ${scheme}_proxy is not set): ${unknown}` };
  if (!chosen) {
    if (scheme === 'https' && proxies.has('http'))
      return {
        proxy: null,
        reason: 'https_proxy/HTTPS_PROXY not set: urllib does not fall back to http_proxy for https, so the request goes direct',
      };
    const all = proxies.has('all') ? ' (urllib ignores all_proxy)' : '';
    return { proxy: null, reason: `${scheme}_proxy/${scheme.toUpperCase()}_PROXY not set: direct${all}` };
  }
  // Request.host is the whole netloc, unquoted: user info included (Request._parse with _splithost), and
  // ProxyHandler.proxy_open hands it to proxy_bypass as is, so `user:pw@host` never equals an entry `host`.
  const hostport = percentDecode(parts.hostport);
  const host = parts.userinfo !== null ? `${percentDecode(parts.userinfo)}@${hostport}` : hostport;
  const no = proxies.get('no');
  if (host) {
    const decision = urllibBypassNoProxy(host, no?.value, no?.name);
    if (decision.bypass) {
      if (!URLLIB_SCHEMES.has(scheme)) return { proxy: null, reason: `${decision.reason}, and urllib has no handler for ${scheme}:// URLs: ${unknown}` };
      return { proxy: null, reason: decision.reason };
    }
  }
  const base = no ? `no ${no.name} entry matched; ${chosen.name} used` : `no_proxy/NO_PROXY not set; ${chosen.name} used`;
  const port = Number(parts.port) || DEFAULT_PORTS[scheme] || 0;
  const misses = no ? nearMisses(no.value, hintTarget(parts.hostname, port)) : [];
  const userinfoMiss = (raw: string): string | null =>
    parts.userinfo !== null && urllibBypassNoProxy(hostport, raw).bypass
      ? `the URL has user info and urllib's proxy_bypass compares "<user info>@${hostport.toLowerCase()}", so ${q(raw)} does not match`
      : null;
  return {
    proxy: withDefaultScheme(chosen.value),
    reason: withNotes(
      base,
      misses.map(
        (m) => userinfoMiss(m.shape.raw) ?? urllibWhyNot(m.shape.raw, m.shape.kind, m.shape.lead, m.shape.port, !!parts.port),
      ),
    ),
  };
}
