/**
 * curl model against cases transcribed from curl/curl tests/unit/unit1614.c (list4, list6, list: cidr4_match,
 * cidr6_match, proxy_check_noproxy) and the environment tests tests/data/test1101, test1251, test1265
 * (HOSTIP = 127.0.0.1, HOST6IP = [::1]); read at commit 5c61e168.
 *
 * CIDR entries in NO_PROXY need curl 7.86.0 or later (CURLOPT_NOPROXY: "Since 7.86.0 ... CIDR notation").
 *
 * Counts: list4 12, list6 5, list 78, test data 3: 98 transcribed, 98 passing, 0 skipped.
 * Not transcribed: test1212/1248-1257 exercise --proxy/--noproxy command-line options, not the environment.
 */
import { describe, expect, it } from 'vitest';
import { curlCheckNoProxy, curlCidr4Match, curlCidr6Match, curlProxyForUrl } from './curl';

// unit1614.c: struct check list4[]
const list4: [a: string, n: string, bits: number, match: boolean][] = [
  ['192.160.0.1', '192.160.0.1', 33, false],
  ['192.160.0.1', '192.160.0.1', 32, true],
  ['192.160.0.1', '192.160.0.1', 0, true],
  ['192.160.0.1', '192.160.0.1', 24, true],
  ['192.160.0.1', '192.160.0.1', 26, true],
  ['192.160.0.1', '192.160.0.1', 20, true],
  ['192.160.0.1', '192.160.0.1', 18, true],
  ['192.160.0.1', '192.160.0.1', 12, true],
  ['192.160.0.1', '192.160.0.1', 8, true],
  ['192.160.0.1', '10.0.0.1', 8, false],
  ['192.160.0.1', '10.0.0.1', 32, false],
  ['192.160.0.1', '10.0.0.1', 0, false],
];

// unit1614.c: struct check list6[]
const list6: [a: string, n: string, bits: number, match: boolean][] = [
  ['::1', '::1', 0, true],
  ['::1', '::1', 128, true],
  ['::1', '0:0::1', 128, true],
  ['::1', '0:0::1', 129, false],
  ['fe80::ab47:4396:55c9:8474', 'fe80::ab47:4396:55c9:8474', 64, true],
];

const addr128 =
  'localhost,127.0.0.1.127.0.0.1.127.0.0.1.127.0.0.1.' +
  '127.0.0.1.127.0.0.1.127.0.0.1.127.0.0.1.127.0.0.1.127.0.0.1.127.' +
  '0.0.1.127.0.0.1.127.0.0.';
const addr127 =
  'localhost,127.0.0.1.127.0.0.1.127.0.0.1.127.0.0.1.' +
  '127.0.0.1.127.0.0.1.127.0.0.1.127.0.0.1.127.0.0.1.127.0.0.1.127.' +
  '0.0.1.127.0.0.1.127.0.0';

// unit1614.c: struct noproxy list[] (proxy_check_noproxy)
const list: [a: string, n: string, match: boolean][] = [
  ['www.example.com', 'localhost .example.com .example.de', false],
  ['www.example.com', 'localhost,.example.com,.example.de', true],
  ['www.example.com.', 'localhost,.example.com,.example.de', true],
  ['example.com', 'localhost,.example.com,.example.de', true],
  ['example.com.', 'localhost,.example.com,.example.de', true],
  ['www.example.com', 'localhost,.example.com.,.example.de', true],
  ['www.example.com', 'localhost,www.example.com.,.example.de', true],
  ['example.com', 'localhost,example.com,.example.de', true],
  ['example.com.', 'localhost,example.com,.example.de', true],
  ['nexample.com', 'localhost,example.com,.example.de', false],
  ['www.example.com', 'localhost,example.com,.example.de', true],
  ['127.0.0.1', '127.0.0.1,localhost', true],
  ['127.0.0.1', '127.0.0.1,localhost,', true],
  ['127.0.0.1', '127.0.0.1/8,localhost,', true],
  ['127.0.0.1', '127.0.0.1/28,localhost,', true],
  ['127.0.0.1', '127.0.0.1/31,localhost,', true],
  ['127.0.0.1', 'localhost,127.0.0.1', true],
  ['127.0.0.1', addr128, false],
  ['127.0.0.1', addr127, false],
  ['localhost', 'localhost,127.0.0.1', true],
  ['localhost', '127.0.0.1,localhost', true],
  ['foobar', 'barfoo', false],
  ['foobar', 'foobar', true],
  ['192.168.0.1', 'foobar', false],
  ['192.168.0.1', '192.168.0.0/16', true],
  ['192.168.0.1', '192.168.0.0/16a', false],
  ['192.168.0.1', '192.168.0.0/16 ', true],
  ['192.168.0.1', '192.168.0.0/a16', false],
  ['192.168.0.1', '192.168.0.0/ 16', false],
  ['192.168.0.1', '192.168.0.0/24', true],
  ['192.168.0.1', '192.168.0.0/32', false],
  ['192.168.0.1', '192.168.0.1/32', true],
  ['192.168.0.1', '192.168.0.1/33', false],
  ['192.168.0.1', '192.168.0.0', false],
  ['192.168.1.1', '192.168.0.0/24', false],
  ['192.168.1.1', '192.168.0.0/33', false],
  ['192.168.1.1', 'foo, bar, 192.168.0.0/24', false],
  ['192.168.1.1', 'foo, bar, 192.168.0.0/16', true],
  ['::1', 'foo, bar, 192.168.0.0/16', false],
  ['::1', 'foo, bar, ::1/64', true],
  ['::1', '::1/64', true],
  ['::1', '::1/96', true],
  ['::1', '::1/129', false],
  ['::1', '::1/128', true],
  ['::1', '::1/127', true],
  ['::1', '::1/a127', false],
  ['::1', '::1/127a', false],
  ['::1', '::1/ 127', false],
  ['::1', '::1/127 ', true],
  ['::1', '::1/126', true],
  ['::1', '::1/125', true],
  ['::1', '::1/124', true],
  ['::1', '::1/123', true],
  ['::1', '::1/122', true],
  ['2001:db8:8000::1', '2001:db8::/65', false],
  ['2001:db8:8000::1', '2001:db8::/66', false],
  ['2001:db8:8000::1', '2001:db8::/67', false],
  ['2001:db8:8000::1', '2001:db8::/68', false],
  ['2001:db8:8000::1', '2001:db8::/69', false],
  ['2001:db8:8000::1', '2001:db8::/70', false],
  ['2001:db8:8000::1', '2001:db8::/71', false],
  ['2001:db8:8000::1', '2001:db8::/72', false],
  ['2001:db8::1', '2001:db8::/65', true],
  ['2001:db8::1', '2001:db8::/66', true],
  ['2001:db8::1', '2001:db8::/67', true],
  ['2001:db8::1', '2001:db8::/68', true],
  ['2001:db8::1', '2001:db8::/69', true],
  ['2001:db8::1', '2001:db8::/70', true],
  ['2001:db8::1', '2001:db8::/71', true],
  ['2001:db8::1', '2001:db8::/72', true],
  ['::1', '::1/129', false],
  ['bar', 'foo, bar, ::1/64', true],
  ['BAr', 'foo, bar, ::1/64', true],
  ['BAr', 'foo,,,,,              bar, ::1/64', true],
  ['www.example.com', 'foo, .example.com', true],
  ['www.example.com', 'www2.example.com, .example.net', false],
  ['example.com', '.example.com, .example.net', true],
  ['nonexample.com', '.example.com, .example.net', false],
];

// tests/data: environment-driven transfers (the proxy listens nowhere; the expected request is the direct one).
const testData: { from: string; env: Record<string, string>; url: string; want: string | null }[] = [
  {
    from: 'test1101 NO_PROXY test, with username in URL',
    env: { no_proxy: '127.0.0.1', http_proxy: 'http://non-existing-host.haxx.se:3128/' },
    url: 'http://user:secret@127.0.0.1:8990/gimme/1101',
    want: null,
  },
  {
    from: 'test1251 Non-proxied host plus http_proxy env var and NO_PROXY env var',
    env: { http_proxy: 'http://dummy:8991/', NO_PROXY: '127.0.0.1' },
    url: 'http://user:secret@127.0.0.1:8990/1251',
    want: null,
  },
  {
    from: 'test1265 NO_PROXY with IPv6 numerical address',
    env: { http_proxy: 'http://127.0.0.1:8990', NO_PROXY: '::1' },
    url: 'http://[::1]:8992/1265',
    want: null,
  },
];

describe('curl upstream cases (unit1614.c, tests/data)', () => {
  it('has every transcribed row', () => {
    expect(list4.length + list6.length + list.length + testData.length).toBe(98);
  });
  it.each(list4)('list4: cidr4_match(%s, %s, %i) = %s', (a, n, bits, match) => {
    expect(curlCidr4Match(a, n, bits)).toBe(match);
  });
  it.each(list6)('list6: cidr6_match(%s, %s, %i) = %s', (a, n, bits, match) => {
    expect(curlCidr6Match(a, n, bits)).toBe(match);
  });
  it.each(list)('list: proxy_check_noproxy(%j, %j) = %s', (a, n, match) => {
    expect(curlCheckNoProxy(a, n).match).toBe(match);
  });
  it.each(testData)('$from', ({ env, url, want }) => {
    expect(curlProxyForUrl(url, env).proxy).toBe(want);
  });
});

describe('curl environment reading (lib/proxy.c proxy_detect_proxy, proxy_do_not_proxy)', () => {
  it('ignores upper-case HTTP_PROXY', () => {
    const r = curlProxyForUrl('http://example.com/', { HTTP_PROXY: 'http://p:3128/' });
    expect(r.proxy).toBeNull();
    expect(r.reason).toMatch(/ignores upper-case HTTP_PROXY/);
  });
  it('reads https_proxy then HTTPS_PROXY, and never http_proxy for https', () => {
    expect(curlProxyForUrl('https://e/', { https_proxy: 'http://low/', HTTPS_PROXY: 'http://up/' }).proxy).toBe('http://low/');
    expect(curlProxyForUrl('https://e/', { HTTPS_PROXY: 'http://up/' }).proxy).toBe('http://up/');
    expect(curlProxyForUrl('https://e/', { http_proxy: 'http://p/' }).proxy).toBeNull();
  });
  it('falls back to all_proxy and guesses http:// for a bare proxy', () => {
    expect(curlProxyForUrl('https://e/', { ALL_PROXY: 'p:3128' }).proxy).toBe('http://p:3128');
    expect(curlProxyForUrl('ftp://e/', { ftp_proxy: 'http://f/' }).proxy).toBe('http://f/');
  });
  it('treats empty no_proxy as unset and reads NO_PROXY', () => {
    expect(curlProxyForUrl('http://e/', { http_proxy: 'http://p/', no_proxy: '', NO_PROXY: 'e' }).proxy).toBeNull();
  });
  it('never proxies file:// and refuses unknown schemes', () => {
    expect(curlProxyForUrl('file:///etc/hosts', { all_proxy: 'http://p/' }).reason).toMatch(/never uses a proxy for file/);
    expect(curlProxyForUrl('foo://x/', { all_proxy: 'http://p/' }).reason).toMatch(/does not support/);
  });
  it('bypasses for "*" only as the whole value, and says why entries did not match', () => {
    expect(curlProxyForUrl('http://e/', { http_proxy: 'http://p/', no_proxy: '*' }).reason).toBe('no_proxy is "*": curl bypasses the proxy for every host');
    const r = curlProxyForUrl('http://a.corp.example/', { http_proxy: 'http://p/', no_proxy: '*, *.corp.example' });
    expect(r.proxy).toBe('http://p/');
    expect(r.reason).toContain('curl has no wildcards: "*.corp.example" never matches');
    expect(r.reason).toContain('"*" means "all hosts" to curl only when it is the whole no_proxy value');
  });
  it('notes a blank-separated list', () => {
    const r = curlProxyForUrl('http://www.example.de/', { http_proxy: 'http://p/', no_proxy: 'localhost .example.de' });
    expect(r.proxy).toBe('http://p/');
    expect(r.reason).toContain('curl never reads ".example.de"');
  });
  it('normalizes numeric IPv4 hosts like its URL parser', () => {
    expect(curlProxyForUrl('http://10.1/', { http_proxy: 'http://p/', no_proxy: '10.0.0.0/8' }).proxy).toBeNull();
  });
});
