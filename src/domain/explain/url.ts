import { domainToASCII } from 'node:url';
import { formatIPv6, parseIPv4Aton, parseIPv6 } from './ip';

/**
 * A small RFC 3986 splitter. Clients parse URLs differently (Go's net/url, curl's urlapi, Python's urlsplit,
 * WHATWG URL in Node, Ruby's URI); each client model starts from these raw parts and then applies its own
 * normalization (lower-casing, IDNA, IPv4 forms, default ports) so that what differs between clients stays visible.
 */

export interface UrlParts {
  /** Lower-cased scheme, without ':'. */
  scheme: string;
  /** True when the URL has a `//authority` part. */
  hasAuthority: boolean;
  /** `user:password` before '@', or null. */
  userinfo: string | null;
  /** The host as written, IPv6 brackets kept (`[::1]`), without userinfo and port. */
  host: string;
  /** The host without IPv6 brackets. */
  hostname: string;
  /** True when the host was written in brackets (an IPv6 literal, possibly with a zone). */
  bracketed: boolean;
  /** The explicit port digits, '' for a bare ':' after the host, or null when there is no port. */
  port: string | null;
  /** host[:port] exactly as written (authority without userinfo). */
  hostport: string;
}

const URL_RE = /^([A-Za-z][A-Za-z0-9+.-]*):(?:\/\/([^/?#]*))?([^?#]*)(?:\?[^#]*)?(?:#.*)?$/s;

/** Splits an absolute URL, or returns null when it is not one (no scheme, bad brackets, non-numeric port). */
export function splitUrl(input: string): UrlParts | null {
  const m = URL_RE.exec(input);
  if (!m) return null;
  const scheme = m[1]!.toLowerCase();
  const authority = m[2];
  if (authority === undefined) {
    return { scheme, hasAuthority: false, userinfo: null, host: '', hostname: '', bracketed: false, port: null, hostport: '' };
  }
  const at = authority.lastIndexOf('@');
  const userinfo = at >= 0 ? authority.slice(0, at) : null;
  const hostport = at >= 0 ? authority.slice(at + 1) : authority;
  let host: string;
  let port: string | null = null;
  let bracketed = false;
  if (hostport.startsWith('[')) {
    const close = hostport.indexOf(']');
    if (close < 0) return null;
    host = hostport.slice(0, close + 1);
    const rest = hostport.slice(close + 1);
    if (rest !== '') {
      if (!rest.startsWith(':')) return null;
      port = rest.slice(1);
    }
    bracketed = true;
  } else {
    const colon = hostport.indexOf(':');
    if (colon >= 0) {
      if (hostport.indexOf(':', colon + 1) >= 0) return null; // an unbracketed IPv6 address is no host
      host = hostport.slice(0, colon);
      port = hostport.slice(colon + 1);
    } else {
      host = hostport;
    }
  }
  if (port !== null && !/^\d*$/.test(port)) return null;
  const hostname = bracketed ? host.slice(1, -1) : host;
  return { scheme, hasAuthority: true, userinfo, host, hostname, bracketed, port, hostport };
}

/** Percent-decodes, leaving malformed escapes as they are. */
export function percentDecode(s: string): string {
  if (!s.includes('%')) return s;
  return s.replace(/(%[0-9A-Fa-f]{2})+/g, (seq) => {
    try {
      return decodeURIComponent(seq);
    } catch {
      return seq;
    }
  });
}

/** True when the string has a character outside ASCII. */
export const isAscii = (s: string): boolean => /^[\x00-\x7f]*$/.test(s);

/** `scheme://` present at the start? */
export const hasSchemeSeparator = (s: string): boolean => /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(s);

/** The value with `http://` put in front when it has no `scheme://` (what most clients assume for a bare host:port). */
export const withDefaultScheme = (value: string): string => (hasSchemeSeparator(value) ? value : `http://${value}`);

const PROXY_DEFAULT_PORTS: Readonly<Record<string, string>> = {
  http: '80',
  https: '443',
  socks: '1080',
  socks4: '1080',
  socks4a: '1080',
  socks5: '1080',
  socks5h: '1080',
};

/**
 * The endpoint a proxy URL names, for comparing what different clients show: `scheme://host:port` with the scheme
 * and host lower-cased, the port explicit (the scheme's default when absent), IPv6 in RFC 5952 form, numeric IPv4
 * forms as dotted quads, IDNA names as punycode; user info, path and a trailing "/" are left out. A value without
 * `scheme://` is read as http. A value that is no URL comes back as it is.
 */
export function proxyEndpoint(proxy: string): string {
  const parts = splitUrl(withDefaultScheme(proxy.trim()));
  if (!parts || !parts.hasAuthority || parts.hostname === '') return proxy;
  let host = percentDecode(parts.hostname).toLowerCase();
  if (!isAscii(host)) host = domainToASCII(host) || host;
  const v6 = parts.bracketed ? parseIPv6(host) : null;
  const v4 = !parts.bracketed && /^[0-9a-fx.]+$/.test(host) && /(^|\.)(0x[0-9a-f]*|\d+)\.?$/.test(host) ? parseIPv4Aton(host.replace(/\.$/, '')) : null;
  if (v6) host = `[${formatIPv6(v6)}]`;
  else if (parts.bracketed) host = `[${host}]`;
  else if (v4) host = v4.join('.');
  const port = parts.port ? String(Number(parts.port)) : (PROXY_DEFAULT_PORTS[parts.scheme] ?? '');
  return `${parts.scheme}://${host}${port === '' ? '' : `:${port}`}`;
}
