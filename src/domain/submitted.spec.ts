import { describe, expect, it } from 'vitest';
import { testCertificates, toBase64 } from '../../test/support/certificates';
import { submittedDocument } from './submitted';
import { validate } from './validate';

describe('submittedDocument', () => {
  const certs = testCertificates();

  it('keeps the document as sent: key spelling, order, duplicates, wrappers', () => {
    const doc = { http_proxy: 'HTTP://P:1', trustedCA: certs.caBase64, noProxy: ['b', 'a', 'b'], extra: { n: 1, t: true, z: null } };
    expect(submittedDocument(doc)).toEqual(doc);
    expect(submittedDocument(doc)).not.toBe(doc);
  });

  it('removes private keys from values and key names, keeping every finding pointer resolvable', () => {
    const keyB64 = toBase64(certs.privateKeyPem);
    const doc = { httpProxy: 'http://p:1', trustedCa: toBase64(certs.caPem + certs.privateKeyPem), noProxy: [certs.privateKeyPem], [keyB64]: 1 };
    const out = JSON.stringify(submittedDocument(doc));
    expect(out).not.toContain('PRIVATE KEY');
    expect(out).not.toContain(keyB64.slice(0, 60));
    expect(out).toMatch(/characters withheld/);
    const result = validate(doc, { now: certs.now });
    const resolved = submittedDocument(doc) as Record<string, unknown>;
    for (const f of result.findings) {
      if (f.pointer === '') continue;
      const first = f.pointer.split('/')[1]!.replace(/~1/g, '/').replace(/~0/g, '~');
      expect(Object.keys(resolved), f.pointer).toContain(first);
    }
  });

  it('never throws and bounds depth', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 200; i++) deep = { a: deep };
    expect(() => submittedDocument(deep)).not.toThrow();
    expect(submittedDocument(undefined)).toBeNull();
  });
});
