/**
 * Go model against cases transcribed from golang/net http/httpproxy/proxy_test.go (read at commit 0ca694d2).
 * Each row names the upstream test. Upstream configs (httpproxy.Config) are written as the environment
 * FromEnvironment would read them: HTTPProxy → HTTP_PROXY, HTTPSProxy → HTTPS_PROXY, NoProxy → NO_PROXY,
 * CGI: true → REQUEST_METHOD=GET. "<nil>" upstream is `null` here.
 *
 * Behaviour of x/net v0.36.0 and later (cde1dda9, CVE-2025-22870: IPv6 zones are dropped before IP matching).
 *
 * Counts: proxyForURLTests 26 transcribed; TestFromEnvironment* 3 tests as 8 rows; TestUseProxy 27;
 * TestAllNoProxy 27; TestInvalidNoProxy 1. Total 89 rows, all passing, none skipped.
 */
import { describe, expect, it } from 'vitest';
import { goProxyForUrl } from './go';
import type { EnvMap } from './types';

interface Row {
  from: string;
  env: EnvMap;
  url: string;
  want: string | null;
}

const cfg = (http?: string, https?: string, no?: string, cgi = false): EnvMap => ({
  ...(http !== undefined ? { HTTP_PROXY: http } : {}),
  ...(https !== undefined ? { HTTPS_PROXY: https } : {}),
  ...(no !== undefined ? { NO_PROXY: no } : {}),
  ...(cgi ? { REQUEST_METHOD: 'GET' } : {}),
});

const P = 'proxy_test.go proxyForURLTests';
const EX = 'http://example.com';

// proxy_test.go: var proxyForURLTests (TestProxyForURL)
const proxyForURLTests: Row[] = [
  { from: P, env: cfg('127.0.0.1:8080'), url: EX, want: 'http://127.0.0.1:8080' },
  { from: P, env: cfg('cache.corp.example.com:1234'), url: EX, want: 'http://cache.corp.example.com:1234' },
  { from: P, env: cfg('cache.corp.example.com'), url: EX, want: 'http://cache.corp.example.com' },
  { from: P, env: cfg('localhost'), url: EX, want: 'http://localhost' },
  { from: P, env: cfg('https://cache.corp.example.com'), url: EX, want: 'https://cache.corp.example.com' },
  { from: P, env: cfg('http://127.0.0.1:8080'), url: EX, want: 'http://127.0.0.1:8080' },
  { from: P, env: cfg('https://127.0.0.1:8080'), url: EX, want: 'https://127.0.0.1:8080' },
  { from: P, env: cfg('socks5://127.0.0.1'), url: EX, want: 'socks5://127.0.0.1' },
  { from: P, env: cfg('foo://host'), url: EX, want: 'foo://host' },
  { from: P, env: cfg('http.proxy.tld', 'secure.proxy.tld'), url: 'http://insecure.tld/', want: 'http://http.proxy.tld' },
  { from: P, env: cfg('http.proxy.tld', 'secure.proxy.tld'), url: 'https://secure.tld/', want: 'http://secure.proxy.tld' },
  { from: P, env: cfg('http.proxy.tld', 'https://secure.proxy.tld'), url: 'https://secure.tld/', want: 'https://secure.proxy.tld' },
  { from: P, env: cfg('http.proxy.tld'), url: 'https://secure.tld/', want: null },
  { from: P, env: cfg('http.proxy.tld'), url: 'ftp://insecure.tld/', want: null },
  { from: P, env: cfg('http://10.1.2.3:8080', undefined, undefined, true), url: EX, want: null }, // error upstream
  { from: P, env: cfg(undefined, 'https://secure.proxy.tld', undefined, true), url: 'https://secure.tld/', want: 'https://secure.proxy.tld' },
  { from: P, env: cfg(), url: EX, want: null },
  { from: P, env: cfg('proxy', undefined, 'example.com'), url: 'http://example.com/', want: null },
  { from: P, env: cfg('proxy', undefined, '.example.com'), url: 'http://example.com/', want: 'http://proxy' },
  { from: P, env: cfg('proxy', undefined, 'ample.com'), url: 'http://example.com/', want: 'http://proxy' },
  { from: P, env: cfg('proxy', undefined, 'example.com'), url: 'http://foo.example.com/', want: null },
  { from: P, env: cfg('proxy', undefined, '.foo.com'), url: 'http://example.com/', want: 'http://proxy' },
  { from: P, env: cfg('proxy', undefined, '.示例.com'), url: 'http://www.示例.com', want: null },
  { from: P, env: cfg('proxy', undefined, 'xn--fsq092h.com'), url: 'http://www.示例.com', want: null },
  { from: P, env: cfg('proxy', undefined, '示例.com'), url: 'http://www.xn--fsq092h.com', want: null },
  { from: P, env: cfg('proxy', undefined, 'example.com'), url: 'http://[1000::%25.example.com]:123', want: 'http://proxy' },
];

// TestFromEnvironment, TestFromEnvironmentWithRequestMethod, TestFromEnvironmentLowerCase: the Config read from the
// environment, checked here through the proxy it gives.
const upper: EnvMap = { HTTP_PROXY: 'httpproxy', HTTPS_PROXY: 'httpsproxy', NO_PROXY: 'noproxy' };
const lower: EnvMap = { http_proxy: 'httpproxy', https_proxy: 'httpsproxy', no_proxy: 'noproxy' };
const fromEnvironment: Row[] = [
  { from: 'TestFromEnvironment', env: upper, url: 'http://example.com/', want: 'http://httpproxy' },
  { from: 'TestFromEnvironment', env: upper, url: 'https://example.com/', want: 'http://httpsproxy' },
  { from: 'TestFromEnvironment', env: upper, url: 'http://noproxy/', want: null },
  { from: 'TestFromEnvironmentWithRequestMethod', env: { ...upper, REQUEST_METHOD: 'PUT' }, url: 'http://example.com/', want: null },
  { from: 'TestFromEnvironmentWithRequestMethod', env: { ...upper, REQUEST_METHOD: 'PUT' }, url: 'https://example.com/', want: 'http://httpsproxy' },
  { from: 'TestFromEnvironmentLowerCase', env: lower, url: 'http://example.com/', want: 'http://httpproxy' },
  { from: 'TestFromEnvironmentLowerCase', env: lower, url: 'https://example.com/', want: 'http://httpsproxy' },
  { from: 'TestFromEnvironmentLowerCase', env: lower, url: 'http://noproxy/', want: null },
];

// proxy_test.go: var UseProxyTests with var noProxy (TestUseProxy, TestAllNoProxy); host + ":80" as an http URL.
const upstreamNoProxy =
  'foobar.com, .barbaz.net, *.wildcard.io, 192.168.1.1, 192.168.1.2:81, 192.168.1.3:80, 10.0.0.0/30, 2001:db8::52:0:1, [2001:db8::52:0:2]:443, [2001:db8::52:0:3]:80, 2002:db8:a::45/64';
const useProxyTests: [host: string, match: boolean][] = [
  ['localhost', false],
  ['127.0.0.1', false],
  ['127.0.0.2', false],
  ['[::1]', false],
  ['[::2]', true],
  ['192.168.1.1', false],
  ['192.168.1.2', true],
  ['192.168.1.3', false],
  ['192.168.1.4', true],
  ['10.0.0.2', false],
  ['[2001:db8::52:0:1]', false],
  ['[2001:db8::52:0:2]', true],
  ['[2001:db8::52:0:3]', false],
  ['[2002:db8:a::123]', false],
  ['[fe80::424b:c8be:1643:a1b6]', true],
  ['barbaz.net', true],
  ['www.barbaz.net', false],
  ['foobar.com', false],
  ['www.foobar.com', false],
  ['foofoobar.com', true],
  ['baz.com', true],
  ['localhost.net', true],
  ['local.localhost', true],
  ['barbarbaz.net', true],
  ['wildcard.io', true],
  ['nested.wildcard.io', false],
  ['awildcard.io', true],
];

const rows: Row[] = [
  ...proxyForURLTests,
  ...fromEnvironment,
  ...useProxyTests.map(([host, match]) => ({
    from: 'TestUseProxy',
    env: { HTTP_PROXY: 'http://proxy', NO_PROXY: upstreamNoProxy },
    url: `http://${host}:80`,
    want: match ? 'http://proxy' : null,
  })),
  ...useProxyTests.map(([host]) => ({
    from: 'TestAllNoProxy',
    env: { HTTP_PROXY: 'http://proxy', NO_PROXY: '*' },
    url: `http://${host}:80`,
    want: null,
  })),
  { from: 'TestInvalidNoProxy', env: { HTTP_PROXY: 'http://proxy', NO_PROXY: ':1' }, url: 'http://example.com:80', want: 'http://proxy' },
];

describe('go (golang.org/x/net/http/httpproxy) upstream cases', () => {
  it('has every transcribed row', () => {
    expect(proxyForURLTests).toHaveLength(26);
    expect(rows).toHaveLength(89);
  });
  it.each(rows.map((r, i) => [i, r.from, r.url, r] as const))('#%i %s %s', (_i, _from, _url, row) => {
    expect(goProxyForUrl(row.url, row.env).proxy).toBe(row.want);
  });
});

describe('go reasons', () => {
  const env = { HTTP_PROXY: 'http://p:1/', HTTPS_PROXY: 'http://p:1/', NO_PROXY: upstreamNoProxy };
  it('names the entry that decided', () => {
    expect(goProxyForUrl('http://www.barbaz.net/', env).reason).toBe('NO_PROXY entry ".barbaz.net" matches subdomains');
    expect(goProxyForUrl('http://foobar.com/', env).reason).toBe('NO_PROXY entry "foobar.com" matches the host');
    expect(goProxyForUrl('http://10.0.0.2/', env).reason).toBe('NO_PROXY entry "10.0.0.0/30" contains 10.0.0.2');
    expect(goProxyForUrl('http://192.168.1.3/', env).reason).toBe('NO_PROXY entry "192.168.1.3:80" matches the IP address on port 80');
    expect(goProxyForUrl('http://nested.wildcard.io/', env).reason).toContain('"*.wildcard.io" matches subdomains');
  });
  it('names the special rules', () => {
    expect(goProxyForUrl('http://127.0.0.2/', env).reason).toBe('Go never proxies loopback addresses (127.0.0.2)');
    expect(goProxyForUrl('http://localhost/', env).reason).toBe('Go never proxies "localhost"');
    expect(goProxyForUrl('https://example.org/', { HTTP_PROXY: 'http://p:1/' }).reason).toMatch(/does not fall back/);
    expect(goProxyForUrl('ftp://example.org/', env).reason).toMatch(/only proxies http and https/);
  });
  it('says which variable was used and flags the apex miss of a leading dot', () => {
    const r = goProxyForUrl('http://barbaz.net/', env);
    expect(r.proxy).toBe('http://p:1/');
    expect(r.reason).toBe('no NO_PROXY entry matched; HTTP_PROXY used; note: Go reads ".barbaz.net" as subdomains only, not the name itself');
  });
  it('prefers upper-case variables and skips empty ones', () => {
    expect(goProxyForUrl('http://a/', { HTTP_PROXY: 'http://up/', http_proxy: 'http://low/' }).proxy).toBe('http://up/');
    expect(goProxyForUrl('http://a/', { HTTP_PROXY: '', http_proxy: 'http://low/' }).proxy).toBe('http://low/');
    expect(goProxyForUrl('http://a/', { HTTP_PROXY: 'http://up/', NO_PROXY: '', no_proxy: 'a' }).proxy).toBeNull();
  });
  it('matches names case-insensitively and ignores bracketed IPv6 entries without port', () => {
    expect(goProxyForUrl('http://WWW.FOOBAR.COM/', env).proxy).toBeNull();
    expect(goProxyForUrl('http://[::5]/', { HTTP_PROXY: 'http://p/', NO_PROXY: '[::5]' }).proxy).toBe('http://p/');
    expect(goProxyForUrl('http://[::5]/', { HTTP_PROXY: 'http://p/', NO_PROXY: '::5' }).proxy).toBeNull();
  });
});

// golang/net http/httpproxy/proxy.go useProxy since cde1dda9 (v0.36.0, CVE-2025-22870): netip.ParseAddr accepts a
// zone and AsSlice drops it, so zoned IPv6 literals get the loopback and IP/CIDR checks and never match names
// (upstream row "http://[1000::%25.example.com]:123" above). Before v0.36.0 net.ParseIP returned nil for them.
describe('go: IPv6 literals with a zone (x/net >= v0.36.0)', () => {
  it('a zoned loopback address is never proxied', () => {
    expect(goProxyForUrl('http://[::1%25lo]:8080/', { HTTP_PROXY: 'http://p/' })).toEqual({
      proxy: null,
      reason: 'Go never proxies loopback addresses (::1%lo)',
    });
  });
  it('a zoned address is inside a CIDR entry, and a name entry does not match its zone text', () => {
    expect(goProxyForUrl('http://[fe80::1%25eth0]/', { HTTP_PROXY: 'http://p/', NO_PROXY: 'fe80::/10' }).proxy).toBeNull();
    expect(goProxyForUrl('http://[fe80::1%25eth0.corp]/', { HTTP_PROXY: 'http://p/', NO_PROXY: 'corp' }).proxy).toBe('http://p/');
  });
});
