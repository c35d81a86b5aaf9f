/**
 * Python requests model against cases transcribed from psf/requests tests/test_utils.py (read at commit 1f6589ec):
 * TestGetEnvironProxies (autouse fixture sets no_proxy or NO_PROXY: every case runs under both),
 * test_should_bypass_proxies, test_should_bypass_proxies_no_proxy, test_should_bypass_proxies_no_proxy_domain_boundary,
 * and the test_select_proxies rows that an environment can express.
 *
 * A `no_proxy=` argument is written as the environment variable `no_proxy` (requests puts the argument there with
 * set_environ while it consults urllib, and prefers it over the environment otherwise); "not bypassed"
 * (get_environ_proxies(...) != {}) is checked as "the http_proxy is used".
 *
 * Behaviour of requests 2.34.0 and later (a4f9a599, #7427, bpo-39057: domain-boundary matching; up to 2.33 a raw
 * endswith let "corp.example" match "evilcorp.example").
 *
 * Counts: TestGetEnvironProxies 32 (test_bypass 10, test_not_bypass 6, test_bypass_no_proxy_keyword 6,
 * test_not_bypass_no_proxy_keyword 10), test_should_bypass_proxies 10, test_should_bypass_proxies_no_proxy 8,
 * domain_boundary 9, test_select_proxies 8 of 15: 67 transcribed, 67 passing.
 * Skipped: test_select_proxies 7 rows (per-host keys like "http://some.host" or "all://some.host", and URLs without
 * a host: a proxies dict can hold them, the environment cannot); test_should_bypass_proxies_pass_only_hostname
 * 8 rows (asserts a mocked internal call); test_should_bypass_proxies_win_registry 10 rows, _bad_values 1,
 * _ProxyOverride_value 1 (Windows registry).
 */
import { describe, expect, it } from 'vitest';
import { requestsProxyForUrl, requestsShouldBypassProxies } from './python-requests';
import type { EnvMap } from './types';

const FIXTURE = '192.168.0.0/24,127.0.0.1,localhost.localdomain,172.16.1.1';
const PROXY = 'http://proxy.example.com:3128/';

interface Row {
  from: string;
  env: EnvMap;
  url: string;
  bypass: boolean;
}

const both = (from: string, urls: string[], bypass: boolean, keyword?: string): Row[] =>
  (['no_proxy', 'NO_PROXY'] as const).flatMap((fixtureVar) =>
    urls.map((url) => ({
      from: `${from} [${fixtureVar}]`,
      env: { [fixtureVar]: FIXTURE, ...(keyword !== undefined ? { no_proxy: keyword } : {}), http_proxy: PROXY },
      url,
      bypass,
    })),
  );

const T = 'test_utils.py TestGetEnvironProxies';
const bypassUrls = [
  'http://192.168.0.1:5000/',
  'http://192.168.0.1/',
  'http://172.16.1.1/',
  'http://172.16.1.1:5000/',
  'http://localhost.localdomain:5000/v1.0/',
];
const notBypassUrls = ['http://192.168.1.1:5000/', 'http://192.168.1.1/', 'http://www.requests.com/'];
const environProxies: Row[] = [
  ...both(`${T}.test_bypass`, bypassUrls, true),
  ...both(`${T}.test_not_bypass`, notBypassUrls, false),
  ...both(`${T}.test_bypass_no_proxy_keyword`, notBypassUrls, true, '192.168.1.1,requests.com'),
  ...both(`${T}.test_not_bypass_no_proxy_keyword`, bypassUrls, false, '192.168.1.1,requests.com'),
];

const S = 'test_utils.py test_should_bypass_proxies';
const sbpEnv = {
  no_proxy: '192.168.0.0/24,127.0.0.1,localhost.localdomain,172.16.1.1, google.com:6000',
  NO_PROXY: '192.168.0.0/24,127.0.0.1,localhost.localdomain,172.16.1.1, google.com:6000',
};
const shouldBypass: Row[] = (
  [
    ['http://192.168.0.1:5000/', true],
    ['http://192.168.0.1/', true],
    ['http://172.16.1.1/', true],
    ['http://172.16.1.1:5000/', true],
    ['http://localhost.localdomain:5000/v1.0/', true],
    ['http://google.com:6000/', true],
    ['http://172.16.1.12/', false],
    ['http://172.16.1.12:5000/', false],
    ['http://google.com:5000/v1.0/', false],
    ['file:///some/path/on/disk', true],
  ] as const
).map(([url, bypass]) => ({ from: S, env: sbpEnv, url, bypass }));

const SN = 'test_utils.py test_should_bypass_proxies_no_proxy';
const shouldBypassNoProxy: Row[] = (
  [
    ['http://192.168.0.1:5000/', true],
    ['http://192.168.0.1/', true],
    ['http://172.16.1.1/', true],
    ['http://172.16.1.1:5000/', true],
    ['http://localhost.localdomain:5000/v1.0/', true],
    ['http://172.16.1.12/', false],
    ['http://172.16.1.12:5000/', false],
    ['http://google.com:5000/v1.0/', false],
  ] as const
).map(([url, bypass]) => ({ from: SN, env: { no_proxy: FIXTURE }, url, bypass }));

const SD = 'test_utils.py test_should_bypass_proxies_no_proxy_domain_boundary';
const boundary: Row[] = (
  [
    ['http://localhost/', true],
    ['http://anotherdomain.com:8888/', true],
    ['http://newdomain.com:1234/', true],
    ['http://www.newdomain.com:1234/', true],
    ['http://foo.d.o.t/', true],
    ['http://d.o.t/', true],
    ['http://prelocalhost/', false],
    ['http://newdomain.com/', false],
    ['http://newdomain.com:1235/', false],
  ] as const
).map(([url, bypass]) => ({
  from: SD,
  env: { no_proxy: 'localhost, anotherdomain.com, newdomain.com:1234, .d.o.t' },
  url,
  bypass,
}));

// test_select_proxies rows whose proxies dict has only scheme keys ("http", "all"): as environment variables.
const SP = 'test_utils.py test_select_proxies';
const httpOnly: EnvMap = { http_proxy: 'http://http.proxy' };
const allOnly: EnvMap = { all_proxy: 'socks5://http.proxy' };
const mixed: EnvMap = { http_proxy: 'http://http.proxy', all_proxy: 'socks5://http.proxy' };
const selectRows: { from: string; env: EnvMap; url: string; want: string | null }[] = [
  { from: `${SP} http_proxies`, env: httpOnly, url: 'hTTp://u:p@Other.Host/path', want: 'http://http.proxy' },
  { from: `${SP} http_proxies`, env: httpOnly, url: 'hTTps://Other.Host', want: null },
  { from: `${SP} http_proxies`, env: httpOnly, url: 'file:///etc/motd', want: null },
  { from: `${SP} all_proxies`, env: allOnly, url: 'hTTp://u:p@Other.Host/path', want: 'socks5://http.proxy' },
  { from: `${SP} all_proxies`, env: allOnly, url: 'hTTps://Other.Host', want: 'socks5://http.proxy' },
  { from: `${SP} mixed_proxies`, env: mixed, url: 'http://u:p@other.host/path', want: 'http://http.proxy' },
  { from: `${SP} mixed_proxies`, env: mixed, url: 'https://u:p@other.host/path', want: 'socks5://http.proxy' },
  { from: `${SP} mixed_proxies`, env: mixed, url: 'https://u:p@some.host/path', want: 'socks5://http.proxy' },
];

describe('python-requests upstream cases', () => {
  it('has every transcribed row', () => {
    expect(environProxies).toHaveLength(32);
    expect(environProxies.length + shouldBypass.length + shouldBypassNoProxy.length + boundary.length + selectRows.length).toBe(67);
  });
  it.each(environProxies.map((r) => [r.from, r.url, r] as const))('%s %s', (_f, _u, row) => {
    expect(requestsProxyForUrl(row.url, row.env).proxy).toBe(row.bypass ? null : PROXY);
  });
  it.each([...shouldBypass, ...shouldBypassNoProxy, ...boundary].map((r) => [r.from, r.url, r] as const))(
    '%s %s',
    (_f, _u, row) => {
      expect(requestsShouldBypassProxies(row.url, row.env).bypass).toBe(row.bypass);
    },
  );
  it.each(selectRows)('$from $url', ({ env, url, want }) => {
    expect(requestsProxyForUrl(url, env).proxy).toBe(want);
  });
});

describe('python-requests behaviour', () => {
  const env = { http_proxy: 'http://p:3128/', https_proxy: 'http://p:3128/', no_proxy: '.corp.example,10.0.0.0/8,*.svc.example,fd00::/8,*' };
  it('supports IPv4 CIDRs and names the entry', () => {
    expect(requestsProxyForUrl('http://10.9.8.7/', env)).toEqual({ proxy: null, reason: 'no_proxy entry "10.0.0.0/8" contains 10.9.8.7' });
  });
  it('ignores IPv6 CIDRs, wildcards and a "*" that is not the whole value', () => {
    const v6 = requestsProxyForUrl('http://[fd00::1]/', env);
    expect(v6.proxy).toBe('http://p:3128/');
    expect(v6.reason).toContain('requests has IPv4 CIDRs only');
    expect(requestsProxyForUrl('https://a.svc.example/', env).reason).toContain('requests has no wildcards');
    expect(requestsProxyForUrl('https://a.svc.example/', env).reason).toContain('only as the whole no_proxy value');
  });
  it('bypasses everything for a whole-value "*" through urllib', () => {
    expect(requestsProxyForUrl('https://x/', { https_proxy: 'http://p/', no_proxy: '*' }).reason).toMatch(/"\*".*urllib's proxy_bypass/);
  });
  it('does not use http_proxy for https and has no adapter for other schemes', () => {
    expect(requestsProxyForUrl('https://x/', { http_proxy: 'http://p/' }).reason).toMatch(/does not fall back/);
    expect(requestsProxyForUrl('ftp://x/', { ftp_proxy: 'http://p/' }).reason).toMatch(/no connection adapter/);
  });
  it('prepends http:// to a bare proxy and IDNA-encodes hosts', () => {
    expect(requestsProxyForUrl('http://x/', { http_proxy: 'p:3128' }).proxy).toBe('http://p:3128');
    expect(requestsProxyForUrl('http://www.示例.com/', { http_proxy: 'http://p/', no_proxy: 'xn--fsq092h.com' }).proxy).toBeNull();
  });
});
