/**
 * curl / libcurl (lib/proxy.c: proxy_check_noproxy, proxy_detect_proxy).
 *
 * - NO_PROXY: `no_proxy`, else `NO_PROXY` (an empty variable counts as unset). The whole value `*` bypasses
 *   everything; otherwise entries are separated by commas (blanks around them are skipped; a blank-separated list
 *   stops after its first entry). For a host name, an entry matches the name or any subdomain; one leading and one
 *   trailing dot of the entry are ignored, so `.corp.example` also matches `corp.example`; matching is
 *   case-insensitive. `*.corp.example` and `host:port` entries never match a name. For an IP literal host, entries
 *   are IP addresses or CIDRs of the same family (IPv6 without brackets).
 * - Proxy: http reads only lower-case `http_proxy` (never `HTTP_PROXY`); https reads `https_proxy` then
 *   `HTTPS_PROXY` (no fallback to http_proxy); other schemes `<scheme>_proxy` then upper case; then `all_proxy`,
 *   `ALL_PROXY`. ws/wss read like http/https. file:// never uses a proxy.
 * - A proxy value without a scheme is an HTTP proxy (`http://` shown).
 */
import type { ClientVerdict, EnvMap } from './types';
import { splitUrl, withDefaultScheme } from './url';
import { parseIPv4Strict, parseIPv4Aton, parseIPv6, prefixEqual } from './ip';
import { hintTarget, nearMisses, q, withNotes } from './hints';

const CURL_SCHEMES = new Set([
  'dict', 'file', 'ftp', 'ftps', 'gopher', 'gophers', 'http', 'https', 'imap', 'imaps', 'ldap', 'ldaps', 'mqtt',
  'mqtts', 'pop3', 'pop3s', 'rtmp', 'rtmpe', 'rtmps', 'rtmpt', 'rtmpte', 'rtmpts', 'rtsp', 'scp', 'sftp', 'smb',
  'smbs', 'smtp', 'smtps', 'telnet', 'tftp', 'ws', 'wss',
]);

const DEFAULT_PORTS: Record<string, number> = { http: 80, https: 443, ws: 80, wss: 443, ftp: 21, ftps: 990 };

/** libcurl's cidr4_match: is `ipv4` within `network`/`bits` (bits 0 or 32: exact)? */
export function curlCidr4Match(ipv4: string, network: string, bits: number): boolean {
  if (bits > 32) return false;
  const a = parseIPv4Strict(ipv4);
  const n = parseIPv4Strict(network);
  if (!a || !n) return false;
  if (bits && bits !== 32) return prefixEqual(a, n, bits);
  return a.every((v, i) => v === n[i]);
}

/** libcurl's cidr6_match (bits 0 means 128). */
export function curlCidr6Match(ipv6: string, network: string, bits: number): boolean {
  if (!bits) bits = 128;
  const bytes = Math.floor(bits / 8);
  const rest = bits & 7;
  if (bytes > 16 || (bytes === 16 && rest)) return false;
  const a = parseIPv6(ipv6);
  const n = parseIPv6(network);
  if (!a || !n) return false;
  return prefixEqual(a, n, bits);
}

export interface CurlNoProxyMatch {
  match: boolean;
  /** The token that matched. */
  token?: string;
  how?: 'all' | 'host' | 'subdomain' | 'ip';
  /** Tokens curl read, in order (it stops at a token not followed by a comma). */
  tokens: string[];
}

const isBlank = (c: string | undefined) => c === ' ' || c === '\t';
const ieq = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

function matchHost(token: string, name: string): 'host' | 'subdomain' | null {
  let t = token;
  if (t.endsWith('.')) t = t.slice(0, -1);
  if (t.length && t.startsWith('.')) t = t.slice(1);
  if (t.length === name.length) return ieq(t, name) ? 'host' : null;
  if (t.length < name.length) {
    return name[name.length - t.length - 1] === '.' && ieq(t, name.slice(name.length - t.length)) ? 'subdomain' : null;
  }
  return null;
}

function matchIp(v6: boolean, token: string, name: string): boolean {
  if (token.length >= 128) return false;
  let checkip = token;
  let bits = 0;
  const slash = token.indexOf('/');
  if (slash >= 0) {
    const digits = token.slice(slash + 1);
    if (!/^\d+$/.test(digits)) return false;
    const value = Number(digits);
    if (value > 128) return false;
    bits = value;
    checkip = token.slice(0, slash);
  }
  return v6 ? curlCidr6Match(name, checkip, bits) : curlCidr4Match(name, checkip, bits);
}

/** libcurl's proxy_check_noproxy: does `name` (a host name or IP literal without brackets) match `noProxy`? */
export function curlCheckNoProxy(name: string, noProxy: string | null | undefined): CurlNoProxyMatch {
  const tokens: string[] = [];
  if (!name) return { match: false, tokens };
  if (!noProxy) return { match: false, tokens };
  if (noProxy === '*') return { match: true, token: '*', how: 'all', tokens: ['*'] };
  let type: 'host' | 'v4' | 'v6' = 'host';
  let hostName = name;
  if (parseIPv4Strict(name)) type = 'v4';
  else if (parseIPv6(name)) type = 'v6';
  else if (hostName.endsWith('.')) hostName = hostName.slice(0, -1);
  let p = 0;
  const s = noProxy;
  while (p < s.length) {
    while (isBlank(s[p])) p++;
    const start = p;
    while (p < s.length && !isBlank(s[p]) && s[p] !== ',') p++;
    const token = s.slice(start, p);
    if (token.length) {
      tokens.push(token);
      if (type === 'host') {
        const how = matchHost(token, hostName);
        if (how) return { match: true, token, how, tokens };
      } else if (matchIp(type === 'v6', token, name)) {
        return { match: true, token, how: 'ip', tokens };
      }
    }
    while (isBlank(s[p])) p++;
    if (s[p] !== ',') break;
    while (s[p] === ',') p++;
  }
  return { match: false, tokens };
}

function env1(env: EnvMap, name: string): { name: string; value: string } | null {
  const value = env[name];
  return value !== undefined && value !== '' ? { name, value } : null;
}

function detectProxy(scheme: string, env: EnvMap): { name: string; value: string } | null {
  let found: { name: string; value: string } | null = null;
  if (scheme !== 'http' && scheme !== 'https') {
    found = env1(env, `${scheme}_proxy`) ?? env1(env, `${scheme.toUpperCase()}_PROXY`);
  }
  if (!found && (scheme === 'https' || scheme === 'wss')) found = env1(env, 'https_proxy') ?? env1(env, 'HTTPS_PROXY');
  else if (!found && (scheme === 'http' || scheme === 'ws')) found = env1(env, 'http_proxy');
  if (!found) found = env1(env, 'all_proxy') ?? env1(env, 'ALL_PROXY');
  return found;
}

function curlWhyNot(raw: string, lead: string, port: number | null, kind: string, read: boolean): string {
  if (!read) return `curl never reads ${q(raw)}: it stops at the first blank-separated entry (use commas)`;
  if (kind === 'all') return '"*" means "all hosts" to curl only when it is the whole no_proxy value';
  if (lead === '*.' || lead === '*') return `curl has no wildcards: ${q(raw)} never matches`;
  if (port !== null) return `curl never matches entries with a port like ${q(raw)}`;
  if (raw.startsWith('[')) return `curl needs IPv6 entries without brackets, not ${q(raw)}`;
  return `curl does not match ${q(raw)} here`;
}

export function curlProxyForUrl(url: string, env: EnvMap): ClientVerdict {
  const parts = splitUrl(url);
  if (!parts) return { proxy: null, reason: 'invalid URL: curl rejects it, no request is made' };
  const { scheme } = parts;
  if (!CURL_SCHEMES.has(scheme)) return { proxy: null, reason: `curl does not support the ${scheme} scheme: no request` };
  if (scheme === 'file') return { proxy: null, reason: 'curl never uses a proxy for file:// URLs' };
  const noProxy = env1(env, 'no_proxy') ?? env1(env, 'NO_PROXY');
  // curl's URL parser drops an IPv6 zone and rewrites numeric IPv4 forms ("127.1") as dotted quads.
  let name = parts.hostname;
  if (parts.bracketed) name = name.replace(/%.*$/, '');
  else {
    const v4 = parseIPv4Aton(name);
    if (v4) name = v4.join('.');
  }
  const check = curlCheckNoProxy(name, noProxy?.value);
  if (check.match) {
    const n = noProxy!.name;
    if (check.how === 'all') return { proxy: null, reason: `${n} is "*": curl bypasses the proxy for every host` };
    const token = check.token!;
    let what: string;
    if (check.how === 'ip') what = token.includes('/') ? `contains ${name}` : 'matches the IP address';
    else if (check.how === 'host') what = token.startsWith('.') ? 'matches the host (curl ignores a leading dot)' : 'matches the host';
    else what = 'matches subdomains';
    return { proxy: null, reason: `${n} entry ${q(token)} ${what}` };
  }
  const found = detectProxy(scheme, env);
  if (!found) {
    if ((scheme === 'http' || scheme === 'ws') && env1(env, 'HTTP_PROXY'))
      return { proxy: null, reason: 'curl ignores upper-case HTTP_PROXY, and http_proxy and all_proxy are not set: direct' };
    if (scheme === 'https' || scheme === 'wss')
      return {
        proxy: null,
        reason: 'https_proxy/HTTPS_PROXY/all_proxy not set: curl does not fall back to http_proxy for https, so the request goes direct',
      };
    return { proxy: null, reason: `no ${scheme}_proxy or all_proxy set: direct` };
  }
  const base = noProxy ? `no ${noProxy.name} entry matched; ${found.name} used` : `no_proxy/NO_PROXY not set; ${found.name} used`;
  const port = Number(parts.port) || DEFAULT_PORTS[scheme] || 0;
  const read = new Set(check.tokens);
  const misses = noProxy ? nearMisses(noProxy.value, hintTarget(name, port)) : [];
  return {
    proxy: withDefaultScheme(found.value),
    reason: withNotes(
      base,
      misses.map((m) => curlWhyNot(m.shape.raw, m.shape.lead, m.shape.port, m.shape.kind, read.has(m.shape.raw))),
    ),
  };
}
