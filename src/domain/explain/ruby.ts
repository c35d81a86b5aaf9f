/**
 * Ruby: URI::Generic#find_proxy (ruby/uri lib/uri/generic.rb), what Net::HTTP, open-uri and most gems use.
 *
 * - Variables: `<scheme>_proxy` then upper case (for http: `http_proxy`, else `HTTP_PROXY`); a variable that is set
 *   but empty means no proxy. An https URL reads https_proxy/HTTPS_PROXY only: no fallback to http_proxy.
 *   `no_proxy`, else `NO_PROXY`. With REQUEST_METHOD set (CGI) upper-case HTTP_PROXY is refused and CGI_HTTP_PROXY read.
 * - Never proxied: a host whose address is 127.x or ::1. Ruby resolves the host name (IPSocket.getaddress) for this
 *   and for IP/CIDR entries. This model does no DNS: IP literals are their own address, `localhost` is taken as
 *   127.0.0.1 (/etc/hosts), any other name has no address, so IP and CIDR entries never match names here.
 * - no_proxy is scanned for `host[:port]` tokens (anything but ':', ',' and whitespace), so IPv6 entries fall apart
 *   and never match an IPv6 host; their pieces are tokens of their own (`::1` gives `1`, which every host name
 *   ending in `.1` matches, IPv4 literals included). `.corp.example` matches subdomains only, `corp.example` the name and subdomains,
 *   case-insensitive; a port must equal the URL's port (default port of the scheme). IPv4 and IPv4 CIDR entries
 *   match the host's address. `*` is not supported.
 * - The proxy is the variable's value as is.
 */
import type { ClientVerdict, EnvMap } from './types';
import { isAscii, splitUrl } from './url';
import { parseIPv4Strict, parseIPv6, prefixEqual, formatIPv6 } from './ip';
import { cidrEntries, hintTarget, nearMisses, q, withNotes } from './hints';

const DEFAULT_PORTS: Record<string, number> = { http: 80, https: 443, ftp: 21, ws: 80, wss: 443, ldap: 389, ldaps: 636 };

/** IPAddr.new(entry).include?(addr) for the tokens the scan can produce (no ':'), or null when IPAddr rejects it. */
function ipAddrInclude(entry: string, addr: string): boolean | null {
  const slash = entry.indexOf('/');
  const ipText = slash >= 0 ? entry.slice(0, slash) : entry;
  const net = parseIPv4Strict(ipText);
  if (!net) return null;
  let bits = 32;
  if (slash >= 0) {
    const prefix = entry.slice(slash + 1);
    if (/^\d+$/.test(prefix)) {
      bits = Number(prefix);
      if (bits > 32) return null;
    } else {
      const mask = parseIPv4Strict(prefix);
      if (!mask) return null;
      const m = mask.reduce((acc, b) => acc * 256 + b, 0);
      const inverted = 2 ** 32 - 1 - m;
      if ((inverted & (inverted + 1)) !== 0) return null; // not contiguous
      bits = 32 - Math.log2(inverted + 1);
    }
  }
  const a = parseIPv4Strict(addr);
  if (!a) return false; // other family
  return prefixEqual(a, net, bits);
}

export interface RubyUseProxy {
  useProxy: boolean;
  /** The no_proxy entry (comma-separated, trimmed) the deciding token came from. */
  entry?: string;
  /** The token Ruby's scan produced (`host` or `host:port`); differs from `entry` when Ruby split the entry. */
  token?: string;
  how?: string;
}

/** The comma-separated, trimmed entry of `noProxy` that holds the character at `index`. */
function entryAt(noProxy: string, index: number): string {
  const start = noProxy.lastIndexOf(',', index) + 1;
  const end = noProxy.indexOf(',', index);
  return noProxy.slice(start, end < 0 ? undefined : end).trim();
}

/** URI::Generic.use_proxy?(hostname, addr, port, no_proxy). */
export function rubyUseProxy(hostname: string, addr: string | null, port: number | null, noProxy: string): RubyUseProxy {
  const host = hostname.toLowerCase();
  const dothost = `.${host}`;
  const re = /([^:,\s]+)(?::(\d+))?/g;
  for (let m = re.exec(noProxy); m !== null; m = re.exec(noProxy)) {
    const pHost = m[1]!;
    const pPort = m[2];
    const token = m[0];
    const entry = entryAt(noProxy, m.index);
    if (pPort === undefined || port === Number(pPort)) {
      const onPort = pPort !== undefined ? ` on port ${pPort}` : '';
      if (pHost.startsWith('.')) {
        if (host.endsWith(pHost.toLowerCase())) return { useProxy: false, entry, token, how: `matches subdomains${onPort}` };
      } else if (dothost.endsWith(`.${pHost.toLowerCase()}`)) {
        const how = host === pHost.toLowerCase() ? 'matches the host' : 'matches subdomains';
        return { useProxy: false, entry, token, how: `${how}${onPort}` };
      }
      if (addr) {
        const inc = ipAddrInclude(pHost, addr);
        if (inc === null) continue;
        if (inc) return { useProxy: false, entry, token, how: pHost.includes('/') ? `contains ${addr}` : 'matches the IP address' };
      }
    }
  }
  return { useProxy: true };
}

/** The address IPSocket.getaddress would give, without DNS: IP literals, and localhost as 127.0.0.1. */
function addressOf(hostname: string): string | null {
  if (parseIPv4Strict(hostname)) return hostname;
  const v6 = parseIPv6(hostname);
  if (v6) return formatIPv6(v6);
  if (hostname.toLowerCase() === 'localhost') return '127.0.0.1';
  return null;
}

function rubyWhyNot(raw: string, kind: string, lead: string, cover: string): string {
  if (kind === 'all') return 'Ruby does not support "*" in no_proxy';
  if (lead === '*.' || lead === '*') return `Ruby has no wildcards: ${q(raw)} never matches`;
  if (lead === '.' && cover === 'apex') return `Ruby reads ${q(raw)} as subdomains only, not the name itself`;
  if ((kind === 'ip' || kind === 'cidr') && raw.includes(':'))
    return `Ruby splits no_proxy at ":", so IPv6 entries like ${q(raw)} never match`;
  return `Ruby does not match ${q(raw)} here`;
}

/**
 * Names the entry that decided. When Ruby's scan split the entry (an IPv6 address at its colons, an entry with a
 * blank inside), the reason says which token it kept: "::1" gives the token "1", which every host ending in ".1"
 * (10.0.0.1 included, as a name) matches.
 */
function rubyBypassReason(noVar: string, d: RubyUseProxy): string {
  const entry = d.entry!;
  const token = d.token!;
  if (entry === token) return `${noVar} entry ${q(entry)} ${d.how}`;
  const at = entry.includes(':') ? '":"' : 'blanks';
  const suffix = d.how!.startsWith('matches subdomains') && !token.startsWith('.') ? ` (any host ending in ${q(`.${token.split(':')[0]}`)})` : '';
  return `${noVar} entry ${q(entry)}: Ruby split ${q(entry)} at ${at} and kept ${q(token)}, which ${d.how}${suffix}`;
}

export function rubyFindProxy(url: string, env: EnvMap): ClientVerdict {
  const parts = splitUrl(url);
  if (!parts) return { proxy: null, reason: 'invalid or relative URI: find_proxy raises, no request is made' };
  if (!isAscii(url)) return { proxy: null, reason: 'URI::InvalidURIError: Ruby\'s URI parser rejects non-ASCII characters (use punycode), no request is made' };
  const { scheme } = parts;
  const name = `${scheme}_proxy`;
  const upper = name.toUpperCase();
  let proxyUri: string | undefined;
  let from = name;
  if (name === 'http_proxy' && env['REQUEST_METHOD'] !== undefined) {
    const pairs = Object.keys(env).filter((k) => env[k] !== undefined && /^http_proxy$/i.test(k));
    if (pairs.length === 1) proxyUri = pairs[0] === 'http_proxy' && env['HTTP_PROXY'] === undefined ? env['http_proxy'] : undefined;
    else if (pairs.length > 1) proxyUri = env['http_proxy'];
    if (!proxyUri) {
      proxyUri = env['CGI_HTTP_PROXY'];
      from = 'CGI_HTTP_PROXY';
    }
    if (proxyUri === undefined)
      return { proxy: null, reason: 'REQUEST_METHOD is set (CGI): Ruby refuses HTTP_PROXY, and http_proxy/CGI_HTTP_PROXY are not set: direct' };
  } else if (env[name] !== undefined) {
    proxyUri = env[name];
  } else {
    proxyUri = env[upper];
    from = upper;
  }
  if (proxyUri === undefined || proxyUri === '') {
    if (scheme === 'https' && (env['http_proxy'] || env['HTTP_PROXY']))
      return {
        proxy: null,
        reason: 'https_proxy/HTTPS_PROXY not set: Ruby does not fall back to http_proxy for https, so the request goes direct',
      };
    const empty = proxyUri === '' ? ` (${from} is set but empty)` : '';
    return { proxy: null, reason: `${name}/${upper} not set: direct${empty}` };
  }
  const hostname = parts.hostname;
  const addr = hostname ? addressOf(hostname) : null;
  if (addr && /^127\.|^::1$/.test(addr)) {
    const assumed = addr !== hostname && hostname.toLowerCase() === 'localhost' ? ' (localhost taken as 127.0.0.1)' : '';
    return { proxy: null, reason: `Ruby never proxies hosts whose address is loopback (127.x, ::1)${assumed}` };
  }
  const port = parts.port ? Number(parts.port) : (DEFAULT_PORTS[scheme] ?? null);
  const noVar = env['no_proxy'] !== undefined ? 'no_proxy' : env['NO_PROXY'] !== undefined ? 'NO_PROXY' : null;
  if (noVar) {
    const decision = rubyUseProxy(hostname, addr, port, env[noVar]!);
    if (!decision.useProxy) return { proxy: null, reason: rubyBypassReason(noVar, decision) };
  }
  const base = noVar ? `no ${noVar} entry matched; ${from} used` : `no_proxy/NO_PROXY not set; ${from} used`;
  const notes: string[] = [];
  if (noVar && addr === null && hostname) {
    const cidrs = cidrEntries(env[noVar]!).filter((c) => !c.includes(':'));
    if (cidrs.length > 0) {
      const shown = cidrs.slice(0, 3).map(q).join(', ') + (cidrs.length > 3 ? ', ...' : '');
      notes.push(
        `host names are not resolved here (no DNS): Ruby would also go direct if ${hostname} resolves into ${shown} or to a loopback address`,
      );
    }
  }
  const misses = noVar ? nearMisses(env[noVar]!, hintTarget(hostname, port ?? 0)) : [];
  return {
    proxy: proxyUri,
    reason: withNotes(base, [...notes, ...misses.map((m) => rubyWhyNot(m.shape.raw, m.shape.kind, m.shape.lead, m.cover))]),
  };
}
