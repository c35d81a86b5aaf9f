import ipaddr from 'ipaddr.js';
import type { Finding, FindingCode, Severity } from '../proxy-config';
import { containsPrivateKey, redactKeyMaterial, safeName, WITHHELD } from '../redact';

/**
 * The severity of every finding code, exactly as API.md's "Findings" table fixes it. A code never changes
 * severity: where a case needs another severity, another code is used.
 */
export const FINDING_SEVERITY: Readonly<Record<FindingCode, Severity>> = {
  CONFIG_WRAPPED: 'error',
  UNKNOWN_FIELD: 'error',
  FIELD_NAME_CASE: 'warning',
  FIELD_TYPE: 'error',
  NO_PROXY_STRING: 'error',
  PROXY_MISSING: 'error',
  PROXY_URL_INVALID: 'error',
  PROXY_URL_SCHEME: 'error',
  PROXY_URL_CREDENTIALS: 'error',
  PROXY_URL_PATH: 'warning',
  HTTPS_PROXY_DEFAULTED: 'info',
  HTTPS_PROXY_TLS: 'warning',
  NO_PROXY_INVALID: 'error',
  NO_PROXY_TRAILING_DOT: 'error',
  NO_PROXY_WILDCARD: 'error',
  NO_PROXY_ALL: 'error',
  NO_PROXY_DUPLICATE: 'warning',
  NO_PROXY_CIDR: 'warning',
  NO_PROXY_PORT: 'warning',
  NO_PROXY_LEADING_DOT: 'info',
  NO_PROXY_REDUNDANT: 'info',
  TRUSTED_CA_BASE64: 'error',
  TRUSTED_CA_NOT_ENCODED: 'error',
  TRUSTED_CA_NOT_PEM: 'error',
  TRUSTED_CA_PRIVATE_KEY: 'error',
  TRUSTED_CA_PARSE: 'error',
  TRUSTED_CA_TOO_MANY: 'error',
  TRUSTED_CA_TOO_LARGE: 'error',
  TRUSTED_CA_NO_SAN: 'error',
  TRUSTED_CA_EXPIRED: 'error',
  TRUSTED_CA_NOT_YET_VALID: 'error',
  TRUSTED_CA_EXPIRING: 'warning',
  TRUSTED_CA_NOT_CA: 'warning',
  TRUSTED_CA_WEAK_SIGNATURE: 'warning',
  TRUSTED_CA_WEAK_KEY: 'warning',
  CLUSTER_WINDOWS_NODE_POOL: 'error',
  CLUSTER_VMAS_NODE_POOL: 'error',
  UPDATE_REIMAGES_NODES: 'warning',
  PROXY_ENDPOINT_CHANGED: 'warning',
  PROXY_DISABLED: 'warning',
  DRIFT: 'warning',
  ISTIO_SERVICE_ENTRY_NEEDED: 'warning',
  MONITORING_TRUSTED_CA: 'warning',
};

/** A finding with the severity the contract gives its code. */
export function finding(code: FindingCode, pointer: string, message: string): Finding {
  return { code, severity: FINDING_SEVERITY[code], pointer, message };
}

/**
 * Appends every item of `items` to `target`. `target.push(...items)` passes each item as an argument and overflows
 * the stack for arrays of some 100,000 items (a 600 KB noProxy list has more), so lists whose length the
 * submitted document decides are appended with this loop instead.
 */
export function append<T>(target: T[], items: readonly T[]): void {
  for (const item of items) target.push(item);
}

/** A value and where it sits in the submitted document (RFC 6901). */
export interface Located<T> {
  value: T;
  pointer: string;
}

const SHOW_MAX = 80;

/**
 * A user-supplied string quoted for a message: key material withheld (redact.ts; a value holding a private key is
 * withheld whole), JSON-quoted (so control characters cannot break the message) and cut at 80 characters, never
 * inside a `[N characters withheld]` placeholder. Never pass secrets (URL credentials, trustedCa content) through it.
 */
export function show(value: string): string {
  const text = containsPrivateKey(value) ? safeName(value) : redactKeyMaterial(value);
  if (text.length <= SHOW_MAX) return JSON.stringify(text);
  let end = SHOW_MAX - 1;
  for (const m of text.matchAll(WITHHELD)) {
    if (m.index >= end) break;
    if (m.index + m[0].length > end) end = m.index + m[0].length;
  }
  return JSON.stringify(text.slice(0, end) + '…');
}

/** The JSON type of a value, as a message names it. */
export function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'a boolean';
    case 'object':
      return 'an object';
    default:
      return typeof value;
  }
}

export const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;

/**
 * Whether a host "ends in a number" (the WHATWG URL rule): its last label, after one trailing dot, is all digits
 * or a 0x hexadecimal number. WHATWG parsers (browsers, Node's URL, curl) read such a host as an IPv4 address
 * (`0x7f.1` is 127.0.0.1, `12345` is 0.0.48.57) while Go and DNS resolvers read it as a name, so unless it is a
 * strict dotted quad it means different things to different clients.
 */
export function endsInNumber(host: string): boolean {
  const trimmed = host.length > 1 && host.endsWith('.') ? host.slice(0, -1) : host;
  const last = trimmed.slice(trimmed.lastIndexOf('.') + 1);
  return /^[0-9]+$/.test(last) || /^0x[0-9a-f]*$/i.test(last);
}

/**
 * An RFC 1123 host name: dot-separated labels of 1-63 letters, digits and hyphens, neither starting nor ending
 * with a hyphen, 253 characters at most, and not ending in a number (RFC 1123 2.1: the top-level label is never
 * numeric; see endsInNumber). No trailing dot, no underscore, no wildcard.
 */
export function isHostName(name: string): boolean {
  if (name.length === 0 || name.length > 253) return false;
  const labels = name.split('.');
  for (const label of labels) if (!LABEL.test(label)) return false;
  return !endsInNumber(name);
}

/** Looks like an attempt at an IPv4 literal: only digits and dots, with a dot. */
export const looksNumeric = (s: string): boolean => /^[0-9.]+$/.test(s) && s.includes('.');

/** A strict dotted-quad IPv4 literal (no octal, hex or short forms), canonicalised; null when it is not one. */
export function canonicalIPv4(s: string): string | null {
  if (!/^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(s)) return null;
  // Four decimal parts without leading zeros ("010.0.0.1" is octal to some parsers and decimal to others), each
  // at most 255: such a string is already the canonical spelling (what ipaddr.IPv4.isValidFourPartDecimal accepts,
  // checked here without its parser's regular expressions and objects).
  let start = 0;
  for (let part = 0; part < 4; part++) {
    const dot = part < 3 ? s.indexOf('.', start) : s.length;
    if (dot - start > 1 && s.charCodeAt(start) === 48 /* 0 */) return null;
    if (Number(s.slice(start, dot)) > 255) return null;
    start = dot + 1;
  }
  return s;
}

/** An IPv6 literal without brackets and without a zone, in RFC 5952 form; null when it is not one. */
export function canonicalIPv6(s: string): string | null {
  if (!s.includes(':') || !/^[0-9a-f:.]{2,45}$/i.test(s) || !ipaddr.IPv6.isValid(s)) return null;
  try {
    return ipaddr.IPv6.parse(s).toRFC5952String();
  } catch {
    return null;
  }
}

export type CidrCheck =
  | {
      ok: true;
      version: 4 | 6;
      /** The address as written, canonicalised (dotted quad, or RFC 5952). */
      address: string;
      prefix: number;
      /** The network address (host bits cleared), canonicalised. */
      network: string;
      /** `network/prefix`. */
      canonical: string;
    }
  | { ok: false; problem: 'address' | 'prefix'; version?: 4 | 6 };

/**
 * The one strict CIDR check of the service (noProxy entries, the cluster network): a strict dotted-quad IPv4
 * address (no octal, hex, short or single-number forms) or an IPv6 address without a zone, then `/` and a prefix
 * from 0 to 32 or 128. Host bits may be set (Go, curl, Python requests and Ruby mask them): `network` says what
 * the CIDR means. Never throws.
 */
export function checkCidr(text: string): CidrCheck {
  const slash = text.indexOf('/');
  const addressText = slash >= 0 ? text.slice(0, slash) : text;
  const v4 = canonicalIPv4(addressText);
  const v6 = v4 ? null : canonicalIPv6(addressText);
  const address = v4 ?? v6;
  if (address === null) return { ok: false, problem: 'address' };
  const version = v4 ? 4 : 6;
  const prefixText = slash >= 0 ? text.slice(slash + 1) : '';
  const max = version === 4 ? 32 : 128;
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > max) return { ok: false, problem: 'prefix', version };
  const prefix = Number(prefixText);
  const network = version === 4 ? ipv4Network(address, prefix) : ipaddr.IPv6.networkAddressFromCIDR(`${address}/${prefix}`).toRFC5952String();
  return { ok: true, version, address, prefix, network, canonical: `${network}/${prefix}` };
}

/**
 * The network address of a strict dotted quad (canonicalIPv4's) under a prefix of 0 to 32, dotted: what
 * ipaddr.IPv4.networkAddressFromCIDR gives, without parsing the text again into objects.
 */
function ipv4Network(address: string, prefix: number): string {
  const parts = address.split('.');
  const value = ((Number(parts[0]) << 24) | (Number(parts[1]) << 16) | (Number(parts[2]) << 8) | Number(parts[3])) >>> 0;
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  const net = (value & mask) >>> 0;
  return `${net >>> 24}.${(net >>> 16) & 255}.${(net >>> 8) & 255}.${net & 255}`;
}
