import { AKS_ALWAYS_NO_PROXY, aksNetworkNoProxy } from '../aks';
import type { ClusterNetwork, Finding } from '../proxy-config';
import { holdsKeyMaterial } from '../redact';
import { append, canonicalIPv4, canonicalIPv6, checkCidr, endsInNumber, finding, isHostName, looksNumeric, show, type Located } from './util';

/**
 * `noProxy` entries (SPEC.md "How clients read NO_PROXY"). Every entry is classified once:
 *
 * - host name (RFC 1123, per-label check), `.suffix` (leading dot), IPv4/IPv6 literal, CIDR: accepted;
 * - `host:port` / `[v6]:port`: accepted with NO_PROXY_PORT (a warning: Go, Ruby and undici honour it);
 * - everything else is an error: empty, `*`, wildcards, trailing dot, URLs, paths, spaces, bad CIDR prefixes.
 *
 * Decisions:
 * - leading and trailing whitespace is trimmed without a finding (the stored, rendered config is the trimmed one);
 * - a CIDR with host bits set (`10.1.2.3/8`) is accepted: Go (net.ParseCIDR), curl, Python requests and Ruby all
 *   mask it to its network, so it is normalized to `10.0.0.0/8` and the NO_PROXY_CIDR warning says so;
 * - IP literals are normalized (IPv6 to RFC 5952), so `0:0::1` and `::1` are the same entry;
 * - the normalized list keeps every entry that has no error finding (warnings and infos included), trimmed,
 *   lower-cased, canonical and de-duplicated (the first of duplicates kept), in the order given.
 *
 * Entries are never echoed when they contain `@` (they may carry credentials) or key material (redact.ts).
 */

export type NoProxyKind = 'host' | 'suffix' | 'ipv4' | 'ipv6' | 'cidr' | 'host-port';

export interface NoProxyEntry {
  /** The canonical spelling, when the entry is not an error. */
  canonical: string | null;
  kind: NoProxyKind | null;
  findings: Finding[];
}

export interface NoProxyResult {
  findings: Finding[];
  /** Sorted, de-duplicated canonical entries without errors; undefined when none. */
  normalized?: string[];
}

/** Whether an entry must not be quoted: it may carry credentials (`@`) or key material (judged on the entry as given). */
const secret = (entry: string): boolean => entry.includes('@') || holdsKeyMaterial(entry);
const safe = (entry: string): string => (secret(entry) ? 'this entry' : show(entry));

const CIDR_CLIENTS =
  'Python urllib and Node undici ignore CIDR entries, as does curl before 7.86 (Python requests honours only IPv4 ones, and Go and curl match only IP literals, never names resolving into the range)';

/** Classifies one entry (trimmed here); `p` is its pointer; never throws. */
export function classifyNoProxyEntry(raw: string, p: string): NoProxyEntry {
  const findings: Finding[] = [];
  const fail = (code: Parameters<typeof finding>[0], message: string): NoProxyEntry => {
    findings.push(finding(code, p, message));
    return { canonical: null, kind: null, findings };
  };
  const entry = raw.trim().toLowerCase();
  let hidden: boolean | undefined;
  const isSecret = (): boolean => (hidden ??= secret(raw));
  const name = (): string => (isSecret() ? 'this entry' : show(entry));
  /** A part of the entry quoted in advice, or `instead` when the entry must not be quoted. */
  const part = (text: string, instead: string): string => (isSecret() ? instead : `"${text}"`);

  if (entry === '') return fail('NO_PROXY_INVALID', 'This noProxy entry is empty; remove it.');
  if (entry.length > 260) return fail('NO_PROXY_INVALID', `${name()} is too long for a host name (253 characters at most); fix or remove it.`);
  if (entry === '*') {
    return fail(
      'NO_PROXY_ALL',
      '"*" alone makes Go, curl, Python and Node bypass the proxy for every destination (and Ruby does not support it), and AKS rejects it; remove it, or turn the proxy off with az aks update --disable-http-proxy.',
    );
  }
  if (entry.includes('*')) {
    const suffix = entry.replace(/^\*+\.?/, '');
    if (/^\*+\.?[^*]+$/.test(entry) && isHostName(suffix)) {
      return fail(
        'NO_PROXY_WILDCARD',
        `${name()} attaches "*" to a domain, which AKS rejects and curl and Python never match; write ${part(`.${suffix}`, 'a dot and the domain')} (subdomains) or ${part(suffix, 'the domain alone')} (the domain and its subdomains).`,
      );
    }
    return fail('NO_PROXY_WILDCARD', `${name()} contains "*", but noProxy entries do not support wildcards; list the domain suffix instead, such as ".corp.example".`);
  }
  if (entry.includes('://')) {
    const host = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/]*@)?([^/:?#]+)/.exec(entry)?.[1];
    return fail(
      'NO_PROXY_INVALID',
      `${name()} is a URL, but noProxy entries are host names, IP addresses or CIDRs; write just the host${host && isHostName(host) && !isSecret() ? `, "${host}"` : ''}.`,
    );
  }
  if (entry.includes(',')) {
    return fail('NO_PROXY_INVALID', `${name()} contains a comma; give each host name, IP address or CIDR as its own array element.`);
  }
  if (/[\s\x00-\x1f\x7f]/.test(entry)) {
    return fail('NO_PROXY_INVALID', `${name()} contains a space or control character; remove it, or split the entry into separate array elements.`);
  }
  if (/[^\x21-\x7e]/.test(entry)) {
    return fail('NO_PROXY_INVALID', `${name()} contains non-ASCII characters; write an internationalized domain in its punycode (xn--) form.`);
  }
  if (entry.includes('@')) {
    return fail('NO_PROXY_INVALID', 'This noProxy entry contains "@" (user information), which is no host name; write just the host name, IP address or CIDR.');
  }

  // CIDR, or a host followed by a path.
  const slash = entry.indexOf('/');
  if (slash >= 0) {
    const addr = entry.slice(0, slash);
    const cidr = checkCidr(entry);
    if (cidr.ok) {
      const { canonical } = cidr;
      const hostBits = cidr.network !== cidr.address;
      findings.push(
        finding(
          'NO_PROXY_CIDR',
          p,
          `${CIDR_CLIENTS}${hostBits ? `, and ${name()} has host bits set so it means ${canonical}` : ''}; also list the host names those clients use for ${canonical}.`,
        ),
      );
      return { canonical, kind: 'cidr', findings };
    }
    if (cidr.problem === 'prefix') {
      const v4 = cidr.version === 4;
      return fail('NO_PROXY_INVALID', `${name()} has an invalid prefix length; an ${v4 ? 'IPv4' : 'IPv6'} CIDR needs a prefix from 0 to ${v4 ? 32 : 128}, as in ${v4 ? '10.0.0.0/8' : 'fd00::/8'}.`);
    }
    if (looksNumeric(addr) || addr.includes(':') || endsInNumber(addr)) {
      return fail('NO_PROXY_INVALID', `${name()} is not a valid CIDR: the address before "/" is not a valid IP address; write it as 10.0.0.0/8 or fd00::/8.`);
    }
    return fail('NO_PROXY_INVALID', `${name()} has a path, but noProxy entries are host names, IP addresses or CIDRs; write just ${part(addr, 'the host')}.`);
  }

  // IP literals.
  const v4 = canonicalIPv4(entry);
  if (v4) return { canonical: v4, kind: 'ipv4', findings };
  const v6 = canonicalIPv6(entry);
  if (v6) return { canonical: v6, kind: 'ipv6', findings };

  // host:port and [v6]:port.
  const portMessage = (host: string) =>
    `curl never matches host:port entries and Python urllib only when the URL names the port, so those clients still use the proxy for ${isSecret() ? 'that host' : host}; list ${part(host, 'the host')} without the port unless only that port must bypass the proxy.`;
  const bracketed = /^\[([^\]]*)\](?::(.*))?$/.exec(entry);
  if (bracketed) {
    const literal = canonicalIPv6(bracketed[1]!);
    if (!literal) return fail('NO_PROXY_INVALID', `${name()} is not a valid IPv6 address; write it without brackets, as fd00::1.`);
    if (bracketed[2] === undefined) {
      return fail('NO_PROXY_INVALID', `${name()} has brackets, which only belong around an IPv6 address with a port; write "${literal}".`);
    }
    if (!validPort(bracketed[2])) return fail('NO_PROXY_INVALID', `${name()} has an invalid port; use a number from 1 to 65535, or drop the port.`);
    findings.push(finding('NO_PROXY_PORT', p, portMessage(literal)));
    return { canonical: `[${literal}]:${Number(bracketed[2])}`, kind: 'host-port', findings };
  }
  if (entry.includes(':')) {
    const colon = entry.lastIndexOf(':');
    const host = entry.slice(0, colon);
    const port = entry.slice(colon + 1);
    if (host.includes(':')) {
      return fail('NO_PROXY_INVALID', `${name()} is not a valid IPv6 address; check the address, and write an IPv6 address with a port as [fd00::1]:8080.`);
    }
    const hostCanonical = canonicalIPv4(host) ?? (looksNumeric(host) ? null : isHostName(host) ? host : null);
    if (!hostCanonical || !validPort(port)) {
      return fail('NO_PROXY_INVALID', `${name()} is not a valid host:port entry; write a host name or IP address, optionally followed by a port from 1 to 65535.`);
    }
    findings.push(finding('NO_PROXY_PORT', p, portMessage(hostCanonical)));
    return { canonical: `${hostCanonical}:${Number(port)}`, kind: 'host-port', findings };
  }

  // Host names and domain suffixes.
  if (entry.endsWith('.') && entry.length > 1 && isHostName(entry.replace(/^\./, '').slice(0, -1))) {
    const fixed = entry.slice(0, -1);
    return fail('NO_PROXY_TRAILING_DOT', `${name()} ends with a dot, which AKS rejects; write ${part(fixed, 'it without the dot')}.`);
  }
  const numeric = (): NoProxyEntry =>
    fail(
      'NO_PROXY_INVALID',
      `${name()} ends in a number, so some clients read it as an IPv4 address (0x7f.0.0.1 as 127.0.0.1) and others as a name; write an IPv4 address as four decimal numbers (10.0.0.1), or a host name whose last label is not a number.`,
    );
  if (entry.startsWith('.')) {
    const domain = entry.slice(1);
    if (!looksNumeric(domain) && endsInNumber(domain)) return numeric();
    if (!isHostName(domain) || looksNumeric(domain)) {
      return fail('NO_PROXY_INVALID', `${name()} is not a valid domain suffix; write a dot followed by an RFC 1123 domain name, as .corp.example.`);
    }
    findings.push(
      finding(
        'NO_PROXY_LEADING_DOT',
        p,
        `Go and Ruby read ${name()} as subdomains of ${isSecret() ? 'the domain' : domain} only, while curl, Python and Node also match ${isSecret() ? 'the domain' : domain} itself; write ${part(domain, 'the domain without the dot')} if the domain itself must bypass the proxy too.`,
      ),
    );
    return { canonical: entry, kind: 'suffix', findings };
  }
  if (!looksNumeric(entry) && endsInNumber(entry)) return numeric();
  if (looksNumeric(entry)) {
    return fail('NO_PROXY_INVALID', `${name()} is not a valid IPv4 address; write four decimal numbers from 0 to 255 without leading zeros, or a CIDR such as 10.0.0.0/8.`);
  }
  if (!isHostName(entry)) {
    return fail(
      'NO_PROXY_INVALID',
      `${name()} is not an RFC 1123 host name (labels of 1 to 63 letters, digits and inner hyphens; no underscores), IP address or CIDR; fix or remove it.`,
    );
  }
  return { canonical: entry, kind: 'host', findings };
}

function validPort(text: string): boolean {
  return /^\d{1,5}$/.test(text) && Number(text) >= 1 && Number(text) <= 65535;
}

/** The canonical spelling of an entry, or null when it is an error; for other modules (diff, explain). */
export function canonicalNoProxyEntry(raw: string): string | null {
  return classifyNoProxyEntry(raw, '').canonical;
}

/** What AKS adds by itself when the cluster's network is not known: the same for every config, worked out once. */
let aksAlwaysAdded: ReadonlySet<string> | null = null;

/** What AKS adds by itself for this cluster, keyed by canonical spelling. */
function aksAdded(network: ClusterNetwork | null | undefined): ReadonlySet<string> {
  if (network === null || network === undefined) return (aksAlwaysAdded ??= aksAddedFor(null));
  return aksAddedFor(network);
}

function aksAddedFor(network: ClusterNetwork | null): Set<string> {
  const out = new Set<string>();
  let extra: string[] = [];
  try {
    extra = aksNetworkNoProxy(network);
  } catch {
    extra = [];
  }
  for (const raw of [...AKS_ALWAYS_NO_PROXY, ...extra]) {
    if (typeof raw !== 'string') continue;
    out.add(classifyNoProxyEntry(raw, '').canonical ?? raw.trim().toLowerCase());
  }
  return out;
}

/** Validates every entry, then duplicates and entries AKS adds anyway. */
export function validateNoProxy(entries: readonly Located<string>[], network?: ClusterNetwork | null): NoProxyResult {
  const findings: Finding[] = [];
  const firstSeen = new Map<string, Located<string>>();
  const added = aksAdded(network);
  const kept = new Set<string>();
  for (const located of entries) {
    const entry = classifyNoProxyEntry(located.value, located.pointer);
    append(findings, entry.findings);
    if (entry.canonical === null) continue;
    const key = entry.canonical;
    const first = firstSeen.get(key);
    if (first) {
      const name = safe(located.value.trim());
      const where = first.pointer === located.pointer ? 'earlier in the string' : `at ${first.pointer}`;
      findings.push(finding('NO_PROXY_DUPLICATE', located.pointer, `${name} repeats the noProxy entry ${where}; remove the duplicate.`));
      continue;
    }
    firstSeen.set(key, located);
    kept.add(key);
    if (added.has(key)) {
      findings.push(
        finding(
          'NO_PROXY_REDUNDANT',
          located.pointer,
          `AKS already adds ${show(key)} to every node's and pod's NO_PROXY, so this entry changes nothing; you may remove it.`,
        ),
      );
    }
  }
  // In the order given (API.md: trimmed, lower-cased and de-duplicated): the stored and rendered list is the user's.
  const normalized = [...kept];
  return normalized.length > 0 ? { findings, normalized } : { findings };
}
