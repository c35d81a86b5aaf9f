/**
 * Ruby model against cases transcribed from ruby/uri test/uri/test_generic.rb (read at commit 501a45d2):
 * test_find_proxy_*, test_use_proxy_p. with_proxy_env runs each block with ENV, a Hash and a CaseInsensitiveEnv;
 * the Hash variant is transcribed (ENV on Linux behaves the same).
 *
 * Counts: bad_uri 1, no_env 2, find_proxy 4, get 2, no_proxy 6, no_proxy_cidr 3, bad_value 4, case_sensitive_env 3,
 * use_proxy_p 15: 40 transcribed, 40 passing.
 * Skipped: test_find_proxy_no_proxy 2 assertions on "http://example.org" whose address comes from a stubbed
 * IPSocket.getaddress (needs DNS; this model does none); the CaseInsensitiveEnv variant of every with_proxy_env block
 * (23 assertions): a Windows-style case-insensitive environment, not a pod's.
 */
import { describe, expect, it } from 'vitest';
import { rubyFindProxy, rubyUseProxy } from './ruby';
import type { EnvMap } from './types';

const P = 'http://127.0.0.1:8080';
const rows: { from: string; env: EnvMap; url: string; want: string | null }[] = [
  { from: 'test_find_proxy_bad_uri', env: {}, url: 'foo', want: null },
  { from: 'test_find_proxy_no_env', env: {}, url: 'http://192.0.2.1/', want: null },
  { from: 'test_find_proxy_no_env', env: {}, url: 'ftp://192.0.2.1/', want: null },
  { from: 'test_find_proxy', env: { http_proxy: P }, url: 'http://192.0.2.1/', want: P },
  { from: 'test_find_proxy', env: { http_proxy: P }, url: 'ftp://192.0.2.1/', want: null },
  { from: 'test_find_proxy', env: { ftp_proxy: P }, url: 'http://192.0.2.1/', want: null },
  { from: 'test_find_proxy', env: { ftp_proxy: P }, url: 'ftp://192.0.2.1/', want: P },
  { from: 'test_find_proxy_get', env: { REQUEST_METHOD: 'GET' }, url: 'http://192.0.2.1/', want: null },
  { from: 'test_find_proxy_get', env: { CGI_HTTP_PROXY: P, REQUEST_METHOD: 'GET' }, url: 'http://192.0.2.1/', want: P },
  { from: 'test_find_proxy_no_proxy', env: { http_proxy: P, no_proxy: '192.0.2.2' }, url: 'http://192.0.2.1/', want: P },
  { from: 'test_find_proxy_no_proxy', env: { http_proxy: P, no_proxy: '192.0.2.2' }, url: 'http://192.0.2.2/', want: null },
  { from: 'test_find_proxy_no_proxy', env: { http_proxy: P, no_proxy: 'example.org' }, url: 'http://example.org/', want: null },
  { from: 'test_find_proxy_no_proxy', env: { http_proxy: P, no_proxy: 'example.org' }, url: 'http://www.example.org/', want: null },
  { from: 'test_find_proxy_no_proxy', env: { http_proxy: P, no_proxy: '.example.org' }, url: 'http://example.org/', want: P },
  { from: 'test_find_proxy_no_proxy', env: { http_proxy: P, no_proxy: '.example.org' }, url: 'http://www.example.org/', want: null },
  { from: 'test_find_proxy_no_proxy_cidr', env: { http_proxy: P, no_proxy: '192.0.2.0/24' }, url: 'http://192.0.1.1/', want: P },
  { from: 'test_find_proxy_no_proxy_cidr', env: { http_proxy: P, no_proxy: '192.0.2.0/24' }, url: 'http://192.0.2.1/', want: null },
  { from: 'test_find_proxy_no_proxy_cidr', env: { http_proxy: P, no_proxy: '192.0.2.0/24' }, url: 'http://192.0.2.2/', want: null },
  { from: 'test_find_proxy_bad_value', env: { http_proxy: '' }, url: 'http://192.0.2.1/', want: null },
  { from: 'test_find_proxy_bad_value', env: { http_proxy: '' }, url: 'ftp://192.0.2.1/', want: null },
  { from: 'test_find_proxy_bad_value', env: { ftp_proxy: '' }, url: 'http://192.0.2.1/', want: null },
  { from: 'test_find_proxy_bad_value', env: { ftp_proxy: '' }, url: 'ftp://192.0.2.1/', want: null },
  { from: 'test_find_proxy_case_sensitive_env', env: { http_proxy: P, REQUEST_METHOD: 'GET' }, url: 'http://192.0.2.1/', want: P },
  { from: 'test_find_proxy_case_sensitive_env', env: { HTTP_PROXY: 'http://127.0.0.1:8081', REQUEST_METHOD: 'GET' }, url: 'http://192.0.2.1/', want: null },
  {
    from: 'test_find_proxy_case_sensitive_env',
    env: { http_proxy: P, HTTP_PROXY: 'http://127.0.0.1:8081', REQUEST_METHOD: 'GET' },
    url: 'http://192.0.2.1/',
    want: P,
  },
];

// test_use_proxy_p: [hostname, addr, port, no_proxy, expected use_proxy?]
const useProxyP: [string, string | null, number, string, boolean][] = [
  ['example.com', null, 80, '', true],
  ['example.com', null, 80, 'example.com:80', false],
  ['example.com', null, 80, 'example.org,example.com:80,example.net', false],
  ['foo.example.com', null, 80, 'example.com', false],
  ['foo.example.com', null, 80, '.example.com', false],
  ['example.com', null, 80, '.example.com', true],
  ['xample.com', null, 80, '.example.com', true],
  ['fooexample.com', null, 80, '.example.com', true],
  ['foo.example.com', null, 80, 'example.com:80', false],
  ['foo.eXample.com', null, 80, 'example.com:80', false],
  ['foo.example.com', null, 80, 'eXample.com:80', false],
  ['foo.example.com', null, 80, 'example.com:443', true],
  ['127.0.0.1', '127.0.0.1', 80, '10.224.0.0/22', true],
  ['10.224.1.1', '10.224.1.1', 80, '10.224.1.1', false],
  ['10.224.1.1', '10.224.1.1', 80, '10.224.0.0/22', false],
];

describe('ruby upstream cases (test/uri/test_generic.rb)', () => {
  it('has every transcribed row', () => {
    expect(rows.length + useProxyP.length).toBe(40);
  });
  it.each(rows.map((r) => [r.from, r.url, r] as const))('%s %s', (_f, _u, row) => {
    expect(rubyFindProxy(row.url, row.env).proxy).toBe(row.want);
  });
  it.each(useProxyP)('test_use_proxy_p use_proxy?(%j, %j, %i, %j) = %s', (hostname, addr, port, noProxy, expected) => {
    expect(rubyUseProxy(hostname, addr, port, noProxy).useProxy).toBe(expected);
  });
});

describe('ruby behaviour', () => {
  const env = { http_proxy: 'http://p:3128/', https_proxy: 'http://p:3128/', no_proxy: '.corp.example,10.0.0.0/8,*.svc.example,::1,*' };
  it('never proxies loopback addresses, takes localhost as 127.0.0.1', () => {
    expect(rubyFindProxy('http://127.0.0.5/', env).reason).toMatch(/never proxies hosts whose address is loopback/);
    expect(rubyFindProxy('http://localhost:8080/', env).reason).toContain('localhost taken as 127.0.0.1');
  });
  it('says that host names are not resolved when CIDR entries exist', () => {
    const r = rubyFindProxy('https://db.internal.example/', env);
    expect(r.proxy).toBe('http://p:3128/');
    expect(r.reason).toContain('host names are not resolved here (no DNS)');
    expect(r.reason).toContain('"10.0.0.0/8"');
  });
  it('matches IP literals against CIDRs and names the entry', () => {
    expect(rubyFindProxy('http://10.2.3.4/', env)).toEqual({ proxy: null, reason: 'no_proxy entry "10.0.0.0/8" contains 10.2.3.4' });
  });
  it('reads .x as subdomains only, has no wildcards, no "*", no IPv6 entries', () => {
    expect(rubyFindProxy('https://corp.example/', env).reason).toContain('Ruby reads ".corp.example" as subdomains only');
    expect(rubyFindProxy('https://a.svc.example/', env).reason).toContain('Ruby has no wildcards');
    expect(rubyFindProxy('https://a.svc.example/', env).reason).toContain('Ruby does not support "*"');
    expect(rubyFindProxy('http://[::2]/', { ...env, no_proxy: '::2' }).reason).toContain('IPv6 entries like "::2" never match');
  });
  it('does not fall back to http_proxy for https', () => {
    expect(rubyFindProxy('https://a/', { http_proxy: 'http://p/' }).reason).toMatch(/does not fall back/);
  });
  it('reads lower case first; a set but empty variable means no proxy', () => {
    expect(rubyFindProxy('http://a/', { http_proxy: 'http://low/', HTTP_PROXY: 'http://up/' }).proxy).toBe('http://low/');
    expect(rubyFindProxy('http://a/', { HTTP_PROXY: 'http://up/' }).proxy).toBe('http://up/');
    expect(rubyFindProxy('http://a/', { http_proxy: '', HTTP_PROXY: 'http://up/' }).proxy).toBeNull();
  });
});

// ruby/uri lib/uri/generic.rb URI::Generic.use_proxy?: no_proxy.scan(/([^:,\s]+)(?::(\d+))?/) splits IPv6 entries at
// ":", so "::1" yields the token "1", and "10.0.0.1" ends with ".1": direct. The reason names the entry as written.
describe('ruby: an entry split by the scan is named as written', () => {
  const env = { http_proxy: 'http://p:3128/', no_proxy: 'corp.example,::1' };
  it('"::1" bypasses http://10.0.0.1/ through its token "1"', () => {
    expect(rubyFindProxy('http://10.0.0.1/', env)).toEqual({
      proxy: null,
      reason: 'no_proxy entry "::1": Ruby split "::1" at ":" and kept "1", which matches subdomains (any host ending in ".1")',
    });
    expect(rubyUseProxy('10.0.0.1', '10.0.0.1', 80, 'fd01::1')).toEqual({ useProxy: false, entry: 'fd01::1', token: '1', how: 'matches subdomains' });
    expect(rubyFindProxy('http://10.0.0.1/', { ...env, no_proxy: 'a, fd01::1 ,b' }).reason).toContain('entry "fd01::1": Ruby split "fd01::1" at ":" and kept "1"');
  });
  it('an entry that was not split keeps the plain reason', () => {
    expect(rubyFindProxy('http://a.corp.example/', env).reason).toBe('no_proxy entry "corp.example" matches subdomains');
    expect(rubyFindProxy('http://h:8080/', { ...env, no_proxy: 'h:8080' }).reason).toBe('no_proxy entry "h:8080" matches the host on port 8080');
  });
});
