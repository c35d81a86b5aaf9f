import { describe, expect, it } from 'vitest';
import { validate } from '../validate';
import { configAsWritten, dedupeNoProxy, explain, explainAsWritten } from './index';

const now = new Date('2026-01-01T00:00:00Z');
const run = (input: Record<string, unknown>, urls: string[]) => explainAsWritten(input, validate(input, { now }).normalized, urls);

describe('explainAsWritten: the noProxy entries validation refuses still reach the clients', () => {
  const input = { httpProxy: 'http://proxy.corp:3128', noProxy: ['*.svc.example', ' [fd02::1] ', 'Corp.Example', 'corp.example'] };
  it('validation drops them, explain keeps them as written', () => {
    const r = validate(input, { now });
    expect(r.findings.some((f) => f.severity === 'error')).toBe(true);
    expect(r.normalized.noProxy ?? []).not.toContain('*.svc.example');
    expect(run(input, []).effectiveNoProxy).toEqual([
      '*.svc.example',
      '[fd02::1]',
      'Corp.Example',
      'localhost',
      '127.0.0.1',
      '169.254.169.254',
      '168.63.129.16',
      'konnectivity',
    ]);
  });
  it('Go bypasses http://a.svc.example/ through "*.svc.example", curl says it ignores it', () => {
    const [a] = run(input, ['http://a.svc.example/']).results;
    expect(a!.clients!.go).toEqual({ proxy: null, reason: 'NO_PROXY entry "*.svc.example" matches subdomains (Go reads "*." like a leading ".")' });
    expect(a!.clients!.curl.proxy).toBe('http://proxy.corp:3128');
    expect(a!.clients!.curl.reason).toContain('"*.svc.example"');
  });
  it('"*" bypasses every host for Go', () => {
    const [a] = run({ httpProxy: 'http://p:3128/', noProxy: ['*'] }, ['https://mcr.microsoft.com/']).results;
    expect(a!.clients!.go).toEqual({ proxy: null, reason: 'NO_PROXY entry "*" bypasses the proxy for every host' });
  });
  it('a stored (normalized) config is explained as before', () => {
    const normalized = validate(input, { now }).normalized;
    expect(explain(normalized, ['http://a.svc.example/']).results[0]!.clients!.go.proxy).toBe('http://proxy.corp:3128/');
  });
});

describe('configAsWritten', () => {
  it('keeps usable proxy URLs as written, falls back to the normalized ones', () => {
    expect(configAsWritten({ httpProxy: 'HTTP://Proxy.Corp' }, { httpProxy: 'http://proxy.corp:80/' })).toEqual({ httpProxy: 'HTTP://Proxy.Corp' });
    // user info is never echoed; whitespace is no usable URL
    expect(configAsWritten({ httpProxy: 'http://u:secret@p:3128' }, { httpProxy: 'http://p:3128/' })).toEqual({ httpProxy: 'http://p:3128/' });
    expect(configAsWritten({ httpsProxy: ' http://p:3128 ' }, { httpsProxy: 'http://p:3128/' })).toEqual({ httpsProxy: 'http://p:3128/' });
    expect(configAsWritten({ httpProxy: 'proxy:3128' }, {})).toEqual({});
  });
  it('reads the file as the CLI does (case-insensitive keys, string entries only) and splits nothing', () => {
    expect(configAsWritten({ NoProxy: ['a,b', 7, 'A,B', ' c '] }, {})).toEqual({ noProxy: ['a,b', 'c'] });
  });
  it('dedupeNoProxy keeps the first spelling and the order', () => {
    expect(dedupeNoProxy(['B', ' a', 'b', '', 'A '])).toEqual(['B', 'a']);
  });
});

describe('configAsWritten never carries key material', () => {
  // 48 random-looking base64 characters, as a key line pasted into the wrong field would be
  const keyLine = 'MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg';
  it('drops a noProxy entry or proxy URL holding it', () => {
    const input = { httpProxy: `http://${keyLine}:3128`, noProxy: ['.corp.example', keyLine, '-----BEGIN PRIVATE KEY-----'] };
    const config = configAsWritten(input, validate(input, { now }).normalized);
    expect(config.noProxy).toEqual(['.corp.example']);
    expect(JSON.stringify(run(input, ['https://mcr.microsoft.com/']))).not.toContain(keyLine);
  });
});
