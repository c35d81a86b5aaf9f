import { describe, expect, it } from 'vitest';
import ipaddr from 'ipaddr.js';
import { AKS_ALWAYS_NO_PROXY } from '../aks';
import type { ClusterContext } from '../proxy-config';
import { codesOf, findingsOf } from '../../../test/support/findings';
import { validate } from './index';
import { canonicalNoProxyEntry, classifyNoProxyEntry, validateNoProxy } from './no-proxy';

const now = new Date('2026-01-15T12:00:00Z');
const one = (entry: string) => classifyNoProxyEntry(entry, '/noProxy/0');
const list = (...entries: string[]) => validateNoProxy(entries.map((value, i) => ({ value, pointer: `/noProxy/${i}` })));

describe('accepted entries', () => {
  it.each([
    ['corp.example', 'host', 'corp.example'],
    ['Svc.Cluster.Local', 'host', 'svc.cluster.local'],
    ['  mcr.microsoft.com  ', 'host', 'mcr.microsoft.com'],
    ['konnectivity', 'host', 'konnectivity'],
    ['a-b.c1.example', 'host', 'a-b.c1.example'],
    ['10.0.0.1', 'ipv4', '10.0.0.1'],
    ['2001:DB8:0::1', 'ipv6', '2001:db8::1'],
    ['::1', 'ipv6', '::1'],
    ['10.0.0.0/8', 'cidr', '10.0.0.0/8'],
    ['fd00::/8', 'cidr', 'fd00::/8'],
    ['.corp.example', 'suffix', '.corp.example'],
    ['proxy.corp:8080', 'host-port', 'proxy.corp:8080'],
    ['10.0.0.1:443', 'host-port', '10.0.0.1:443'],
    ['[2001:db8::1]:443', 'host-port', '[2001:db8::1]:443'],
  ])('%j is a %s, canonically %j', (entry, kind, canonical) => {
    const e = one(entry);
    expect(e.kind).toBe(kind);
    expect(e.canonical).toBe(canonical);
    expect(e.findings.filter((f) => f.severity === 'error')).toEqual([]);
  });
});

describe('NO_PROXY_INVALID', () => {
  it.each([
    ['', 'empty'],
    ['   ', 'empty'],
    ['http://registry.corp.example', 'URL'],
    ['https://user:pw@registry.corp.example/v2', 'URL'],
    ['registry.corp.example/v2', 'path'],
    ['corp example', 'space'],
    ['a,b', 'comma'],
    ['10.0.0.0/33', 'prefix'],
    ['fd00::/129', 'prefix'],
    ['10.0.0.0/', 'prefix'],
    ['10.0.0.0/8x', 'prefix'],
    ['10.0.0.256/8', 'CIDR'],
    ['10.0.0.256', 'IPv4'],
    ['10.0.0', 'IPv4'],
    ['under_score.example', 'RFC 1123'],
    ['-bad.example', 'RFC 1123'],
    ['bad-.example', 'RFC 1123'],
    ['a..b', 'RFC 1123'],
    [`${'a'.repeat(64)}.example`, 'RFC 1123'],
    ['bücher.example', 'punycode'],
    ['[::1]', 'brackets'],
    ['[zz::1]:80', 'IPv6'],
    ['host:99999', 'host:port'],
    ['host:', 'host:port'],
    ['1:2:3', 'IPv6'],
    ['..corp.example', 'domain suffix'],
    ['.', 'domain suffix'],
    ['user@host', '"@"'],
    ['0x7f.0.0.1', 'ends in a number'],
    ['0x7f.0.0.1.', 'ends in a number'],
    ['12345', 'ends in a number'],
    ['corp.example.123', 'ends in a number'],
    ['.corp.0x1f', 'ends in a number'],
    ['012.0.0.1', 'IPv4'],
    ['1.2.3', 'IPv4'],
    ['12345:8080', 'host:port'],
    ['0x0a.0.0.0/8', 'not a valid CIDR'],
    ['012.0.0.0/8', 'not a valid CIDR'],
    ['10.1/8', 'not a valid CIDR'],
    ['167772160/8', 'not a valid CIDR'],
    ['fe80::1%eth0/64', 'not a valid CIDR'],
  ])('reports %j', (entry, hint) => {
    const e = one(entry);
    expect(codesOf(e)).toEqual(['NO_PROXY_INVALID']);
    expect(e.findings[0]!.severity).toBe('error');
    expect(e.findings[0]!.message).toContain(hint);
    expect(e.canonical).toBeNull();
  });

  it('does not echo an entry holding user information', () => {
    expect(JSON.stringify(one('https://user:s3cret@host'))).not.toContain('s3cret');
  });

  it('near miss: valid host names, addresses and CIDRs', () => {
    expect(codesOf(list('corp.example', '10.0.0.1', '::1', 'xn--bcher-kva.example'))).toEqual([]);
  });

  it('near miss: a number in any label but the last is a host name', () => {
    expect(codesOf(list('123.example', '0x7f.example', 'node1.corp2', '1-2.example'))).toEqual([]);
  });
});

describe('NO_PROXY_TRAILING_DOT', () => {
  it.each([['svc.cluster.local.', 'svc.cluster.local'], ['.corp.example.', '.corp.example']])('reports %j and proposes %j', (entry, fixed) => {
    const e = one(entry);
    expect(codesOf(e)).toEqual(['NO_PROXY_TRAILING_DOT']);
    expect(e.findings[0]!.message).toContain(`"${fixed}"`);
  });

  it('near miss: the same name without the dot', () => {
    expect(codesOf(one('svc.cluster.local'))).toEqual([]);
  });
});

describe('NO_PROXY_WILDCARD', () => {
  it.each([
    ['*.corp.example', '".corp.example"'],
    ['*corp.example', '".corp.example"'],
    ['corp.*', 'wildcards'],
    ['a*b.example', 'wildcards'],
  ])('reports %j', (entry, hint) => {
    const e = one(entry);
    expect(codesOf(e)).toEqual(['NO_PROXY_WILDCARD']);
    expect(e.findings[0]!.severity).toBe('error');
    expect(e.findings[0]!.message).toContain(hint);
  });

  it('near miss: a leading-dot suffix is no wildcard', () => {
    expect(codesOf(one('.corp.example'))).toEqual(['NO_PROXY_LEADING_DOT']);
  });
});

describe('NO_PROXY_ALL', () => {
  it('reports "*" alone', () => {
    const e = one(' * ');
    expect(codesOf(e)).toEqual(['NO_PROXY_ALL']);
    expect(e.findings[0]!.severity).toBe('error');
  });

  it('near miss: "*" attached to a domain is a wildcard, not ALL', () => {
    expect(codesOf(one('*.example'))).toEqual(['NO_PROXY_WILDCARD']);
  });
});

describe('NO_PROXY_DUPLICATE', () => {
  it('reports the later copy after trimming and lower-casing, and keeps one', () => {
    const r = list('Registry.Corp.Example', 'b.example', ' registry.corp.example ');
    expect(findingsOf(r, 'NO_PROXY_DUPLICATE')).toEqual([expect.objectContaining({ severity: 'warning', pointer: '/noProxy/2' })]);
    expect(findingsOf(r, 'NO_PROXY_DUPLICATE')[0]!.message).toContain('/noProxy/0');
    expect(r.normalized).toEqual(['registry.corp.example', 'b.example']);
  });

  it('treats spellings of the same address or network as duplicates', () => {
    expect(codesOf(list('2001:db8::1', '2001:DB8:0:0::1'))).toEqual(['NO_PROXY_DUPLICATE']);
    expect(codesOf(list('10.0.0.0/8', '10.1.2.3/8'))).toEqual(['NO_PROXY_CIDR', 'NO_PROXY_CIDR', 'NO_PROXY_DUPLICATE']);
  });

  it('near miss: a suffix and its apex are different entries', () => {
    expect(codesOf(list('corp.example', '.corp.example'))).toEqual(['NO_PROXY_LEADING_DOT']);
  });
});

describe('NO_PROXY_CIDR', () => {
  it('warns that curl, Python urllib and Node undici do not honour CIDRs', () => {
    const e = one('10.0.0.0/8');
    expect(findingsOf(e, 'NO_PROXY_CIDR')).toEqual([expect.objectContaining({ severity: 'warning', pointer: '/noProxy/0' })]);
    const message = e.findings[0]!.message;
    for (const client of ['curl', 'Python urllib', 'Node undici']) expect(message).toContain(client);
  });

  it('accepts host bits set, says what the entry means, and normalizes to the network', () => {
    const e = one('10.1.2.3/8');
    expect(e.canonical).toBe('10.0.0.0/8');
    expect(e.findings[0]!.message).toContain('host bits');
    expect(one('2001:db8::1/32').canonical).toBe('2001:db8::/32');
  });

  it('near miss: a plain address is no CIDR', () => {
    expect(codesOf(one('10.0.0.1'))).toEqual([]);
  });

  it('masks an IPv4 CIDR to the network ipaddr.js gives, at every prefix length', () => {
    for (const address of ['255.255.255.255', '10.1.2.3', '192.168.129.77', '0.0.0.1', '128.0.0.0']) {
      for (let prefix = 0; prefix <= 32; prefix++) {
        const expected = ipaddr.IPv4.networkAddressFromCIDR(`${address}/${prefix}`).toString();
        expect(one(`${address}/${prefix}`).canonical, `${address}/${prefix}`).toBe(`${expected}/${prefix}`);
      }
    }
  });
});

describe('NO_PROXY_PORT', () => {
  it.each([['registry.corp.example:5000'], ['10.0.0.1:8080'], ['[2001:db8::1]:443']])('warns about %j, naming curl', (entry) => {
    const e = one(entry);
    expect(codesOf(e)).toEqual(['NO_PROXY_PORT']);
    expect(e.findings[0]!.severity).toBe('warning');
    expect(e.findings[0]!.message).toContain('curl');
  });

  it('near miss: an IPv6 address is no host:port', () => {
    expect(codesOf(one('2001:db8::1'))).toEqual([]);
  });
});

describe('NO_PROXY_LEADING_DOT', () => {
  it('informs that Go and Ruby match subdomains only', () => {
    const e = one('.corp.example');
    expect(findingsOf(e, 'NO_PROXY_LEADING_DOT')).toEqual([expect.objectContaining({ severity: 'info' })]);
    expect(e.findings[0]!.message).toContain('Go and Ruby');
  });

  it('near miss: the bare domain', () => {
    expect(codesOf(one('corp.example'))).toEqual([]);
  });
});

describe('NO_PROXY_REDUNDANT', () => {
  it.each(AKS_ALWAYS_NO_PROXY.map((e) => [e]))('informs that AKS adds %j anyway', (entry) => {
    expect(codesOf(list(entry.toUpperCase()))).toEqual(['NO_PROXY_REDUNDANT']);
  });

  it("includes the cluster network when the context has one", () => {
    const cluster: ClusterContext = {
      name: 'c1',
      nodePools: [],
      network: { serviceCidr: '10.0.0.0/16', podCidr: '10.244.0.0/16', nodeSubnetCidrs: ['10.224.0.0/12'], apiServerFqdn: 'C1-DNS.hcp.westeurope.azmk8s.io' },
    };
    const config = { httpProxy: 'http://p:1', noProxy: ['10.0.0.0/16', '10.244.0.0/16', '10.224.0.0/12', 'c1-dns.hcp.westeurope.azmk8s.io', 'corp.example'] };
    const r = validate(config, { now, cluster });
    expect(findingsOf(r, 'NO_PROXY_REDUNDANT').map((f) => f.pointer)).toEqual(['/noProxy/0', '/noProxy/1', '/noProxy/2', '/noProxy/3']);
    expect(r.normalized.noProxy).toHaveLength(5);
    // without the cluster, only the CIDR warnings remain
    expect(codesOf(validate(config, { now }))).not.toContain('NO_PROXY_REDUNDANT');
  });

  it('near miss: something AKS does not add, such as .svc', () => {
    expect(codesOf(list('.svc'))).toEqual(['NO_PROXY_LEADING_DOT']);
  });
});

describe('normalized noProxy', () => {
  it('is trimmed, lower-cased, canonical and de-duplicated in the order given, and keeps every entry that is not an error', () => {
    const r = list(' Zeta.example', '10.1.2.3/8', '*.bad', 'alpha.example', 'ALPHA.example', '.corp.example', 'host:8080', 'bad_name', '::FFFF');
    expect(r.normalized).toEqual(['zeta.example', '10.0.0.0/8', 'alpha.example', '.corp.example', 'host:8080', '::ffff']);
  });

  it('is absent when nothing is left', () => {
    expect(list('*').normalized).toBeUndefined();
    expect(list().normalized).toBeUndefined();
  });

  it('offers the canonical spelling of one entry to other modules', () => {
    expect(canonicalNoProxyEntry(' .Corp.Example ')).toBe('.corp.example');
    expect(canonicalNoProxyEntry('*.corp')).toBeNull();
  });
});
