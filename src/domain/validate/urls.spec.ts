import { describe, expect, it } from 'vitest';
import { codesOf, findingsOf } from '../../../test/support/findings';
import { validate } from './index';
import { checkProxyUrl, normalizeProxyUrl } from './urls';

const now = new Date('2026-01-15T12:00:00Z');
const run = (input: unknown) => validate(input, { now });
const http = (url: string) => checkProxyUrl('httpProxy', url, '/httpProxy');
const https = (url: string) => checkProxyUrl('httpsProxy', url, '/httpsProxy');

describe('PROXY_MISSING', () => {
  it.each([[{}], [{ noProxy: ['a'] }], [{ httpProxy: '' }], [{ httpProxy: '  ', httpsProxy: '' }], [{ httpProxy: null }]])(
    'reports %j at ""',
    (input) => {
      expect(findingsOf(run(input), 'PROXY_MISSING')).toEqual([expect.objectContaining({ severity: 'error', pointer: '' })]);
    },
  );

  it('near miss: httpsProxy alone is enough', () => {
    const r = run({ httpsProxy: 'http://proxy:3128' });
    expect(r.findings).toEqual([]);
    expect(r.normalized).toEqual({ httpsProxy: 'http://proxy:3128/' });
  });
});

describe('PROXY_URL_INVALID', () => {
  it.each([
    ['proxy.corp.example:8080', 'http://proxy.corp.example:8080/'],
    ['proxy.corp.example', 'http://proxy.corp.example/'],
    ['http://', 'no host'],
    ['http://:8080', 'no host'],
    ['http:///proxy', 'no host'],
    ['http:proxy', 'absolute URL'],
    ['//proxy:3128', 'absolute URL'],
    ['http://proxy:99999', 'port'],
    ['http://proxy:0', 'port'],
    ['http://proxy:80a', 'port'],
    ['http://pro xy:3128', 'spaces'],
    ['http://proxy\t:3128', 'spaces'],
    ['http:\\\\proxy:3128', 'backslashes'],
    ['http://prøxy.example:3128', 'punycode'],
    ['http://10.0.0.256:3128', 'IPv4'],
    ['http://010.0.0.1:3128', 'IPv4'],
    ['http://fe80::1:3128', 'brackets'],
    ['http://[fe80::1%25eth0]:3128', 'IPv6'],
    ['http://[fe80::1:3128', 'closing'],
    ['http://[::1]x:3128', 'after the IPv6'],
    ['http://0x7f.1:3128', 'ends in a number'],
    ['http://12345:3128', 'ends in a number'],
    ['http://0x7f.0.0.1:3128', 'ends in a number'],
    ['http://proxy.corp.0x:3128', 'ends in a number'],
    ['http://proxy.corp.123:3128', 'ends in a number'],
    ['http://1.2.3:3128', 'IPv4'],
    ['http://under_score.example:3128', 'host name'],
    ['http://-bad.example:3128', 'host name'],
    ['', 'empty'],
    ['x'.repeat(3000), 'longer'],
  ])('reports %j', (url, hint) => {
    const r = http(url);
    const invalid = findingsOf(r, 'PROXY_URL_INVALID');
    expect(invalid).toHaveLength(1);
    expect(invalid[0]).toMatchObject({ severity: 'error', pointer: '/httpProxy' });
    expect(invalid[0]!.message).toContain(hint);
    expect(r.normalized).toBeUndefined();
  });

  it('reports leading or trailing whitespace instead of accepting it silently, and still normalizes the rest', () => {
    const r = http(' http://proxy:3128/\n');
    expect(codesOf(r)).toEqual(['PROXY_URL_INVALID']);
    expect(r.findings[0]!.message).toContain('whitespace');
    expect(r.normalized).toBe('http://proxy:3128/');
  });

  it.each(['http://proxy.corp.example:3128', 'http://10.0.0.1:3128/', 'http://[2001:db8::1]:3128/', 'http://proxy:65535', 'http://fqdn.example.:8080/'])(
    'near miss: %j is valid',
    (url) => {
      expect(http(url).findings).toEqual([]);
    },
  );
});

describe('PROXY_URL_SCHEME', () => {
  it.each([
    ['httpProxy', 'https://proxy:443'],
    ['httpProxy', 'socks5://proxy:1080'],
    ['httpProxy', 'ftp://proxy:21'],
    ['httpsProxy', 'socks5h://proxy:1080'],
  ] as const)('reports %s = %j', (field, url) => {
    const r = checkProxyUrl(field, url, `/${field}`);
    expect(findingsOf(r, 'PROXY_URL_SCHEME')).toEqual([expect.objectContaining({ severity: 'error', pointer: `/${field}` })]);
  });

  it('tells where an https:// proxy belongs', () => {
    expect(findingsOf(http('https://proxy:443'), 'PROXY_URL_SCHEME')[0]!.message).toContain('httpsProxy');
  });

  it('near miss: http:// for both and https:// for httpsProxy are accepted schemes', () => {
    expect(codesOf(http('HTTP://proxy:3128'))).toEqual([]);
    expect(codesOf(https('http://proxy:3128'))).toEqual([]);
    expect(codesOf(https('https://proxy:3128'))).not.toContain('PROXY_URL_SCHEME');
  });
});

describe('PROXY_URL_CREDENTIALS', () => {
  it('reports user and password without ever echoing them, and drops them from the normalized URL', () => {
    const r = run({ httpProxy: 'http://alice:s3cr3t-P%40ss@proxy.corp.example:3128/', httpsProxy: 'http://bob@proxy:1' });
    expect(findingsOf(r, 'PROXY_URL_CREDENTIALS').map((f) => f.pointer)).toEqual(['/httpProxy', '/httpsProxy']);
    expect(r.normalized).toEqual({ httpProxy: 'http://proxy.corp.example:3128/', httpsProxy: 'http://proxy:1/' });
    const text = JSON.stringify(r);
    expect(text).not.toContain('s3cr3t');
    expect(text).not.toContain('alice');
    expect(text).not.toContain('bob');
  });

  it('does not echo the password in other messages either', () => {
    const r = run({ httpProxy: 'http://alice:s3cr3t@proxy:3128/path?x=1' });
    expect(codesOf(r)).toEqual(['PROXY_URL_CREDENTIALS', 'PROXY_URL_PATH', 'HTTPS_PROXY_DEFAULTED']);
    expect(JSON.stringify(r)).not.toContain('s3cr3t');
  });

  it('near miss: a URL without user information', () => {
    expect(codesOf(http('http://proxy:3128'))).not.toContain('PROXY_URL_CREDENTIALS');
  });
});

describe('PROXY_URL_PATH', () => {
  it.each(['http://proxy:3128/path', 'http://proxy:3128/?q=1', 'http://proxy:3128#frag', 'http://proxy:3128//'])('warns about %j', (url) => {
    const r = http(url);
    expect(findingsOf(r, 'PROXY_URL_PATH')).toEqual([expect.objectContaining({ severity: 'warning' })]);
    expect(r.findings[0]!.message).toContain('http://proxy:3128/');
    expect(r.normalized).toBe('http://proxy:3128/');
  });

  it.each(['http://proxy:3128/', 'http://proxy:3128'])('near miss: %j has no path', (url) => {
    expect(http(url).findings).toEqual([]);
  });
});

describe('HTTPS_PROXY_DEFAULTED', () => {
  it('informs that httpProxy serves both when httpsProxy is absent', () => {
    const r = run({ httpProxy: 'http://proxy:3128' });
    expect(r.findings).toEqual([expect.objectContaining({ code: 'HTTPS_PROXY_DEFAULTED', severity: 'info', pointer: '/httpProxy' })]);
    expect(r.valid).toBe(true);
  });

  it('near miss: both set, or httpsProxy present even if wrong', () => {
    expect(codesOf(run({ httpProxy: 'http://p:1', httpsProxy: 'http://p:2' }))).toEqual([]);
    expect(codesOf(run({ httpProxy: 'http://p:1', httpsProxy: 5 }))).not.toContain('HTTPS_PROXY_DEFAULTED');
  });
});

describe('HTTPS_PROXY_TLS', () => {
  it('warns when httpsProxy uses https://', () => {
    const r = run({ httpProxy: 'http://p:1', httpsProxy: 'https://proxy.corp.example' });
    expect(findingsOf(r, 'HTTPS_PROXY_TLS')).toEqual([expect.objectContaining({ severity: 'warning', pointer: '/httpsProxy' })]);
    expect(r.normalized.httpsProxy).toBe('https://proxy.corp.example:443/');
    expect(r.valid).toBe(true);
  });

  it('near miss: http:// httpsProxy', () => {
    expect(codesOf(https('http://proxy.corp.example:3128'))).toEqual([]);
  });
});

describe('normalization', () => {
  it.each([
    ['HTTP://Proxy.Corp:80', 'http://proxy.corp:80/'],
    ['http://proxy.corp/', 'http://proxy.corp:80/'],
    ['http://proxy.corp:/', 'http://proxy.corp:80/'],
    ['https://PROXY.corp', 'https://proxy.corp:443/'],
    ['http://proxy.corp:03128', 'http://proxy.corp:3128/'],
    ['http://[2001:DB8:0:0::1]:3128', 'http://[2001:db8::1]:3128/'],
    ['http://[::1]', 'http://[::1]:80/'],
    ['http://10.0.0.1:3128/x?y#z', 'http://10.0.0.1:3128/'],
    ['HTTP://Proxy.Corp.:3128', 'http://proxy.corp:3128/'],
  ])('%j → %j', (url, expected) => {
    expect(normalizeProxyUrl(url)).toBe(expected);
  });

  it('near miss: numbers in other labels, and strict dotted quads, are fine', () => {
    expect(normalizeProxyUrl('http://123.example:3128')).toBe('http://123.example:3128/');
    expect(normalizeProxyUrl('http://0x7f.example:3128')).toBe('http://0x7f.example:3128/');
    expect(normalizeProxyUrl('http://proxy1.corp2:3128')).toBe('http://proxy1.corp2:3128/');
    expect(normalizeProxyUrl('http://127.0.0.1:3128')).toBe('http://127.0.0.1:3128/');
  });

  it('gives null for what is no usable http(s) URL', () => {
    expect(normalizeProxyUrl('socks5://proxy:1080')).toBeNull();
    expect(normalizeProxyUrl('proxy:3128')).toBeNull();
  });
});
