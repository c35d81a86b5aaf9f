import { lookup as dnsLookup } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * Where a webhook may point (API.md "Events and webhooks"): http/https, no user info, and not at a loopback,
 * private, link-local or cloud-metadata address unless WEBHOOK_ALLOW_PRIVATE=true. Literal addresses are checked
 * when the webhook is saved; host names after resolution, at each attempt, on the very address the socket then
 * connects to (so a name that resolves to a public address for the check and a private one for the connection,
 * DNS rebinding, gets nowhere).
 */

/** Metadata and platform endpoints that sit in otherwise public space (Azure's wire server / DNS). */
const METADATA_ADDRESSES = new Set(['168.63.129.16']);

/** Why an address may not receive webhooks, or null when it may. */
export function forbiddenAddress(address: string): string | null {
  if (!ipaddr.isValid(address)) return 'not an IP address';
  const ip = ipaddr.process(address); // IPv4-mapped IPv6 (::ffff:10.0.0.1) is judged as the IPv4 address
  const plain = ip.toString();
  if (METADATA_ADDRESSES.has(plain) || plain === '169.254.169.254' || plain === 'fd00:ec2::254') return 'a cloud metadata address';
  const range = ip.range();
  if (range === 'unicast') return null;
  const names: Record<string, string> = {
    loopback: 'a loopback address',
    private: 'a private address',
    uniqueLocal: 'a private (unique local) address',
    linkLocal: 'a link-local address',
    carrierGradeNat: 'a shared (carrier-grade NAT) address',
    unspecified: 'the unspecified address',
  };
  return names[range] ?? `a reserved address (${range})`;
}

export interface UrlCheck {
  ok: boolean;
  reason?: string;
}

/** The checks made when a webhook is created or its URL changed. */
export function checkWebhookUrl(raw: string, allowPrivate: boolean): UrlCheck {
  // The URL parser drops tabs and newlines and trims spaces and control characters: the URL stored (and shown) would
  // not be the one a delivery is sent to.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0020\u007f]/.test(raw)) return { ok: false, reason: 'url must not contain spaces or control characters' };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'url must be an absolute http or https URL' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { ok: false, reason: `url must use http or https, not ${url.protocol.replace(':', '')}` };
  if (url.username || url.password) return { ok: false, reason: 'url must not hold user info (user:password@); put credentials in the path or use the signature' };
  if (!url.hostname) return { ok: false, reason: 'url must name a host' };
  if (allowPrivate) return { ok: true };
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) {
    const why = forbiddenAddress(host);
    if (why) return { ok: false, reason: `url points at ${why} (${host}); set WEBHOOK_ALLOW_PRIVATE=true to allow such receivers` };
  } else if (/^(.+\.)?localhost\.?$/i.test(host)) {
    return { ok: false, reason: `url points at a loopback address (${host}); set WEBHOOK_ALLOW_PRIVATE=true to allow such receivers` };
  }
  return { ok: true };
}

/** A refused address: the attempt fails with this message (and is retried like any failure). */
export class ForbiddenAddressError extends Error {
  override name = 'ForbiddenAddressError';
  readonly code = 'EFORBIDDENADDRESS';
}

/**
 * A `lookup` for http.request: resolves the name, refuses it unless every address it resolves to is allowed, and
 * hands the socket the address that was checked (the connection never resolves the name a second time).
 */
export function guardedLookup(allowPrivate: boolean): LookupFunction {
  return ((hostname: string, options: object, callback: (err: NodeJS.ErrnoException | null, address: string | { address: string; family: number }[], family?: number) => void) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const list = addresses as { address: string; family: number }[];
      if (!allowPrivate) {
        for (const a of list) {
          const why = forbiddenAddress(a.address);
          if (why) return callback(new ForbiddenAddressError(`${hostname} resolves to ${why} (${a.address}); refused (WEBHOOK_ALLOW_PRIVATE is not set)`), '', 0);
        }
      }
      if ((options as { all?: boolean }).all) return callback(null, list);
      const first = list[0];
      if (!first) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '', 0);
      callback(null, first.address, first.family);
    });
  }) as LookupFunction;
}
