import type { Finding } from '../proxy-config';
import { append, canonicalIPv4, canonicalIPv6, endsInNumber, finding, isHostName, looksNumeric, show, type Located } from './util';

/**
 * The proxy URLs (`httpProxy`, `httpsProxy`). Parsed by hand rather than with WHATWG `new URL()`, which silently
 * repairs what AKS and Go refuse or read differently (`http:proxy`, `http:///proxy`, tabs and newlines inside,
 * backslashes, `0x7f.1` hosts, a missing `//`).
 *
 * Canonical form: `scheme://host:port/`, scheme and host lower-cased, one trailing dot of a host name dropped
 * (`p.example.` is `p.example`), the default port (80/443) written out, IPv6 in brackets and RFC 5952 form,
 * credentials, path, query and fragment dropped.
 *
 * No message ever echoes the URL as given: it may hold a password.
 */

export type ProxyField = 'httpProxy' | 'httpsProxy';

/** URLs longer than this are refused outright (and never parsed further). */
export const MAX_PROXY_URL_LENGTH = 2048;

export interface ProxyUrlCheck {
  findings: Finding[];
  /** The canonical URL, when the scheme is http/https and the host and port are valid (even if other errors). */
  normalized?: string;
}

interface Parts {
  scheme: string;
  hasCredentials: boolean;
  host: string; // canonical: lower-case name, dotted quad, or [rfc5952]
  port: number | null; // null: none given
  hasPath: boolean;
}

type Split = { ok: true; parts: Parts } | { ok: false; message: string };

const DEFAULT_PORTS: Readonly<Record<string, number>> = { http: 80, https: 443 };

function example(field: ProxyField): string {
  return field === 'httpProxy' ? 'http://proxy.example:3128/' : 'http://proxy.example:3128/ or https://proxy.example:443/';
}

/** Splits an already trimmed, printable-ASCII URL into its parts; never throws. */
function split(field: ProxyField, url: string): Split {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)(.*)$/s.exec(url);
  const bad = (why: string): Split => ({ ok: false, message: `${field} ${why}` });
  if (!m) {
    const bare = url.replace(/\/$/, '').toLowerCase();
    if (/^[^:/?#]+:\d+\/?$/.test(url) || isHostName(bare) || canonicalIPv4(bare) !== null) {
      return bad(`has no scheme; write it as an absolute URL such as http://${url.replace(/\/$/, '')}/.`);
    }
    return bad(`is not an absolute URL with a host; write it as scheme://host:port/, for example ${example(field)}.`);
  }
  const scheme = m[1]!.toLowerCase();
  const authority = m[2]!;
  const rest = m[3]!;
  const at = authority.lastIndexOf('@');
  const hostPort = at >= 0 ? authority.slice(at + 1) : authority;
  if (hostPort === '') return bad(`has no host; write it as scheme://host:port/, for example ${example(field)}.`);

  let host: string;
  let portText: string;
  if (hostPort.startsWith('[')) {
    const close = hostPort.indexOf(']');
    if (close < 0) return bad('has an IPv6 address without its closing "]"; write it as http://[2001:db8::1]:3128/.');
    const literal = canonicalIPv6(hostPort.slice(1, close));
    if (!literal) return bad('has a host in brackets that is not a valid IPv6 address (zones are not allowed); fix the address.');
    host = `[${literal}]`;
    const after = hostPort.slice(close + 1);
    if (after !== '' && !after.startsWith(':')) return bad('has characters after the IPv6 address; write it as http://[2001:db8::1]:3128/.');
    portText = after.slice(1);
  } else {
    const colon = hostPort.indexOf(':');
    if (colon !== hostPort.lastIndexOf(':')) {
      return bad('has more than one ":" in its host; write an IPv6 address in brackets, as http://[2001:db8::1]:3128/.');
    }
    const name = (colon >= 0 ? hostPort.slice(0, colon) : hostPort).toLowerCase();
    portText = colon >= 0 ? hostPort.slice(colon + 1) : '';
    if (name === '') return bad(`has no host; write it as scheme://host:port/, for example ${example(field)}.`);
    if (looksNumeric(name)) {
      const ip = canonicalIPv4(name);
      if (!ip) return bad(`has the host ${show(name)}, which is not a valid IPv4 address; write four decimal numbers from 0 to 255 without leading zeros.`);
      host = ip;
    } else if (endsInNumber(name)) {
      return bad(
        `has the host ${show(name)}, which ends in a number, so some clients read it as an IPv4 address and others as a name; write an IPv4 address as four decimal numbers (10.0.0.1), or a host name whose last label is not a number.`,
      );
    } else if (isHostName(name)) {
      host = name;
    } else if (name.endsWith('.') && isHostName(name.slice(0, -1))) {
      // "p.example." is the fully qualified spelling of "p.example": the same proxy, so the same canonical form.
      host = name.slice(0, -1);
    } else {
      return bad(`has the host ${show(name)}, which is not a valid host name; use letters, digits, hyphens and dots only.`);
    }
  }

  let port: number | null = null;
  if (portText !== '') {
    if (!/^\d{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) {
      return bad('has an invalid port; use a number from 1 to 65535, as in http://proxy.example:3128/.');
    }
    port = Number(portText);
  }
  return { ok: true, parts: { scheme, hasCredentials: at >= 0, host, port, hasPath: rest !== '' && rest !== '/' } };
}

/** Checks one proxy URL. `value` is the string as submitted. */
export function checkProxyUrl(field: ProxyField, value: string, p: string): ProxyUrlCheck {
  const findings: Finding[] = [];
  const invalid = (message: string): ProxyUrlCheck => {
    findings.push(finding('PROXY_URL_INVALID', p, message));
    return { findings };
  };

  if (value.trim() === '') {
    return invalid(`${field} is empty; set it to a URL such as ${example(field)}, or remove the field.`);
  }
  if (value.length > MAX_PROXY_URL_LENGTH) {
    return invalid(`${field} is longer than ${MAX_PROXY_URL_LENGTH} characters; write just scheme://host:port/.`);
  }
  const url = value.trim();
  if (url !== value) {
    findings.push(
      finding('PROXY_URL_INVALID', p, `${field} has leading or trailing whitespace, which AKS does not strip; remove it.`),
    );
  }
  if (/[\s\x00-\x1f\x7f\\]/.test(url)) {
    return invalid(`${field} contains spaces, control characters or backslashes; write a plain URL such as ${example(field)}.`);
  }
  if (/[^\x21-\x7e]/.test(url)) {
    return invalid(`${field} contains non-ASCII characters; write an internationalized host name in its punycode (xn--) form.`);
  }

  const s = split(field, url);
  if (!s.ok) {
    // A scheme we can still see is worth reporting on its own (e.g. socks5://proxy with a bad port).
    return invalid(s.message);
  }
  const { scheme, hasCredentials, host, port, hasPath } = s.parts;

  if (hasCredentials) {
    findings.push(
      finding(
        'PROXY_URL_CREDENTIALS',
        p,
        `${field} contains a user name or password, and AKS does not support proxy authentication; remove the credentials from the URL (they are neither stored nor shown) and let the proxy admit the cluster by source address.`,
      ),
    );
  }
  const allowed = field === 'httpProxy' ? ['http'] : ['http', 'https'];
  if (!allowed.includes(scheme)) {
    findings.push(
      finding(
        'PROXY_URL_SCHEME',
        p,
        field === 'httpProxy'
          ? scheme === 'https'
            ? 'httpProxy must use http:// (AKS rejects https:// here); write http://host:port/, or set an https:// proxy as httpsProxy instead.'
            : `httpProxy uses the scheme ${show(scheme)}, but AKS accepts only http:// here; write http://host:port/.`
          : `httpsProxy uses the scheme ${show(scheme)}, but AKS accepts only http:// or https://; write http://host:port/ (or https:// if the proxy itself speaks TLS).`,
      ),
    );
  }
  if (hasPath) {
    findings.push(
      finding(
        'PROXY_URL_PATH',
        p,
        `${field} has a path, query or fragment, which proxy clients ignore; write just ${scheme}://${host}${port === null ? '' : `:${port}`}/.`,
      ),
    );
  }
  if (field === 'httpsProxy' && scheme === 'https') {
    findings.push(
      finding(
        'HTTPS_PROXY_TLS',
        p,
        'httpsProxy uses https://, so every node and pod must open TLS to the proxy itself: its certificate must chain to a CA in trustedCa (or a public CA) and clients without HTTPS-proxy support fail; use http:// unless the proxy requires TLS.',
      ),
    );
  }
  const defaultPort = DEFAULT_PORTS[scheme];
  const effectivePort = port ?? defaultPort;
  return {
    findings,
    normalized: defaultPort !== undefined && effectivePort !== undefined ? `${scheme}://${host}:${effectivePort}/` : undefined,
  };
}

/**
 * The canonical form of a proxy URL (`scheme://host:port/`), or null when it is not a usable http/https URL.
 * For other modules (diff, explain) that need to compare endpoints the same way validation does.
 */
export function normalizeProxyUrl(value: string): string | null {
  const check = checkProxyUrl('httpsProxy', value, '');
  return check.normalized ?? null;
}

export interface ProxyUrlsResult {
  findings: Finding[];
  httpProxy?: string;
  httpsProxy?: string;
}

/** Both proxy URLs, PROXY_MISSING and HTTPS_PROXY_DEFAULTED. `base` is the pointer of the config object. */
export function validateProxyUrls(
  fields: { httpProxy?: Located<string>; httpsProxy?: Located<string> },
  base: string,
  present: { httpProxy: boolean; httpsProxy: boolean },
): ProxyUrlsResult {
  const result: ProxyUrlsResult = { findings: [] };
  for (const field of ['httpProxy', 'httpsProxy'] as const) {
    const located = fields[field];
    if (!located) continue;
    const check = checkProxyUrl(field, located.value, located.pointer);
    append(result.findings, check.findings);
    if (check.normalized !== undefined) result[field] = check.normalized;
  }
  const usable = (l: Located<string> | undefined) => l !== undefined && l.value.trim() !== '';
  if (!usable(fields.httpProxy) && !usable(fields.httpsProxy)) {
    result.findings.push(
      finding(
        'PROXY_MISSING',
        base,
        'Neither httpProxy nor httpsProxy is set, and AKS rejects such a config (HTTPProxy and HTTPSProxy both cannot be empty); set httpProxy to a URL such as http://proxy.example:3128/.',
      ),
    );
  } else if (!present.httpsProxy && result.httpProxy !== undefined) {
    result.findings.push(
      finding(
        'HTTPS_PROXY_DEFAULTED',
        fields.httpProxy!.pointer,
        'httpsProxy is not set, so AKS sends HTTPS traffic through httpProxy as well; set httpsProxy only if HTTPS traffic must take a different proxy.',
      ),
    );
  }
  return result;
}
