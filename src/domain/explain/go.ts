/**
 * Go: golang.org/x/net/http/httpproxy (what net/http's ProxyFromEnvironment uses; kubelet, containerd, most
 * Kubernetes components and Go applications in pods).
 *
 * - Variables: HTTP_PROXY then http_proxy, HTTPS_PROXY then https_proxy, NO_PROXY then no_proxy; the first
 *   non-empty value wins (upper case first). REQUEST_METHOD set (CGI): an http URL with a proxy is an error.
 * - Only http and https URLs get a proxy; an https URL without HTTPS_PROXY goes direct (no fallback to HTTP_PROXY).
 * - Never proxied: the host "localhost" and loopback IP literals (127.0.0.0/8, ::1, also with an IPv6 zone).
 * - Follows x/net v0.36.0 and later: an IPv6 literal with a zone is matched as an IP, without its zone.
 * - NO_PROXY: comma-separated, trimmed, lower-cased. `*` (as one entry) bypasses everything. IP and CIDR entries
 *   match IP literals only; `ip:port` and `[ipv6]:port` add a port condition. Names: `corp.example` matches the
 *   name and its subdomains, `.corp.example` and `*.corp.example` subdomains only; `name:port` adds a port
 *   condition, compared with the URL's port or the scheme's default (80, 443). IDNA names compare as punycode.
 * - The proxy value: a value without `scheme://host` is read as `http://value`.
 */
import { domainToASCII } from 'node:url';
import type { ClientVerdict, EnvMap } from './types';
import { splitUrl, percentDecode, isAscii } from './url';
import { parseIPv4Strict, parseIPv6, mapped, unmap, prefixEqual, bytesEqual } from './ip';
import { hintTarget, lastTextMemo, nearMisses, q, withNotes } from './hints';

export type Matcher =
  | { kind: 'all'; entry: string }
  | { kind: 'cidr'; entry: string; addr: number[]; bits: number }
  | { kind: 'ip'; entry: string; addr: number[]; port: string }
  | { kind: 'domain'; entry: string; suffix: string; port: string; matchHost: boolean; wildcard: boolean };

function firstNonEmpty(env: EnvMap, ...names: string[]): { name: string; value: string } | null {
  for (const name of names) {
    const value = env[name];
    if (value !== undefined && value !== '') return { name, value };
  }
  return null;
}

function idna(s: string): string {
  if (isAscii(s)) return s;
  const ascii = domainToASCII(s);
  return ascii === '' ? s : ascii;
}

/** Go's net.SplitHostPort: host and port, or null on error. */
function splitHostPort(s: string): { host: string; port: string } | null {
  if (s.startsWith('[')) {
    const close = s.indexOf(']');
    if (close < 0) return null;
    if (close + 1 === s.length || s[close + 1] !== ':') return null; // missing port
    const port = s.slice(close + 2);
    if (port.includes(':')) return null;
    return { host: s.slice(1, close), port };
  }
  const i = s.lastIndexOf(':');
  if (i < 0) return null;
  const host = s.slice(0, i);
  if (host.includes(':') || host.includes('[') || host.includes(']')) return null;
  return { host, port: s.slice(i + 1) };
}

/** Go's net.ParseIP, as 16 bytes (IPv4 mapped), or null. */
function parseIP(s: string): number[] | null {
  const v4 = parseIPv4Strict(s);
  if (v4) return mapped(v4);
  return parseIPv6(s);
}

/** Go's net.ParseCIDR, as a 16-byte network and a prefix length over 16 bytes. */
function parseCIDR(s: string): { addr: number[]; bits: number } | null {
  const slash = s.indexOf('/');
  if (slash < 0) return null;
  const ipText = s.slice(0, slash);
  const bitsText = s.slice(slash + 1);
  if (!/^\d+$/.test(bitsText)) return null;
  const bits = Number(bitsText);
  const v4 = parseIPv4Strict(ipText);
  if (v4) return bits <= 32 ? { addr: mapped(v4), bits: bits + 96 } : null;
  const v6 = parseIPv6(ipText);
  if (v6) return bits <= 128 ? { addr: v6, bits } : null;
  return null;
}

/** Parses a NO_PROXY value the way httpproxy's config.init does (once per value: see lastTextMemo). */
export const goParseNoProxy = lastTextMemo(parseNoProxy);

function parseNoProxy(noProxy: string): Matcher[] {
  const matchers: Matcher[] = [];
  for (const piece of noProxy.split(',')) {
    const entry = piece.trim();
    const p = entry.toLowerCase();
    if (p === '') continue;
    if (p === '*') return [{ kind: 'all', entry }];
    const cidr = parseCIDR(p);
    if (cidr) {
      matchers.push({ kind: 'cidr', entry, ...cidr });
      continue;
    }
    let phost: string;
    let pport = '';
    const hp = splitHostPort(p);
    if (hp) {
      if (hp.host === '') continue; // malformed, ignored
      phost = hp.host;
      pport = hp.port;
    } else {
      phost = p;
    }
    const ip = parseIP(phost);
    if (ip) {
      matchers.push({ kind: 'ip', entry, addr: ip, port: pport });
      continue;
    }
    if (phost === '') continue;
    let wildcard = false;
    if (phost.startsWith('*.')) {
      phost = phost.slice(1);
      wildcard = true;
    }
    let matchHost = false;
    if (!phost.startsWith('.')) {
      matchHost = true;
      phost = '.' + phost;
    }
    matchers.push({ kind: 'domain', entry, suffix: idna(phost), port: pport, matchHost, wildcard });
  }
  return matchers;
}

const DEFAULT_PORTS: Record<string, string> = { http: '80', https: '443', socks5: '1080' };

function isLoopback(ip: number[]): boolean {
  const v4 = unmap(ip);
  if (v4) return v4[0] === 127;
  return bytesEqual(ip, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
}

/** Go's parseProxy, shown as url.URL.String() would: a value without scheme and host gets `http://`. */
export function goProxyUrl(value: string): string {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)(.*)$/s.exec(value);
  if (m && m[2] !== '') return `${m[1]!.toLowerCase()}://${m[2]}${m[3]}`;
  return `http://${value}`;
}

export interface GoNoProxyDecision {
  bypass: boolean;
  reason: string;
}

/**
 * httpproxy's useProxy for a host and port (`host` as url.Hostname() gives it, without brackets), given the
 * NO_PROXY value. `bypass` true means no proxy.
 */
export function goUseProxy(host: string, port: string, noProxy: string, noProxyName = 'NO_PROXY'): GoNoProxyDecision {
  const asciiHost = idna(host);
  if (asciiHost === 'localhost') return { bypass: true, reason: 'Go never proxies "localhost"' };
  // Since x/net v0.36.0 (CVE-2025-22870, commit cde1dda9) useProxy parses the host with netip.ParseAddr, which
  // accepts an IPv6 zone ("fe80::1%eth0") and AsSlice drops it: a zoned literal counts as an IP for the loopback,
  // IP and CIDR checks and never matches a name entry. Older x/net used net.ParseIP, which returns nil for a zoned
  // address, so only name entries applied, to the text with its zone ("1000::1%.example.com" matched example.com).
  const zone = asciiHost.indexOf('%');
  const ip = parseIP(zone >= 0 && asciiHost.includes(':') ? asciiHost.slice(0, zone) : asciiHost);
  if (ip && isLoopback(ip)) return { bypass: true, reason: `Go never proxies loopback addresses (${host})` };
  const addr = asciiHost.trim().toLowerCase();
  const matchers = goParseNoProxy(noProxy);
  const onPort = (p: string) => (p === '' ? '' : ` on port ${p}`);
  if (ip) {
    for (const m of matchers) {
      if (m.kind === 'all') return { bypass: true, reason: `${noProxyName} entry "*" bypasses the proxy for every host` };
      if (m.kind === 'cidr' && prefixEqual(ip, m.addr, m.bits))
        return { bypass: true, reason: `${noProxyName} entry ${q(m.entry)} contains ${host}` };
      if (m.kind === 'ip' && bytesEqual(ip, m.addr) && (m.port === '' || m.port === port))
        return { bypass: true, reason: `${noProxyName} entry ${q(m.entry)} matches the IP address${onPort(m.port)}` };
    }
  }
  for (const m of matchers) {
    if (m.kind === 'all') return { bypass: true, reason: `${noProxyName} entry "*" bypasses the proxy for every host` };
    if (m.kind !== 'domain' || ip) continue;
    const apex = m.matchHost && addr === m.suffix.slice(1);
    const sub = addr.endsWith(m.suffix);
    if ((apex || sub) && (m.port === '' || m.port === port)) {
      const what = apex
        ? 'matches the host'
        : m.wildcard
          ? 'matches subdomains (Go reads "*." like a leading ".")'
          : 'matches subdomains';
      return { bypass: true, reason: `${noProxyName} entry ${q(m.entry)} ${what}${onPort(m.port)}` };
    }
  }
  return { bypass: false, reason: '' };
}

function goWhyNot(raw: string, cover: string, lead: string): string {
  if (lead === '.' && cover === 'apex') return `Go reads ${q(raw)} as subdomains only, not the name itself`;
  if (lead === '*') return `Go has no wildcard like ${q(raw)} (only a leading "*." or ".")`;
  if (raw.startsWith('[') && !/\]:\d+$/.test(raw)) return `Go ignores ${q(raw)}: write IPv6 entries without brackets`;
  return `Go does not match ${q(raw)} here`;
}

export function goProxyForUrl(url: string, env: EnvMap): ClientVerdict {
  const parts = splitUrl(url);
  if (!parts) return { proxy: null, reason: 'invalid URL: Go cannot parse it, no request is made' };
  const { scheme } = parts;
  const httpProxy = firstNonEmpty(env, 'HTTP_PROXY', 'http_proxy');
  const httpsProxy = firstNonEmpty(env, 'HTTPS_PROXY', 'https_proxy');
  const noProxy = firstNonEmpty(env, 'NO_PROXY', 'no_proxy');
  const cgi = (env['REQUEST_METHOD'] ?? '') !== '';
  let chosen: { name: string; value: string } | null;
  if (scheme === 'https') {
    chosen = httpsProxy;
    if (!chosen)
      return {
        proxy: null,
        reason: 'HTTPS_PROXY/https_proxy not set: Go does not fall back to HTTP_PROXY for https URLs, so the request goes direct',
      };
  } else if (scheme === 'http') {
    chosen = httpProxy;
    if (!chosen) return { proxy: null, reason: 'HTTP_PROXY/http_proxy not set: direct' };
    if (cgi)
      return {
        proxy: null,
        reason: 'Go refuses to use HTTP_PROXY when REQUEST_METHOD is set (CGI environment): the request fails with an error, no request is made',
      };
  } else {
    return { proxy: null, reason: `Go's ProxyFromEnvironment only proxies http and https URLs: ${scheme} goes direct` };
  }
  const host = idna(percentDecode(parts.hostname));
  const port = parts.port || DEFAULT_PORTS[scheme] || '';
  const decision = goUseProxy(host, port, noProxy?.value ?? '', noProxy?.name ?? 'NO_PROXY');
  if (decision.bypass) return { proxy: null, reason: decision.reason };
  const proxy = goProxyUrl(chosen.value);
  const base = noProxy
    ? `no ${noProxy.name} entry matched; ${chosen.name} used`
    : `NO_PROXY not set; ${chosen.name} used`;
  const misses = noProxy ? nearMisses(noProxy.value, hintTarget(host, Number(port) || 0)) : [];
  return { proxy, reason: withNotes(base, misses.map((m) => goWhyNot(m.shape.raw, m.cover, m.shape.lead))) };
}
