import fc from 'fast-check';
import { applyPatch, deepClone, validate } from 'fast-json-patch';
import { describe, expect, it } from 'vitest';
import { configPatch, diffVersions, type VersionSnapshot } from './diff';
import type { CertificateDescription, ProxyConfig } from './proxy-config';

function cert(name: string, fingerprintChar: string, overrides: Partial<CertificateDescription> = {}): CertificateDescription {
  return {
    subject: `CN=${name}`,
    issuer: `CN=${name}`,
    serialNumber: '01',
    notBefore: '2024-01-01T00:00:00Z',
    notAfter: '2034-01-01T00:00:00Z',
    sha256Fingerprint: fingerprintChar.repeat(64),
    subjectAltNames: [`DNS:${name.toLowerCase().replace(/\s+/g, '-')}.corp.example`],
    isCA: true,
    keyAlgorithm: 'RSA',
    keySize: 2048,
    signatureAlgorithm: 'sha256WithRSAEncryption',
    ...overrides,
  };
}

const snap = (version: number, config: ProxyConfig, certificates: CertificateDescription[] = []): VersionSnapshot => ({
  version,
  config,
  certificates,
});

/** Applies a diff's patch to a copy of `from` (validating every operation) and returns the result. */
function apply(from: ProxyConfig | null, changes: unknown[]): unknown {
  const doc = deepClone(from ?? {});
  return applyPatch(doc, deepClone(changes), true).newDocument;
}

const ROOT_A = cert('Corp Root A', 'a');
const ROOT_B = cert('Corp Root B', 'b');

describe('diffVersions', () => {
  it('reports no change between equal configs', () => {
    const config = { httpProxy: 'http://p:8080/', noProxy: ['a.example', 'b.example'], trustedCa: 'QUJD' };
    const d = diffVersions(snap(3, config, [ROOT_A]), snap(4, structuredClone(config), [ROOT_A]));
    expect(d).toMatchObject({
      from: 3,
      to: 4,
      changed: false,
      changes: [],
      noProxy: { added: [], removed: [] },
      trustedCa: { added: [], removed: [] },
      impact: [],
      proxies: [],
    });
    expect(d.summary).toBe('v3 → v4: no change');
  });

  it('summarizes a proxy change with noProxy and certificate changes and its impact', () => {
    const from = snap(
      3,
      { httpProxy: 'http://old:8080/', httpsProxy: 'http://old:8080/', noProxy: ['a.example', 'old.example'], trustedCa: 'QQ==' },
      [ROOT_A],
    );
    const to = snap(
      4,
      {
        httpProxy: 'http://old:8080/',
        httpsProxy: 'http://new:3128/',
        noProxy: ['.svc', 'a.example', 'new.example'],
        trustedCa: 'QUI=',
      },
      [ROOT_A, ROOT_B],
    );
    const d = diffVersions(from, to);
    expect(d.changed).toBe(true);
    expect(d.summary).toBe(
      'v3 → v4: httpsProxy http://old:8080/ → http://new:3128/; noProxy +2 −1; trustedCa +1 certificate; reimages every node pool',
    );
    expect(d.proxies).toEqual([{ field: 'httpsProxy', from: 'http://old:8080/', to: 'http://new:3128/' }]);
    expect(d.noProxy).toEqual({ added: ['.svc', 'new.example'], removed: ['old.example'] });
    expect(d.trustedCa).toEqual({ added: [ROOT_B], removed: [] });
    expect(d.impact.map((f) => f.code)).toEqual(['UPDATE_REIMAGES_NODES', 'PROXY_ENDPOINT_CHANGED']);
    expect(d.changes).toEqual([
      { op: 'replace', path: '/httpsProxy', value: 'http://new:3128/' },
      { op: 'remove', path: '/noProxy/1' },
      { op: 'add', path: '/noProxy/0', value: '.svc' },
      { op: 'add', path: '/noProxy/2', value: 'new.example' },
      { op: 'replace', path: '/trustedCa', value: 'QUI=' },
    ]);
    expect(apply(from.config, d.changes)).toEqual(to.config);
  });

  it('compares against an empty config for the first version', () => {
    const config = { httpProxy: 'http://p:8080/', noProxy: ['b.example', 'a.example'], trustedCa: 'QUJD' };
    const d = diffVersions(null, snap(1, config, [ROOT_A]));
    expect(d.from).toBeNull();
    expect(d.to).toBe(1);
    expect(d.changed).toBe(true);
    expect(d.changes).toEqual([
      { op: 'add', path: '/httpProxy', value: 'http://p:8080/' },
      { op: 'add', path: '/noProxy', value: ['b.example', 'a.example'] },
      { op: 'add', path: '/trustedCa', value: 'QUJD' },
    ]);
    expect(apply(null, d.changes)).toEqual(config);
    expect(d.noProxy).toEqual({ added: ['a.example', 'b.example'], removed: [] });
    expect(d.trustedCa).toEqual({ added: [ROOT_A], removed: [] });
    // UPDATE_REIMAGES_NODES is for a cluster that already has a config (API.md): none on a first version
    expect(d.impact).toEqual([]);
    expect(d.summary).toBe('v1 (first version): httpProxy set to http://p:8080/; noProxy +2; trustedCa +1 certificate');
  });

  it('describes removed fields', () => {
    const d = diffVersions(
      snap(1, { httpProxy: 'http://p:8080/', httpsProxy: 'https://p:8443/', trustedCa: 'QUJD' }, [ROOT_A, ROOT_B]),
      snap(2, { httpProxy: 'http://p:8080/' }),
    );
    expect(d.changes).toEqual([
      { op: 'remove', path: '/httpsProxy' },
      { op: 'remove', path: '/trustedCa' },
    ]);
    expect(d.trustedCa.removed).toEqual([ROOT_A, ROOT_B]);
    expect(d.summary).toBe(
      'v1 → v2: httpsProxy removed (was https://p:8443/); trustedCa −2 certificates; reimages every node pool',
    );
  });

  it('treats noProxy as a set: order and duplicates do not count as added or removed', () => {
    const d = diffVersions(
      snap(1, { httpProxy: 'http://p:8080/', noProxy: ['b', 'a', 'a', 'c'] }),
      snap(2, { httpProxy: 'http://p:8080/', noProxy: ['c', 'b', 'd', 'd'] }),
    );
    expect(d.noProxy).toEqual({ added: ['d'], removed: ['a'] });
    expect(apply({ httpProxy: 'http://p:8080/', noProxy: ['b', 'a', 'a', 'c'] }, d.changes)).toEqual({
      httpProxy: 'http://p:8080/',
      noProxy: ['c', 'b', 'd', 'd'],
    });

    const reordered = diffVersions(
      snap(1, { httpProxy: 'http://p:8080/', noProxy: ['a', 'b'] }),
      snap(2, { httpProxy: 'http://p:8080/', noProxy: ['b', 'a'] }),
    );
    expect(reordered.noProxy).toEqual({ added: [], removed: [] });
    expect(reordered.changed).toBe(true);
    expect(reordered.summary).toBe('v1 → v2: noProxy reordered; reimages every node pool');
  });

  it('finds the same added and removed noProxy entries for sorted lists (a merge) as for the same entries unsorted (sets)', () => {
    const entry = fc.constantFrom('a.example', 'b.example', '.corp', '10.0.0.0/8', 'B.example', 'z', 'é.example', 'x.example');
    fc.assert(
      fc.property(fc.uniqueArray(entry), fc.uniqueArray(entry), (xs, ys) => {
        const sorted = (l: string[]) => [...l].sort((p, q) => (p < q ? -1 : p > q ? 1 : 0));
        const merged = diffVersions({ version: 1, config: { noProxy: sorted(xs) }, certificates: [] }, { version: 2, config: { noProxy: sorted(ys) }, certificates: [] });
        const viaSets = diffVersions({ version: 1, config: { noProxy: [...sorted(xs)].reverse() }, certificates: [] }, { version: 2, config: { noProxy: [...sorted(ys)].reverse() }, certificates: [] });
        expect(merged.noProxy).toEqual(viaSets.noProxy);
        expect(merged.noProxy.added).toEqual(sorted(ys.filter((y) => !xs.includes(y))));
        expect(merged.noProxy.removed).toEqual(sorted(xs.filter((x) => !ys.includes(x))));
      }),
    );
  });

  it('replaces the whole noProxy list when nothing is kept', () => {
    const d = diffVersions(
      snap(1, { httpProxy: 'http://p:8080/', noProxy: ['a', 'b'] }),
      snap(2, { httpProxy: 'http://p:8080/', noProxy: ['c'] }),
    );
    expect(d.changes).toEqual([{ op: 'replace', path: '/noProxy', value: ['c'] }]);
  });

  it('replaces very long noProxy lists whole instead of diffing them element by element', () => {
    const a = Array.from({ length: 2001 }, (_, i) => `h${i}.example`);
    const b = [...a.slice(1), 'new.example'];
    const d = diffVersions(snap(1, { httpProxy: 'http://p:8080/', noProxy: a }), snap(2, { httpProxy: 'http://p:8080/', noProxy: b }));
    expect(d.changes).toEqual([{ op: 'replace', path: '/noProxy', value: b }]);
    expect(d.noProxy).toEqual({ added: ['new.example'], removed: ['h0.example'] });
  });

  it('diffs two 150,000-entry noProxy sets (what a 1 MiB config can hold) without overflowing the stack', () => {
    const a = Array.from({ length: 150_000 }, (_, i) => `a${i}`).sort();
    const b = ['a0', ...Array.from({ length: 149_999 }, (_, i) => `b${i}`)].sort();
    const d = diffVersions(snap(1, { httpProxy: 'http://p:8080/', noProxy: a }), snap(2, { httpProxy: 'http://p:8080/', noProxy: b }));
    expect(d.changes).toHaveLength(149_999 * 2);
    expect(d.noProxy.added).toHaveLength(149_999);
    expect(d.noProxy.removed).toHaveLength(149_999);
  });

  it('compares certificates by fingerprint, whatever the other fields or the case', () => {
    const renamed = cert('Renamed Root A', 'A'); // same fingerprint as ROOT_A, upper-case hex
    const d = diffVersions(
      snap(1, { httpProxy: 'http://p:8080/', trustedCa: 'QQ==' }, [ROOT_A, ROOT_B]),
      snap(2, { httpProxy: 'http://p:8080/', trustedCa: 'Qg==' }, [renamed, cert('Corp Root C', 'c')]),
    );
    expect(d.trustedCa.added.map((c) => c.subject)).toEqual(['CN=Corp Root C']);
    expect(d.trustedCa.removed.map((c) => c.subject)).toEqual(['CN=Corp Root B']);
    expect(d.changes).toEqual([{ op: 'replace', path: '/trustedCa', value: 'Qg==' }]);
    expect(d.summary).toBe('v1 → v2: trustedCa +1 −1 certificates; reimages every node pool');
  });

  it('says so when trustedCa changes but its certificates do not', () => {
    const d = diffVersions(
      snap(1, { httpProxy: 'http://p:8080/', trustedCa: 'QQ==' }, [ROOT_A, ROOT_B]),
      snap(2, { httpProxy: 'http://p:8080/', trustedCa: 'Qg==' }, [ROOT_B, ROOT_A]),
    );
    expect(d.trustedCa).toEqual({ added: [], removed: [] });
    expect(d.summary).toBe('v1 → v2: trustedCa changed (same certificates); reimages every node pool');
  });

  it('does not share arrays with its input', () => {
    const to = snap(2, { httpProxy: 'http://p:8080/', noProxy: ['a'] });
    const d = diffVersions(null, to);
    const add = d.changes.find((op) => op.path === '/noProxy');
    expect(add).toMatchObject({ op: 'add', value: ['a'] });
    ((add as { value: string[] }).value).push('b');
    expect(to.config.noProxy).toEqual(['a']);
  });

  it('is deterministic', () => {
    const from = snap(1, { httpProxy: 'http://a:1/', noProxy: ['x', 'y'] }, [ROOT_A]);
    const to = snap(2, { httpsProxy: 'https://b:2/', noProxy: ['y', 'z'] }, [ROOT_B]);
    expect(JSON.stringify(diffVersions(from, to))).toBe(JSON.stringify(diffVersions(from, to)));
  });
});

describe('configPatch (property)', () => {
  const url = fc.constantFrom('http://a:8080/', 'http://b:3128/', 'https://c:443/', 'http://[::1]:80/');
  const entry = fc.constantFrom('a.example', 'b.example', '.svc', '10.0.0.0/8', 'c~d/e', 'x', 'y', 'z');
  const noProxy = fc.oneof(
    fc.uniqueArray(entry, { minLength: 1 }).map((xs) => [...xs].sort()), // normalized: sorted set
    fc.array(entry, { minLength: 1, maxLength: 12 }), // anything: order and duplicates
  );
  const config: fc.Arbitrary<ProxyConfig> = fc.record(
    {
      httpProxy: url,
      httpsProxy: url,
      noProxy,
      trustedCa: fc.constantFrom('QQ==', 'QUI=', 'QUJD'),
    },
    { requiredKeys: [] },
  );

  it('turns from into to, with valid RFC 6902 operations', () => {
    fc.assert(
      fc.property(fc.option(config, { nil: null }), config, (from, to) => {
        const changes = configPatch(from, to);
        expect(validate(deepClone(changes), deepClone(from ?? {}))).toBeUndefined();
        expect(apply(from, changes)).toEqual(to);
        const d = diffVersions(from === null ? null : snap(1, from), snap(2, to));
        expect(d.changed).toBe(!sameContent(from ?? {}, to));
        const before = new Set(from?.noProxy ?? []);
        const after = new Set(to.noProxy ?? []);
        expect(d.noProxy.added).toEqual([...after].filter((x) => !before.has(x)).sort());
        expect(d.noProxy.removed).toEqual([...before].filter((x) => !after.has(x)).sort());
      }),
      { numRuns: 500 },
    );
  });
});

/** Same values, key order aside. */
function sameContent(a: ProxyConfig, b: ProxyConfig): boolean {
  const keys = ['httpProxy', 'httpsProxy', 'noProxy', 'trustedCa'] as const;
  return keys.every((k) => JSON.stringify(a[k]) === JSON.stringify(b[k]));
}
