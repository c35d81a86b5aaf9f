/**
 * IP address helpers with the strictness each client has. All addresses are byte arrays: 4 bytes for IPv4,
 * 16 for IPv6.
 */
import ipaddr from 'ipaddr.js';

/** Strict dotted-quad IPv4 (four decimal parts 0-255, no leading zeros), as Go's net.ParseIP and inet_pton. */
export function parseIPv4Strict(s: string): number[] | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  const out: number[] = [];
  for (const p of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    out.push(n);
  }
  return out;
}

/**
 * IPv4 in the forms C's inet_aton accepts (what Python's socket.inet_aton and curl's URL parser take): one to four
 * parts, each decimal, octal (leading 0) or hex (0x), the last part filling the remaining bytes ("127.1", "10").
 */
export function parseIPv4Aton(s: string): number[] | null {
  if (s === '') return null;
  const parts = s.split('.');
  if (parts.length > 4) return null;
  const values: number[] = [];
  for (const p of parts) {
    let n: number;
    if (/^0[xX][0-9a-fA-F]*$/.test(p)) n = p.length === 2 ? 0 : parseInt(p.slice(2), 16);
    else if (/^0[0-7]*$/.test(p)) n = p.length === 1 ? 0 : parseInt(p.slice(1), 8);
    else if (/^[1-9]\d*$/.test(p)) n = parseInt(p, 10);
    else return null;
    values.push(n);
  }
  const last = values[values.length - 1]!;
  const head = values.slice(0, -1);
  if (head.some((v) => v > 255)) return null;
  const lastBytes = 4 - head.length;
  if (last >= 2 ** (8 * lastBytes)) return null;
  const out = [...head];
  for (let i = lastBytes - 1; i >= 0; i--) out.push(Math.floor(last / 2 ** (8 * i)) % 256);
  return out;
}

/** IPv6 literal without zone (no brackets), or null. */
export function parseIPv6(s: string): number[] | null {
  if (!s.includes(':') || s.includes('%')) return null;
  if (!ipaddr.IPv6.isValid(s)) return null;
  try {
    return ipaddr.IPv6.parse(s).toByteArray();
  } catch {
    return null;
  }
}

/** IPv4 as an IPv4-mapped IPv6 address (::ffff:a.b.c.d), the way Go keeps every address in 16 bytes. */
export const mapped = (v4: number[]): number[] => [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...v4];

/** The IPv4 address inside an IPv4-mapped IPv6 address, or null. */
export function unmap(v6: number[]): number[] | null {
  if (v6.length !== 16) return null;
  for (let i = 0; i < 10; i++) if (v6[i] !== 0) return null;
  if (v6[10] !== 0xff || v6[11] !== 0xff) return null;
  return v6.slice(12);
}

/** Do the first `bits` bits of a and b agree? Arrays of the same length. */
export function prefixEqual(a: readonly number[], b: readonly number[], bits: number): boolean {
  if (a.length !== b.length) return false;
  const full = Math.floor(bits / 8);
  for (let i = 0; i < full; i++) if (a[i] !== b[i]) return false;
  const rest = bits % 8;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (a[full]! & mask) === (b[full]! & mask);
}

export const bytesEqual = (a: readonly number[], b: readonly number[]): boolean =>
  a.length === b.length && a.every((v, i) => v === b[i]);

export const formatIPv4 = (b: readonly number[]): string => b.join('.');

/** RFC 5952 text of 16 bytes. */
export const formatIPv6 = (b: readonly number[]): string => ipaddr.fromByteArray([...b]).toString();
