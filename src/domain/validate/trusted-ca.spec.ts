import { createHash, createPrivateKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MAX_TRUSTED_CA_BYTES } from '../aks';
import { contentHash } from '../proxy-config';
import { testCertificates, toBase64, type TestCertificates } from '../../../test/support/certificates';
import { codesOf, findingsOf } from '../../../test/support/findings';
import { validate } from './index';
import { clearCertificateCache, validateTrustedCa } from './trusted-ca';

// Generated once per process, at collection time, so that it.each tables can use them.
const c: TestCertificates = testCertificates();

const DAY = 24 * 60 * 60 * 1000;
const ca = (value: string, now: Date = c.now) => validateTrustedCa(value, '/trustedCa', now);
const at = (days: number) => new Date(c.now.getTime() + days * DAY);
const body = (pem: string) => pem.replace(/-----[^-]+-----|\s/g, '');

describe('a clean bundle', () => {
  it('raises nothing and describes every certificate', () => {
    const r = ca(c.bundleBase64);
    expect(r.findings).toEqual([]);
    expect(r.certificates).toHaveLength(3);
    const root = r.certificates.find((d) => d.subject.includes('Root'))!;
    expect(root).toEqual({
      subject: 'CN=AKS Proxy Test Root CA, O=AKS Proxy Tests',
      issuer: 'CN=AKS Proxy Test Root CA, O=AKS Proxy Tests',
      serialNumber: expect.stringMatching(/^[0-9a-f]+$/),
      notBefore: at(-1).toISOString(),
      notAfter: at(365).toISOString(),
      sha256Fingerprint: createHash('sha256').update(Buffer.from(body(c.caPem), 'base64')).digest('hex'),
      subjectAltNames: ['DNS:proxy-ca.aks-proxy.test'],
      isCA: true,
      keyAlgorithm: 'RSA',
      keySize: 2048,
      signatureAlgorithm: 'sha256WithRSAEncryption',
    });
    const ec = r.certificates.find((d) => d.subject === 'CN=AKS Proxy Test EC CA')!;
    expect(ec).toMatchObject({ keyAlgorithm: 'EC', keySize: 256, signatureAlgorithm: 'ecdsa-with-SHA256' });
    const intermediate = r.certificates.find((d) => d.subject.includes('Intermediate'))!;
    expect(intermediate.issuer).toBe(root.subject);
  });

  it('lists SAN entries as DNS:/IP:', () => {
    expect(ca(c.leafBase64).certificates[0]!.subjectAltNames).toEqual(['DNS:proxy.corp.example', 'IP:10.0.0.5']);
  });

  it('accepts base64 wrapped at 76 characters with CRLF (as base64(1) and Go accept it)', () => {
    const wrapped = c.bundleBase64.replace(/.{76}/g, '$&\r\n');
    const r = ca(wrapped);
    expect(r.findings).toEqual([]);
    expect(r.normalized).toBe(ca(c.bundleBase64).normalized);
  });

  it('gives the same result from the memo as from a fresh parse', () => {
    const warm = ca(c.bundleBase64);
    clearCertificateCache();
    expect(ca(c.bundleBase64)).toEqual(warm);
  });
});

describe('TRUSTED_CA_BASE64', () => {
  it.each([
    ['spaces inside', (b: string) => `${b.slice(0, 40)} ${b.slice(40)}`, 'spaces'],
    ['URL-safe alphabet', () => 'ab-_cd==', 'URL-safe'],
    ['missing padding', (b: string) => b.replace(/=+$/, '') + 'A', 'padding'],
    ['other characters', () => 'not.base64!', 'outside the base64 alphabet'],
  ])('reports %s', (_name, make, hint) => {
    const r = ca(make(c.caBase64));
    expect(codesOf(r)).toEqual(['TRUSTED_CA_BASE64']);
    expect(r.findings[0]).toMatchObject({ severity: 'error', pointer: '/trustedCa' });
    expect(r.findings[0]!.message).toContain(hint);
    expect(r.normalized).toBeUndefined();
  });

  it('near miss: standard base64', () => {
    expect(codesOf(ca(c.caBase64))).toEqual([]);
  });
});

describe('TRUSTED_CA_NOT_ENCODED', () => {
  it('reports PEM text given as is, and still checks the certificates in it', () => {
    const r = ca(c.cnOnlyPem);
    expect(codesOf(r)).toEqual(['TRUSTED_CA_NOT_ENCODED', 'TRUSTED_CA_NO_SAN']);
    expect(r.findings[0]!.severity).toBe('error');
  });

  it('near miss: the same PEM base64-encoded', () => {
    expect(codesOf(ca(c.caBase64))).toEqual([]);
  });
});

describe('TRUSTED_CA_NOT_PEM', () => {
  it('reports DER, naming the AKS error and how to convert', () => {
    const r = ca(c.caDerBase64);
    expect(codesOf(r)).toEqual(['TRUSTED_CA_NOT_PEM']);
    expect(r.findings[0]!.message).toContain('HTTPProxyTrustedCAPEMDecodeFailure');
    expect(r.findings[0]!.message).toContain('DER');
    expect(r.certificates).toHaveLength(1); // best effort: the DER certificate is still described
  });

  it.each([
    ['other text', toBase64('hello, this is not a certificate')],
    ['base64 encoded twice', toBase64(c.caBase64)],
    ['an empty string', ''],
    ['a PEM with no CERTIFICATE block', toBase64('-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n')],
  ])('reports %s', (_name, value) => {
    const r = ca(value);
    expect(findingsOf(r, 'TRUSTED_CA_NOT_PEM')).toEqual([expect.objectContaining({ severity: 'error', pointer: '/trustedCa' })]);
    expect(findingsOf(r, 'TRUSTED_CA_NOT_PEM')[0]!.message).toContain('HTTPProxyTrustedCAPEMDecodeFailure');
  });

  it('near miss: PEM with comment lines around the blocks', () => {
    expect(codesOf(ca(toBase64(`# Corp root\n${c.caPem}\n# EC root\n${c.ecPem}`)))).toEqual([]);
  });
});

describe('TRUSTED_CA_PRIVATE_KEY', () => {
  it.each([
    ['a PKCS#8 key, base64-encoded', toBase64(c.caPem + c.privateKeyPem), c.privateKeyPem],
    ['an EC key before the certificate, base64-encoded', toBase64(c.ecPrivateKeyPem + c.ecPem), c.ecPrivateKeyPem],
    ['a key in raw PEM', c.caPem + c.privateKeyPem, c.privateKeyPem],
  ])('reports %s, strips it, and never echoes it', (_name, value, keyPem) => {
    const r = ca(value);
    expect(findingsOf(r, 'TRUSTED_CA_PRIVATE_KEY')).toEqual([expect.objectContaining({ severity: 'error', pointer: '/trustedCa' })]);
    const keyBody = body(keyPem);
    const everything = JSON.stringify(r);
    const decodedNormalized = Buffer.from(r.normalized ?? '', 'base64').toString('utf8');
    for (const text of [everything, decodedNormalized]) {
      expect(text).not.toContain('PRIVATE KEY');
      expect(text).not.toContain(keyBody.slice(0, 40));
      expect(text).not.toContain(keyBody.slice(-40));
    }
    expect(r.certificates).toHaveLength(1);
  });

  it.each([
    ['PKCS#8', () => createPrivateKey(c.privateKeyPem).export({ format: 'der', type: 'pkcs8' })],
    ['PKCS#1', () => createPrivateKey(c.privateKeyPem).export({ format: 'der', type: 'pkcs1' })],
    ['SEC1', () => createPrivateKey(c.ecPrivateKeyPem).export({ format: 'der', type: 'sec1' })],
    ['PKCS#8 (encrypted)', () => createPrivateKey(c.ecPrivateKeyPem).export({ format: 'der', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: 'pw' })],
  ])('reports base64 of a %s DER key as a private key, not as a DER certificate, and never echoes it', (_name, der) => {
    const keyBase64 = der().toString('base64');
    const r = validate({ httpProxy: 'http://p:1', trustedCa: keyBase64 }, { now: c.now });
    expect(r.valid).toBe(false);
    expect(findingsOf(r, 'TRUSTED_CA_PRIVATE_KEY')).toEqual([expect.objectContaining({ severity: 'error', pointer: '/trustedCa' })]);
    expect(findingsOf(r, 'TRUSTED_CA_PRIVATE_KEY')[0]!.message).toContain('HTTPProxyTrustedCAPEMDecodeFailure');
    expect(JSON.stringify(r)).not.toContain('openssl x509 -inform der');
    for (let i = 0; i + 20 <= keyBase64.length; i += 10) expect(JSON.stringify(r)).not.toContain(keyBase64.slice(i, i + 20));
    expect(r.normalized).toEqual({ httpProxy: 'http://p:1/' });
  });

  it('also catches a key block without its END line', () => {
    const truncated = c.privateKeyPem.split('\n').slice(0, 5).join('\n');
    expect(codesOf(ca(toBase64(c.caPem + truncated)))).toContain('TRUSTED_CA_PRIVATE_KEY');
  });

  it('never lets a key reach validate() output', () => {
    const r = validate({ httpProxy: 'http://p:1', trustedCa: toBase64(c.privateKeyPem + c.caPem) }, { now: c.now });
    expect(r.valid).toBe(false);
    expect(Buffer.from(r.normalized.trustedCa!, 'base64').toString()).toBe(c.caPem.replace(/\r/g, ''));
  });

  it('near miss: certificates only', () => {
    expect(codesOf(ca(c.bundleBase64))).not.toContain('TRUSTED_CA_PRIVATE_KEY');
  });
});

describe('TRUSTED_CA_PARSE', () => {
  it('reports a block whose body is no certificate', () => {
    const broken = c.caPem.replace(/(-----BEGIN CERTIFICATE-----\n)(.{10})/, '$1AAAAAAAAAA');
    const r = ca(toBase64(broken + c.ecPem));
    expect(codesOf(r)).toEqual(['TRUSTED_CA_PARSE']);
    expect(r.findings[0]!.message).toContain('Certificate 1');
    expect(r.certificates).toHaveLength(1);
  });

  it.each([
    ['a body that is not base64', '-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n'],
    ['a truncated certificate', `-----BEGIN CERTIFICATE-----\n${body(c.caPem).slice(0, 200)}\n-----END CERTIFICATE-----\n`],
    ['a block without END', '-----BEGIN CERTIFICATE-----\nMIIB\n'],
    ['a CRL block', '-----BEGIN X509 CRL-----\nMIIB\n-----END X509 CRL-----\n'],
    ['an OpenSSL TRUSTED CERTIFICATE', '-----BEGIN TRUSTED CERTIFICATE-----\nMIIB\n-----END TRUSTED CERTIFICATE-----\n'],
  ])('reports %s', (_name, block) => {
    const r = ca(toBase64(c.ecPem + block));
    expect(findingsOf(r, 'TRUSTED_CA_PARSE')).toEqual([expect.objectContaining({ severity: 'error' })]);
  });

  it('reports trailing bytes after the certificate', () => {
    const der = Buffer.concat([Buffer.from(body(c.caPem), 'base64'), Buffer.from([0, 0])]);
    const pem = `-----BEGIN CERTIFICATE-----\n${der.toString('base64')}\n-----END CERTIFICATE-----\n`;
    expect(codesOf(ca(toBase64(pem)))).toEqual(['TRUSTED_CA_PARSE']);
  });

  it('near miss: a PEM body on one long line still parses', () => {
    const oneLine = `-----BEGIN CERTIFICATE-----\n${body(c.caPem)}\n-----END CERTIFICATE-----\n`;
    expect(codesOf(ca(toBase64(oneLine)))).toEqual([]);
  });
});

describe('TRUSTED_CA_TOO_MANY', () => {
  it('reports 21 certificates', () => {
    const r = ca(toBase64(c.manyPem.join('')));
    expect(codesOf(r)).toEqual(['TRUSTED_CA_TOO_MANY']);
    expect(r.findings[0]!.message).toContain('21');
  });

  it('parses at most 40 certificates of a huge bundle, and says so', () => {
    const huge = Array.from({ length: 3 }, () => c.manyPem.join('')).join('') + c.manyPem.slice(0, 2).join(''); // 65 blocks
    const r = validateTrustedCa(toBase64(huge), '/trustedCa', c.now);
    expect(codesOf(r).filter((code) => code !== 'TRUSTED_CA_TOO_LARGE')).toEqual(['TRUSTED_CA_TOO_MANY', 'TRUSTED_CA_TOO_MANY']);
    expect(r.findings.map((f) => f.message).join(' ')).toContain('Only the first 40 of the 65 certificates');
    expect(r.certificates.length).toBeLessThanOrEqual(40);
  });

  it('near miss: 20 certificates', () => {
    const r = ca(toBase64(c.manyPem.slice(0, 20).join('')));
    expect(r.findings).toEqual([]);
    expect(r.certificates).toHaveLength(20);
  });
});

describe('TRUSTED_CA_TOO_LARGE', () => {
  const padded = (targetBase64Bytes: number) => {
    const pemBytes = Math.floor((targetBase64Bytes * 3) / 4);
    const filler = pemBytes - Buffer.byteLength(c.caPem) - 1;
    return toBase64(`${'#'.repeat(filler)}\n${c.caPem}`);
  };

  it('reports more than 35 KB', () => {
    const value = padded(MAX_TRUSTED_CA_BYTES + 4);
    expect(value.length).toBeGreaterThan(MAX_TRUSTED_CA_BYTES);
    const r = ca(value);
    expect(codesOf(r)).toEqual(['TRUSTED_CA_TOO_LARGE']);
    expect(r.findings[0]!.message).toContain('35 KB');
    // SPEC.md: the service counts the base64 text and says so in the finding
    expect(r.findings[0]!.message).toContain('counted on the base64 text');
  });

  it('near miss: exactly 35 KB', () => {
    const value = padded(MAX_TRUSTED_CA_BYTES);
    expect(value.length).toBeLessThanOrEqual(MAX_TRUSTED_CA_BYTES);
    expect(ca(value).findings).toEqual([]);
  });

  it('stops analysing absurdly large input early', () => {
    const r = ca('A'.repeat(5 * 1024 * 1024));
    expect(codesOf(r)).toEqual(['TRUSTED_CA_TOO_LARGE']);
  });
});

describe('TRUSTED_CA_NO_SAN', () => {
  it('reports a CN-only CA, saying which certificate', () => {
    const r = ca(toBase64(c.caPem + c.cnOnlyPem));
    expect(findingsOf(r, 'TRUSTED_CA_NO_SAN')).toEqual([expect.objectContaining({ severity: 'error', pointer: '/trustedCa' })]);
    expect(r.findings[0]!.message).toContain('Certificate 2');
    expect(r.findings[0]!.message).toContain('CN=AKS Proxy Test CN-only CA');
  });

  it('near miss: the same kind of CA with a SAN', () => {
    expect(codesOf(ca(c.caBase64))).not.toContain('TRUSTED_CA_NO_SAN');
  });
});

describe('validity period', () => {
  it('TRUSTED_CA_EXPIRED: past notAfter', () => {
    const r = ca(c.expiredBase64);
    expect(codesOf(r)).toEqual(['TRUSTED_CA_EXPIRED']);
    expect(r.findings[0]!.message).toContain('CN=AKS Proxy Test Expired CA');
  });

  it('near miss for EXPIRED: two days earlier the same certificate is only expiring', () => {
    expect(codesOf(ca(c.expiredBase64, at(-2)))).toEqual(['TRUSTED_CA_EXPIRING']);
  });

  it('TRUSTED_CA_NOT_YET_VALID: before notBefore', () => {
    expect(codesOf(ca(c.notYetValidBase64))).toEqual(['TRUSTED_CA_NOT_YET_VALID']);
  });

  it('near miss for NOT_YET_VALID: a day after notBefore it is valid', () => {
    expect(codesOf(ca(c.notYetValidBase64, at(31)))).toEqual([]);
  });

  it('TRUSTED_CA_EXPIRING: notAfter within 30 days (10 here)', () => {
    const r = ca(c.expiringBase64);
    expect(findingsOf(r, 'TRUSTED_CA_EXPIRING')).toEqual([expect.objectContaining({ severity: 'warning' })]);
    expect(r.findings[0]!.message).toContain('in 10 days');
  });

  it('near miss for EXPIRING: 31 days before notAfter', () => {
    expect(codesOf(ca(c.caBase64, at(365 - 31)))).toEqual([]);
    expect(codesOf(ca(c.caBase64, at(365 - 30)))).toEqual(['TRUSTED_CA_EXPIRING']);
  });
});

describe('TRUSTED_CA_NOT_CA', () => {
  it.each([
    ['a leaf (CA:FALSE)', c.leafBase64, 'CA:FALSE'],
    ['a certificate without basicConstraints', c.noBasicConstraintsBase64, 'missing'],
  ])('warns about %s', (_name, value, hint) => {
    const r = ca(value);
    expect(findingsOf(r, 'TRUSTED_CA_NOT_CA')).toEqual([expect.objectContaining({ severity: 'warning' })]);
    expect(r.findings[0]!.message).toContain(hint);
    expect(r.certificates[0]!.isCA).toBe(false);
  });

  it('near miss: CA:TRUE', () => {
    expect(codesOf(ca(c.ecBase64))).toEqual([]);
  });
});

describe('TRUSTED_CA_WEAK_SIGNATURE', () => {
  it('warns about SHA-1', () => {
    const r = ca(c.sha1Base64);
    expect(codesOf(r)).toEqual(['TRUSTED_CA_WEAK_SIGNATURE']);
    expect(r.findings[0]!.message).toContain('sha1WithRSAEncryption');
    expect(r.certificates[0]!.signatureAlgorithm).toBe('sha1WithRSAEncryption');
  });

  it('near miss: SHA-256', () => {
    expect(codesOf(ca(c.intermediateBase64))).toEqual([]);
  });
});

describe('TRUSTED_CA_WEAK_KEY', () => {
  it('warns about RSA 1024', () => {
    const r = ca(c.rsa1024Base64);
    expect(codesOf(r)).toEqual(['TRUSTED_CA_WEAK_KEY']);
    expect(r.findings[0]!.message).toContain('1024-bit');
    expect(r.certificates[0]!.keySize).toBe(1024);
  });

  it('near miss: RSA 2048 and EC P-256 (256 bits is no weak EC key)', () => {
    expect(codesOf(ca(c.caBase64))).toEqual([]);
    expect(codesOf(ca(c.ecBase64))).toEqual([]);
  });
});

describe('canonical re-encoding', () => {
  const canonical = (pemText: string) => ca(toBase64(pemText)).normalized;

  it('is standard PEM: 64-character lines, LF, sorted by fingerprint', () => {
    const text = Buffer.from(canonical(c.bundlePem)!, 'base64').toString('utf8');
    const blocks = text.match(/-----BEGIN CERTIFICATE-----\n[\s\S]*?\n-----END CERTIFICATE-----\n/g)!;
    expect(blocks.join('')).toBe(text);
    expect(blocks).toHaveLength(3);
    for (const line of text.split('\n').filter((l) => !l.startsWith('-----') && l !== '')) expect(line.length).toBeLessThanOrEqual(64);
    expect(text).not.toContain('\r');
    const fingerprints = ca(c.bundleBase64).certificates.map((d) => d.sha256Fingerprint);
    expect([...fingerprints].sort()).toEqual(fingerprints);
  });

  it('ignores line wrapping, CRLF, blank lines, comments, order and exact duplicates', () => {
    const reference = canonical(c.caPem + c.ecPem)!;
    const variants = [
      c.ecPem + c.caPem,
      (c.caPem + c.ecPem).replace(/\n/g, '\r\n'),
      `\n\n${c.caPem}\n\n\n${c.ecPem}\n\n`,
      `# bundle\n${c.caPem}# second\n${c.ecPem}`,
      c.caPem + c.ecPem + c.caPem,
      [c.caPem, c.ecPem].map((p) => `-----BEGIN CERTIFICATE-----\n${body(p).replace(/.{76}/g, '$&\n')}\n-----END CERTIFICATE-----\n`).join(''),
      [c.caPem, c.ecPem].map((p) => `-----BEGIN CERTIFICATE-----\n${body(p)}\n-----END CERTIFICATE-----`).join(''),
    ];
    for (const variant of variants) expect(canonical(variant)).toBe(reference);
    expect(contentHash({ trustedCa: canonical(variants[0]!) })).toBe(contentHash({ trustedCa: reference }));
  });

  it('near miss: another set of certificates gives another form', () => {
    expect(canonical(c.caPem)).not.toBe(canonical(c.caPem + c.ecPem));
  });
});

describe('@peculiar/x509 internals this module reads', () => {
  it('still keeps the parsed ASN.1 structure (else the slower public API is used)', async () => {
    const { X509Certificate } = await import('@peculiar/x509');
    const cert = new X509Certificate(c.caPem) as unknown as {
      asn?: { signatureAlgorithm?: { algorithm?: string }; tbsCertificate?: { extensions?: unknown[] } };
    };
    expect(cert.asn?.signatureAlgorithm?.algorithm).toBe('1.2.840.113549.1.1.11');
    expect(cert.asn?.tbsCertificate?.extensions?.length).toBeGreaterThan(0);
  });
});

describe('other key types', () => {
  it('describes Ed25519, P-384 and RSA-PSS keys', async () => {
    const { execFileSync } = await import('node:child_process');
    const make = (...args: string[]) =>
      execFileSync('openssl', ['req', '-x509', ...args, '-nodes', '-subj', '/CN=k', '-days', '30', '-keyout', '/dev/null',
        '-addext', 'subjectAltName=DNS:k.test'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString();
    const describe1 = (pem: string) => ca(toBase64(pem), new Date()).certificates[0]!;
    expect(describe1(make('-newkey', 'ed25519'))).toMatchObject({ keyAlgorithm: 'Ed25519', keySize: null, signatureAlgorithm: 'Ed25519' });
    expect(describe1(make('-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384'))).toMatchObject({ keyAlgorithm: 'EC', keySize: 384 });
    const pss = ca(toBase64(make('-newkey', 'rsa-pss', '-pkeyopt', 'rsa_keygen_bits:1024')), new Date());
    expect(pss.certificates[0]).toMatchObject({ keyAlgorithm: 'RSA-PSS', keySize: 1024, signatureAlgorithm: 'rsassaPss-SHA-256' });
    expect(codesOf(pss)).toContain('TRUSTED_CA_WEAK_KEY');
  });
});
