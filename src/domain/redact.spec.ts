import { describe, expect, it } from 'vitest';
import { validate } from './validate';
import { redactLongTokens } from './redact';

describe('redactLongTokens', () => {
  it('withholds long base64 runs and keeps ordinary host names and URLs', () => {
    const key = 'MHcCAQEEIM7Lur6A6oKbG4J0e2RLGw1Vo0/NLy3xPNiWkAzJxVy4oAoGCCqGSM49';
    expect(redactLongTokens(`entry "${key}" is invalid`)).toBe('entry "[64 characters withheld]" is invalid');
    expect(redactLongTokens('"*.corp.example" never matches in curl; http://proxy.corp.example:3128/')).toBe(
      '"*.corp.example" never matches in curl; http://proxy.corp.example:3128/',
    );
  });

  it('no finding message of validate() quotes key material pasted into any field', () => {
    const keyBody = 'MHcCAQEEIM7Lur6A6oKbG4J0e2RLGw1Vo0NLy3xPNiWkAzJxVy4oAoGCCqGSM49AwEHoUQDQgAE';
    const pem = `-----BEGIN EC PRIVATE KEY-----\n${keyBody}\n-----END EC PRIVATE KEY-----\n`;
    const result = validate(
      { httpProxy: `http://${keyBody}/`, noProxy: [pem, Buffer.from(pem).toString('base64'), keyBody], trustedCertificate: keyBody },
      { now: new Date() },
    );
    const text = JSON.stringify(result.findings).toLowerCase();
    expect(text).not.toContain(keyBody.slice(10, 40).toLowerCase());
    expect(text).not.toContain(Buffer.from(pem).toString('base64').slice(20, 52).toLowerCase());
  });
});

describe('containsPrivateKey', () => {
  const pem = '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n';
  it('finds PEM key text and base64 of it, alone or inside a sentence', async () => {
    const { containsPrivateKey } = await import('./redact');
    expect(containsPrivateKey(pem)).toBe(true);
    expect(containsPrivateKey(`see ${Buffer.from(pem).toString('base64')} please`)).toBe(true);
    expect(containsPrivateKey(Buffer.from(pem).toString('base64').replace(/(.{64})/g, '$1\n'))).toBe(true);
  });
  it('leaves ordinary reasons alone, certificates included', async () => {
    const { containsPrivateKey } = await import('./redact');
    expect(containsPrivateKey('Move to the new egress proxy, CHG0012345')).toBe(false);
    expect(containsPrivateKey(Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n').toString('base64'))).toBe(false);
  });
});
