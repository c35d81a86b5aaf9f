import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { contentHash, type ClusterContext, type FindingCode } from '../proxy-config';
import { testCertificates, toBase64 } from '../../../test/support/certificates';
import { codesOf, findingsOf, resultShapeProblems } from '../../../test/support/findings';
import { FINDING_SEVERITY, MAX_FINDINGS_PER_CODE, validate } from './index';

const c = testCertificates();
const now = c.now;
const run = (input: unknown) => validate(input, { now });

describe('validate()', () => {
  it('accepts a complete clean config', () => {
    const r = run({
      httpProxy: 'http://proxy.corp.example:3128/',
      httpsProxy: 'http://proxy.corp.example:3129/',
      noProxy: ['mcr.microsoft.com', 'corp.example', '10.1.2.3'],
      trustedCa: c.bundleBase64,
    });
    expect(r).toMatchObject({ valid: true, findings: [] });
    expect(r.certificates).toHaveLength(3);
    expect(Object.keys(r.normalized)).toEqual(['httpProxy', 'httpsProxy', 'noProxy', 'trustedCa']);
    expect(resultShapeProblems(r)).toEqual([]);
  });

  it('is valid with warnings and infos only', () => {
    const r = run({ httpProxy: 'http://p:1', noProxy: ['10.0.0.0/8', '.corp.example', 'localhost'] });
    expect(r.valid).toBe(true);
    expect(r.findings.map((f) => f.severity)).toEqual(['info', 'warning', 'info', 'info']);
  });

  it('orders findings: whole document first, then by position in the document, then severity', () => {
    const r = run({
      noProxy: ['.a.example', '*', 'x.example:80'],
      trustedCertificate: 'x',
      httpProxy: 'https://user:pw@proxy/path',
    });
    expect(r.findings.map((f) => [f.pointer, f.code])).toEqual([
      ['/noProxy/0', 'NO_PROXY_LEADING_DOT'],
      ['/noProxy/1', 'NO_PROXY_ALL'],
      ['/noProxy/2', 'NO_PROXY_PORT'],
      ['/trustedCertificate', 'UNKNOWN_FIELD'],
      ['/httpProxy', 'PROXY_URL_CREDENTIALS'],
      ['/httpProxy', 'PROXY_URL_SCHEME'],
      ['/httpProxy', 'PROXY_URL_PATH'],
      ['/httpProxy', 'HTTPS_PROXY_DEFAULTED'],
    ]);
    expect(run({ httpProxy: 'https://user:pw@proxy/path', noProxy: ['.a.example'] }).findings[0]!.pointer).toBe('/httpProxy');
  });

  it('gives the same findings in the same order on every call', () => {
    const input = { HTTPPROXY: 'ftp://x', noProxy: 'a,b,*', trustedCa: toBase64(c.expiredPem + c.cnOnlyPem), z: 1, y: 2 };
    expect(run(input)).toEqual(run(JSON.parse(JSON.stringify(input))));
  });

  it('uses the clock it is given, not the real one', () => {
    const config = { httpProxy: 'http://p:1', trustedCa: c.caBase64 };
    expect(codesOf(validate(config, { now: new Date(now.getTime() + 400 * 86_400_000) }))).toContain('TRUSTED_CA_EXPIRED');
    expect(codesOf(validate(config, { now: new Date(now.getTime() - 2 * 86_400_000) }))).toContain('TRUSTED_CA_NOT_YET_VALID');
  });

  it('survives a missing or invalid clock and an odd cluster context', () => {
    const config = { httpProxy: 'http://p:1', trustedCa: c.caBase64 };
    expect(resultShapeProblems(validate(config, { now: new Date(NaN) }))).toEqual([]);
    expect(resultShapeProblems(validate(config, undefined as unknown as { now: Date }))).toEqual([]);
    const odd = { name: 'x', nodePools: 'none', network: 5, currentConfig: {} } as unknown as ClusterContext;
    expect(resultShapeProblems(validate(config, { now, cluster: odd }))).toEqual([]);
  });
});

describe('canonical form', () => {
  const reference = {
    httpProxy: 'http://proxy.corp:80/',
    httpsProxy: 'https://proxy.corp:443/',
    noProxy: ['10.0.0.0/8', 'a.example', 'b.example'],
    trustedCa: c.caPem + c.ecPem,
  };

  it('gives identical normalized configs and content hashes to inputs that mean the same', () => {
    const a = run({
      httpProxy: reference.httpProxy,
      httpsProxy: reference.httpsProxy,
      noProxy: reference.noProxy,
      trustedCa: toBase64(reference.trustedCa),
    });
    const b = run({
      TrustedCA: toBase64((c.ecPem + c.caPem + c.ecPem).replace(/\n/g, '\r\n')),
      NOPROXY: ['10.1.2.3/8', ' A.example', 'a.example', 'B.EXAMPLE', 'b.example ', '10.0.0.0/8'],
      HTTPSPROXY: 'HTTPS://Proxy.Corp',
      httpproxy: 'HTTP://Proxy.Corp:80',
    });
    expect(b.normalized).toEqual(a.normalized);
    expect(contentHash(b.normalized)).toBe(contentHash(a.normalized));
    expect(b.certificates).toEqual(a.certificates);
  });

  it('URL spelling: HTTP://Proxy.Corp:80 and http://proxy.corp/ are the same proxy', () => {
    expect(run({ httpProxy: 'HTTP://Proxy.Corp:80' }).normalized).toEqual(run({ httpProxy: 'http://proxy.corp/' }).normalized);
  });

  it('host spelling: a trailing dot on the proxy host name is one meaning, one canonical form, one hash', () => {
    const plain = run({ httpProxy: 'http://p.example:3128', httpsProxy: 'http://q.example:3129' });
    const dotted = run({ httpProxy: 'http://P.Example.:3128/', httpsProxy: 'http://q.example.:3129' });
    expect(dotted.normalized).toEqual({ httpProxy: 'http://p.example:3128/', httpsProxy: 'http://q.example:3129/' });
    expect(contentHash(dotted.normalized)).toBe(contentHash(plain.normalized));
    // so a cluster whose current config is the plain spelling sees no change at all
    const cluster: ClusterContext = { name: 'c1', nodePools: [], currentConfig: plain.normalized };
    expect(codesOf(validate({ httpProxy: 'http://p.example.:3128', httpsProxy: 'http://q.example.:3129' }, { now, cluster }))).toEqual([]);
  });

  it('near miss: an IPv4 address with a trailing dot is no address, and a lone dot no host', () => {
    expect(codesOf(run({ httpProxy: 'http://10.0.0.1.:3128' }))).toEqual(['PROXY_URL_INVALID']);
    expect(codesOf(run({ httpProxy: 'http://p.example..:3128' }))).toEqual(['PROXY_URL_INVALID']);
  });

  it('a wrapped config normalizes like its content (the error still stands)', () => {
    const inner = { httpProxy: 'http://p:1', noProxy: ['a'] };
    const wrapped = run({ httpProxyConfig: inner });
    expect(wrapped.valid).toBe(false);
    expect(wrapped.normalized).toEqual(run(inner).normalized);
  });

  it('near miss: a different port, entry or certificate changes the hash', () => {
    const base = run({ httpProxy: 'http://p:3128', noProxy: ['a'], trustedCa: c.caBase64 }).normalized;
    for (const other of [
      { httpProxy: 'http://p:3129', noProxy: ['a'], trustedCa: c.caBase64 },
      { httpProxy: 'http://p:3128', noProxy: ['.a'], trustedCa: c.caBase64 },
      { httpProxy: 'http://p:3128', noProxy: ['a'], trustedCa: c.ecBase64 },
      { httpProxy: 'http://p:3128', httpsProxy: 'http://p:3128', noProxy: ['a'], trustedCa: c.caBase64 },
    ]) {
      expect(contentHash(run(other).normalized)).not.toBe(contentHash(base));
    }
  });

  it('is idempotent: validating the normalized config gives it back unchanged', () => {
    const r = run({ httpProxy: 'HTTP://P:80/x', noProxy: ['B', 'a', '10.1.2.3/8', '::FFFF', 'h:08'], trustedCa: toBase64(c.bundlePem) });
    expect(run(r.normalized).normalized).toEqual(r.normalized);
  });
});

describe('robustness', () => {
  const check = (input: unknown) => {
    const r = run(input);
    expect(resultShapeProblems(r)).toEqual([]);
    return r;
  };

  it('never throws on arbitrary JSON values', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => {
        expect(resultShapeProblems(run(value))).toEqual([]);
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on random strings and values in every field, under any key spelling', () => {
    const key = (field: string) => fc.constantFrom(field, field.toLowerCase(), field.toUpperCase());
    const str = fc.oneof(
      fc.string({ maxLength: 80 }),
      fc.string({ unit: 'binary', maxLength: 80 }),
      fc.constantFrom('http://', 'http://[', 'http://@', '*', '.', '/', '[::1]:', '-----BEGIN CERTIFICATE-----', '=', 'A==', ' '),
      fc.base64String({ maxLength: 200 }),
    );
    const value = fc.oneof(str, fc.array(str, { maxLength: 8 }), fc.jsonValue({ maxDepth: 3 }));
    const config = fc
      .tuple(key('httpProxy'), value, key('httpsProxy'), value, key('noProxy'), value, key('trustedCa'), value, fc.boolean(), fc.boolean())
      .map(([k1, v1, k2, v2, k3, v3, k4, v4, wrap, extra]) => {
        const inner: Record<string, unknown> = { [k1]: v1, [k2]: v2, [k3]: v3, [k4]: v4 };
        if (extra) inner.Enabled = true;
        return wrap ? { httpProxyConfig: inner } : inner;
      });
    fc.assert(
      fc.property(config, (input) => {
        const r = run(input);
        expect(resultShapeProblems(r)).toEqual([]);
        expect(run(r.normalized).normalized).toEqual(r.normalized);
      }),
      { numRuns: 500 },
    );
  });

  it('normalizes noProxy the same whatever the case, white space and repetition, keeping the order of first mentions', () => {
    const entry = fc.oneof(
      fc.constantFrom('localhost', 'corp.example', '.svc', '10.0.0.0/8', '10.1.2.3', 'fd00::1', 'h:8080', '*.bad', 'bad_one'),
      fc.domain(),
    );
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 30 }), fc.integer(), (entries, seed) => {
        const respelled = [...entries, ...entries.slice(0, 3)].map((e, i) => ((seed + i) % 2 ? e.toUpperCase() : ` ${e}`));
        const a = run({ httpProxy: 'http://p:1', noProxy: entries }).normalized;
        const b = run({ httpProxy: 'http://p:1', noProxy: respelled }).normalized;
        expect(b).toEqual(a);
        // the order is that of each entry's first mention
        const kept = (a as { noProxy?: string[] }).noProxy ?? [];
        const firstAt = kept.map((k) => entries.findIndex((e) => e.trim().toLowerCase() === k));
        const known = firstAt.filter((i) => i >= 0);
        expect(known).toEqual([...known].sort((x, y) => x - y));
      }),
      { numRuns: 200 },
    );
  });

  it('survives huge strings', () => {
    const huge = 'a'.repeat(10 * 1024 * 1024);
    const r = check({ httpProxy: huge, httpsProxy: `http://${huge}`, noProxy: [huge, `${huge}.example`], trustedCa: huge, [huge]: huge });
    expect(r.valid).toBe(false);
    for (const f of r.findings) expect(f.message.length).toBeLessThan(600);
  });

  it('survives deeply nested values and many keys', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    check({ httpProxy: 'http://p:1', noProxy: [deep], trustedCa: deep, unknown: deep });
    check({ httpProxy: 'http://p:1', HttpProxy: deep, httpproxy: deep });
    const many: Record<string, unknown> = { httpProxy: 'http://p:1' };
    for (let i = 0; i < 10_000; i++) many[`k${i}`] = i;
    const r = check(many);
    expect(r.valid).toBe(false);
    // 100 UNKNOWN_FIELD findings, one counting the other 9,900, and HTTPS_PROXY_DEFAULTED
    expect(r.findings).toHaveLength(102);
    expect(r.findings[101]).toMatchObject({ code: 'UNKNOWN_FIELD', pointer: '' });
    expect(r.findings[101]!.message).toContain('9900 more UNKNOWN_FIELD findings');
  });

  it('reads a 600 KB noProxy list of 150,000 entries: no stack overflow hides its findings', () => {
    const r = check({ httpProxy: 'http://p:3128', noProxy: Array<string>(150_000).fill('x') });
    expect(r.valid).toBe(true);
    expect(r.normalized).toEqual({ httpProxy: 'http://p:3128/', noProxy: ['x'] });
    expect(codesOf(r)).not.toContain('FIELD_TYPE');
    const duplicates = r.findings.filter((f) => f.code === 'NO_PROXY_DUPLICATE');
    expect(duplicates).toHaveLength(MAX_FINDINGS_PER_CODE + 1);
    expect(duplicates[99]!.pointer).toBe('/noProxy/100');
    expect(duplicates[100]!.pointer).toBe('/noProxy');
    expect(duplicates[100]!.message).toContain('149899 more NO_PROXY_DUPLICATE findings were not listed');
  });

  it('bounds the findings of one code, and an error beyond the bound still makes the config invalid', () => {
    const r = check({ httpProxyConfig: { httpProxy: 'http://p:3128', noProxy: Array<string>(120_000).fill('*') } });
    expect(r.valid).toBe(false);
    expect(JSON.stringify(r).length).toBeLessThan(100_000);
    const all = r.findings.filter((f) => f.code === 'NO_PROXY_ALL');
    expect(all).toHaveLength(MAX_FINDINGS_PER_CODE + 1);
    expect(all[100]).toMatchObject({ severity: 'error', pointer: '/httpProxyConfig/noProxy' });
    expect(all[100]!.message).toContain('119900 more NO_PROXY_ALL findings');
    // the other codes are all there, in document order
    expect(codesOf(r).filter((code) => code !== 'NO_PROXY_ALL')).toEqual(['CONFIG_WRAPPED', 'HTTPS_PROXY_DEFAULTED']);

    // one entry over the bound: the count is exact, and the bound does not apply below it
    const justOver = run({ httpProxy: 'http://p:1', noProxy: Array<string>(101).fill('*') });
    expect(findingsOf(justOver, 'NO_PROXY_ALL').at(-1)!.message).toContain('1 more NO_PROXY_ALL finding was not listed');
    expect(findingsOf(run({ httpProxy: 'http://p:1', noProxy: Array<string>(100).fill('*') }), 'NO_PROXY_ALL')).toHaveLength(100);
  });

  it('survives prototype tricks', () => {
    check(JSON.parse('{"__proto__": {"httpProxy": "http://p:1"}, "httpProxy": {"__proto__": null}}'));
    check(Object.assign(Object.create(null) as object, { httpProxy: 'http://p:1', noProxy: Object.assign(Object.create(null) as object, { 0: 'a' }) }));
    check({ httpProxy: 'http://p:1', noProxy: ['constructor', 'hasOwnProperty', '__proto__', 'toString'] });
    expect(({} as Record<string, unknown>).httpProxy).toBeUndefined();
  });

  it('survives values no JSON parser makes', () => {
    const hostile = new Proxy(
      {},
      {
        ownKeys: () => ['httpProxy'],
        getOwnPropertyDescriptor: () => ({ enumerable: true, configurable: true }),
        get: () => {
          throw new Error('boom');
        },
      },
    );
    const r = check(hostile);
    expect(r.valid).toBe(false);
    check({ httpProxy: 'http://p:1', noProxy: [undefined, () => 1, Symbol('s'), 10n] });
    check(new Date());
    check(new Map([['httpProxy', 'http://p:1']]));
  });

  it('gives every code its contract severity', () => {
    const all = Object.keys(FINDING_SEVERITY) as FindingCode[];
    expect(all).toHaveLength(43);
  });
});
