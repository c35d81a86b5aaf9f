import { describe, expect, it } from 'vitest';
import { testCertificates } from '../../test/support/certificates';
import { findingsOf } from '../../test/support/findings';
import { validate } from './validate';
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { containsPrivateKey, holdsKeyMaterial, redactKeyMaterial, redactSecrets } from './redact';

const c = testCertificates();
const run = (input: unknown) => validate(input, { now: c.now });

/** Every 20-character window of every base64 line of a PEM text (what must never appear in a response). */
function keyWindows(pem: string): string[] {
  const lines = pem.split('\n').filter((l) => l !== '' && !l.startsWith('-----'));
  const windows: string[] = [];
  for (const line of lines) for (let i = 0; i + 20 <= line.length; i += 10) windows.push(line.slice(i, i + 20));
  return windows;
}

/** Each text comes back from `redact` exactly as it was. */
function expectUnchanged(redact: (text: string) => string, texts: string[]): void {
  for (const text of texts) expect(redact(text), text).toBe(text);
}

describe('redactKeyMaterial', () => {
  it('withholds long base64 runs and keeps ordinary host names and URLs', () => {
    const key = 'MHcCAQEEIM7Lur6A6oKbG4J0e2RLGw1Vo0/NLy3xPNiWkAzJxVy4oAoGCCqGSM49';
    expect(redactKeyMaterial(`entry "${key}" is invalid`)).toBe('entry "[64 characters withheld]" is invalid');
    expect(redactKeyMaterial('"*.corp.example" never matches in curl; http://proxy.corp.example:3128/')).toBe(
      '"*.corp.example" never matches in curl; http://proxy.corp.example:3128/',
    );
  });

  it('withholds a slice of base64 with no digit in it that a slash cuts short (one key in about 500 has one)', () => {
    const slice = 'scnpZFrBmQxV//cxrokSJBlmcxQhrAncAASKoAiS';
    expect(redactKeyMaterial(`".${slice}" has a path`)).toBe('".[40 characters withheld]" has a path');
    expect(redactKeyMaterial('/abcDEF/ghiJKLmno/pqrSTUvwxYZab/cdEFg')).toBe('[37 characters withheld]');
    expect(redactKeyMaterial('at /properties/httpProxyConfig/trustedCA/NOPROXY/0;')).toBe('at /properties/httpProxyConfig/trustedCA/NOPROXY/0;');
  });

  it('withholds base64 whether or not it was lower-cased, and hex', () => {
    const line = c.privateKeyPem.split('\n')[3]!;
    expect(redactKeyMaterial(line)).toBe('[64 characters withheld]');
    expect(redactKeyMaterial(line.toLowerCase())).toBe('[64 characters withheld]');
    expect(redactKeyMaterial('a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4')).toBe('[40 characters withheld]');
  });

  it("leaves the service's own words, long host-name labels and JSON pointers alone", () => {
    expectUnchanged(redactKeyMaterial, [
      'AKS refuses it with HTTPProxyTrustedCAPEMDecodeFailure.',
      '".aks-prod-cluster-westeurope-0123abcd.corp.example" is a suffix.',
      '"AKS-Prod-Cluster-WestEurope-0123ABCD.corp.example" repeats it.',
      'It repeats the noProxy entry at /properties/httpProxyConfig/NOPROXY/0; remove the duplicate.',
    ]);
  });
});

describe('findings of validate()', () => {
  it('no finding message quotes key material pasted into any field', () => {
    const keyBody = 'MHcCAQEEIM7Lur6A6oKbG4J0e2RLGw1Vo0NLy3xPNiWkAzJxVy4oAoGCCqGSM49AwEHoUQDQgAE';
    const pem = `-----BEGIN EC PRIVATE KEY-----\n${keyBody}\n-----END EC PRIVATE KEY-----\n`;
    const result = run({ httpProxy: `http://${keyBody}/`, noProxy: [pem, Buffer.from(pem).toString('base64'), keyBody], trustedCertificate: keyBody });
    const text = JSON.stringify(result.findings).toLowerCase();
    expect(text).not.toContain(keyBody.slice(10, 40).toLowerCase());
    expect(text).not.toContain(Buffer.from(pem).toString('base64').slice(20, 52).toLowerCase());
  });

  it('withholds key material every time, however often the same config is validated (clean messages are remembered)', () => {
    const keyBody = 'MHcCAQEEIM7Lur6A6oKbG4J0e2RLGw1Vo0NLy3xPNiWkAzJxVy4oAoGCCqGSM49AwEHoUQDQgAE';
    const config = { httpProxy: 'http://p:1', noProxy: ['localhost', `${keyBody}.example`, `x/${keyBody}`], trustedCertificate: keyBody };
    const first = run(config);
    for (let i = 0; i < 3; i++) {
      const again = run(config);
      expect(again).toEqual(first);
      expect(JSON.stringify(again.findings)).not.toContain(keyBody.slice(10, 40));
    }
    expect(first.findings.map((f) => f.message).join(' ')).toMatch(/characters withheld|this entry/);
  });

  it('no noProxy message quotes a line of a real private key, whatever its slashes and case', () => {
    const lines = c.privateKeyPem.split('\n').filter((l) => /^[A-Za-z0-9+/=]{40,}$/.test(l));
    const result = run({ httpProxy: 'http://p:1', noProxy: lines.flatMap((l) => [l, `${l}.example`, `x/${l}`, `.${l.slice(0, 40)}`]) });
    const text = JSON.stringify(result.findings).toLowerCase();
    for (const w of keyWindows(c.privateKeyPem)) expect(text).not.toContain(w.toLowerCase());
  });

  it('keeps AKS error names, long host-name labels and pointers readable in messages', () => {
    const der = run({ httpProxy: 'http://p:1', trustedCa: c.caDerBase64 });
    expect(findingsOf(der, 'TRUSTED_CA_NOT_PEM')[0]!.message).toContain('HTTPProxyTrustedCAPEMDecodeFailure');

    const host = run({ httpProxy: 'http://p:1', noProxy: ['.aks-prod-cluster-westeurope-0123abcd.corp.example'] });
    expect(findingsOf(host, 'NO_PROXY_LEADING_DOT')[0]!.message).toContain('".aks-prod-cluster-westeurope-0123abcd.corp.example"');

    const mixed = run({ httpProxy: 'http://p:1', noProxy: ['a-b.example', 'AKS-Prod-Cluster-WestEurope-0123ABCD.corp.example', 'aks-prod-cluster-westeurope-0123abcd.corp.example'] });
    expect(findingsOf(mixed, 'NO_PROXY_DUPLICATE')[0]!.message).toContain('"aks-prod-cluster-westeurope-0123abcd.corp.example" repeats');

    const wrapped = run({ properties: { httpProxyConfig: { httpProxy: 'http://p:1', NOPROXY: ['a.example', 'A.example'] } } });
    expect(findingsOf(wrapped, 'NO_PROXY_DUPLICATE')[0]!.message).toContain('at /properties/httpProxyConfig/NOPROXY/0;');
  });
});

describe('pointers of validate()', () => {
  it('never carry a private key used as a key name', () => {
    const ecBase64 = Buffer.from(c.ecPrivateKeyPem).toString('base64');
    const result = run({ httpProxy: 'http://p:3128', [c.privateKeyPem]: 1, [c.ecPrivateKeyPem.trim()]: 2, [ecBase64]: 3 });
    const json = JSON.stringify(result);
    for (const w of [...keyWindows(c.privateKeyPem), ...keyWindows(c.ecPrivateKeyPem)]) expect(json).not.toContain(w);
    for (let i = 0; i + 20 <= ecBase64.length; i += 10) expect(json).not.toContain(ecBase64.slice(i, i + 20));
    expect(json).not.toContain('PRIVATE KEY');
    const unknown = findingsOf(result, 'UNKNOWN_FIELD');
    expect(unknown).toHaveLength(3);
    for (const f of unknown) expect(f.pointer).toMatch(/^\/\[\d+ characters withheld\]$/);
    expect(result.valid).toBe(false);
  });

  it('near miss: an ordinary unknown key keeps its name in the pointer', () => {
    const result = run({ httpProxy: 'http://p:3128', trustedCertificate: 'x', 'aks-prod-cluster-westeurope-0123abcd': 1 });
    expect(findingsOf(result, 'UNKNOWN_FIELD').map((f) => f.pointer)).toEqual(['/trustedCertificate', '/aks-prod-cluster-westeurope-0123abcd']);
  });
});

describe('holdsKeyMaterial', () => {
  it('recognises PEM keys, base64 of them and long base64 runs, not host names', () => {
    expect(holdsKeyMaterial(c.privateKeyPem)).toBe(true);
    expect(holdsKeyMaterial(Buffer.from(c.ecPrivateKeyPem).toString('base64'))).toBe(true);
    expect(holdsKeyMaterial('aks-prod-cluster-westeurope-0123abcd.corp.example')).toBe(false);
    expect(holdsKeyMaterial('HTTPProxyTrustedCAPEMDecodeFailure')).toBe(false);
  });
});

describe('containsPrivateKey', () => {
  const pem = '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n';
  it('finds PEM key text and base64 of it, alone or inside a sentence', async () => {
    const { containsPrivateKey } = await import('./redact');
    expect(containsPrivateKey(pem)).toBe(true);
    expect(containsPrivateKey(`see ${Buffer.from(pem).toString('base64')} please`)).toBe(true);
    // base64 of the key as a URL's query value (found by the fuzzer in a webhook description)
    expect(containsPrivateKey(`http://proxy.example:3128/?k=${Buffer.from(pem).toString('base64')}`)).toBe(true);
    expect(containsPrivateKey('http://proxy.example:3128/?k=bm90IGEga2V5IGF0IGFsbCwganVzdCBzb21lIHRleHQgaGVyZQ==')).toBe(false);
    expect(containsPrivateKey(Buffer.from(pem).toString('base64').replace(/(.{64})/g, '$1\n'))).toBe(true);
  });
  it('leaves ordinary reasons alone, certificates included', async () => {
    const { containsPrivateKey } = await import('./redact');
    expect(containsPrivateKey('Move to the new egress proxy, CHG0012345')).toBe(false);
    expect(containsPrivateKey(Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n').toString('base64'))).toBe(false);
  });
});

describe('redactSecrets (the one rule for echoes)', () => {
  const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  const body = pem.split('\n').filter((l) => l && !l.startsWith('-----')).join('');
  const b64 = Buffer.from(pem).toString('base64');

  it('leaves ordinary text, URLs and messages as they are', () => {
    expectUnchanged(redactSecrets, [
      'https://mcr.microsoft.com/v2/',
      'Cannot GET /v1/nope: no such route.',
      'reason must not contain a private key; remove it (and rotate that key)',
      'aks-prod-cluster-westeurope-0123abcd.corp.example',
    ]);
  });

  it('withholds PEM blocks, base64 of PEM, DER bodies and percent-encoded keys, once or twice encoded', () => {
    for (const text of [pem, `x ${pem} y`, pem.slice(0, 60), b64, body, `https://h.example/?k=${encodeURIComponent(pem)}`, encodeURIComponent(encodeURIComponent(pem))]) {
      const out = redactSecrets(text);
      expect(out).not.toContain('PRIVATE KEY-----');
      expect(out).not.toContain(body.slice(0, 24));
      expect(out).not.toContain(b64.slice(0, 24));
      expect(out).toMatch(/characters withheld/);
    }
  });

  it('finds a key given as base64 of its DER (a PEM body without its lines) in free text', () => {
    const ed = generateKeyPairSync('ed25519').privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64');
    expect(containsPrivateKey(`rotate ${ed} now`)).toBe(true);
    expect(containsPrivateKey(`deploy ${'ab12'.repeat(10)} (a commit)`)).toBe(false);
  });
});

describe('containsPrivateKey: the base64 scan decodes as Buffer.from(·, "base64") does', () => {
  // The scan decodes base64 on the fly; this is the plain version it replaced (Buffer.from per candidate).
  function reference(text: string): boolean {
    const PRIVATE_KEY = /PRIVATE KEY/i;
    if (PRIVATE_KEY.test(text)) return true;
    if (text.length < 40) return false;
    const isDer = (der: Buffer) =>
      (['pkcs8', 'sec1', 'pkcs1'] as const).some((type) => {
        try {
          createPrivateKey({ key: der, format: 'der', type });
          return true;
        } catch {
          return false;
        }
      });
    const decodesToKey = (b64: string) => {
      if (b64.length < 40) return false;
      const bytes = Buffer.from(b64, 'base64');
      return PRIVATE_KEY.test(bytes.toString('latin1')) || (b64.startsWith('M') && isDer(bytes));
    };
    for (const run of text.match(/[A-Za-z0-9+/=\s]{40,}/g) ?? []) {
      if (decodesToKey(run.replace(/\s+/g, ''))) return true;
      if (run.split(/[\s=]+/).some(decodesToKey)) return true;
    }
    return false;
  }

  it('agrees with the Buffer-based check on keys, their base64 at every offset and case, padding, prose and noise', () => {
    const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const der = generateKeyPairSync('ed25519').privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64');
    const texts: string[] = [
      'Python urllib and Node undici ignore CIDR entries, as does curl before 7.86 (Python requests honours only IPv4 ones)',
      'AKS already adds "localhost" to every node\'s and pod\'s NO_PROXY, so this entry changes nothing; you may remove it.',
      `rotate ${der} now`,
      `Make ${der.slice(1)} more`,
    ];
    // "PRIVATE KEY" in any case, at each of the three byte offsets, cut at `=` or wrapped over lines
    for (const word of ['PRIVATE KEY', 'private key', 'Private Key', 'PRIVATE  KEY', 'PRIVATEKEY', 'PPRIVATE KEY']) {
      for (const pad of ['', 'x', 'xy']) {
        const b64 = Buffer.from(`${pad}-----BEGIN ${word}-----\nabc`).toString('base64');
        texts.push(b64, `see ${b64} please`, b64.replace(/(.{16})/g, '$1\n'), `${b64.slice(0, 20)}=${b64.slice(20)}`, `k=${b64}`, b64.toLowerCase());
      }
    }
    texts.push(Buffer.from(pem).toString('base64'), Buffer.from(pem).toString('base64').replace(/(.{64})/g, '$1\r\n'));
    // random runs of base64 characters, whitespace (one non-ASCII) and `=`
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/ \n=\u00a0';
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
    for (let n = 0; n < 3000; n++) {
      let text = '';
      const length = 30 + (next() % 90);
      for (let i = 0; i < length; i++) text += alphabet[next() % alphabet.length];
      texts.push(text);
      // and with base64 of a "private key" phrase inside
      const at = next() % text.length;
      texts.push(text.slice(0, at) + Buffer.from(`${'z'.repeat(next() % 3)}a private key`).toString('base64') + text.slice(at));
    }
    let found = 0;
    for (const text of texts) {
      const expected = reference(text);
      if (expected) found++;
      expect(containsPrivateKey(text), JSON.stringify(text)).toBe(expected);
    }
    expect(found).toBeGreaterThan(100);
  });
});
