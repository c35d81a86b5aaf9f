/**
 * Python urllib model against cases transcribed from CPython Lib/test/test_urllib.py (ProxyTests,
 * ProxyTests_withOrderedEnv) and Lib/test/test_urllib2.py (MockHandlerTests test_proxy, test_proxy_no_proxy,
 * test_proxy_no_proxy_all, test_proxy_https). proxy_bypass_environment(host) cases call the same function here on
 * the same host strings; ProxyHandler(dict(...)) cases are written as the equivalent environment.
 *
 * Counts: test_urllib.py 37 rows (keep_no_proxies 4, cgi_ignore 2, host_match 14, always_match 5, newline 3,
 * prefer_lowercase 9); test_urllib2.py 6 rows (test_proxy 2, no_proxy 2, no_proxy_all 1, https 1). 43 transcribed,
 * 43 passing. Skipped: test_urllib2.py test_winreg_proxy_bypass (12 assertions, Windows registry ProxyOverride)
 * and test_osx_proxy_bypass (13 assertions, macOS SystemConfiguration): platform settings, not the environment.
 */
import { describe, expect, it } from 'vitest';
import { urllibGetproxiesEnvironment, urllibProxyBypassEnvironment, urllibProxyForUrl } from './python-urllib';
import type { EnvMap } from './types';

type BypassRow = { from: string; env: EnvMap; host: string; bypass: boolean };

const keep: EnvMap = { NO_PROXY: 'localhost, anotherdomain.com, newdomain.com:1234' };
const hostMatch: EnvMap = { NO_PROXY: 'localhost, anotherdomain.com, newdomain.com:1234, .d.o.t' };
const K = 'test_urllib.py ProxyTests.test_getproxies_environment_keep_no_proxies';
const H = 'test_urllib.py ProxyTests.test_proxy_bypass_environment_host_match';
const A = 'test_urllib.py ProxyTests.test_proxy_bypass_environment_always_match';
const N = 'test_urllib.py ProxyTests.test_proxy_bypass_environment_newline';
const L = 'test_urllib.py ProxyTests_withOrderedEnv.test_getproxies_environment_prefer_lowercase';

// Environments of the ordered-env test, step by step (insertion order matters; updates keep their place).
const ordered1: EnvMap = { no_proxy: '', No_Proxy: 'localhost' };
const ordered2: EnvMap = { ...ordered1, http_proxy: '', HTTP_PROXY: 'http://somewhere:3128' };
const ordered3: EnvMap = { ...ordered2, no_proxy: 'localhost, noproxy.com, my.proxy:1234', No_Proxy: 'xyz.com' };
const ordered4: EnvMap = { ...ordered3, http_proxy: 'http://somewhere:3128', Http_Proxy: 'http://somewhereelse:3128' };

const bypassRows: BypassRow[] = [
  { from: K, env: keep, host: 'anotherdomain.com', bypass: true },
  { from: K, env: keep, host: 'anotherdomain.com:8888', bypass: true },
  { from: K, env: keep, host: 'newdomain.com:1234', bypass: true },
  { from: H, env: hostMatch, host: 'localhost', bypass: true },
  { from: H, env: hostMatch, host: 'LocalHost', bypass: true },
  { from: H, env: hostMatch, host: 'LOCALHOST', bypass: true },
  { from: H, env: hostMatch, host: '.localhost', bypass: true },
  { from: H, env: hostMatch, host: 'newdomain.com:1234', bypass: true },
  { from: H, env: hostMatch, host: '.newdomain.com:1234', bypass: true },
  { from: H, env: hostMatch, host: 'foo.d.o.t', bypass: true },
  { from: H, env: hostMatch, host: 'd.o.t', bypass: true },
  { from: H, env: hostMatch, host: 'anotherdomain.com:8888', bypass: true },
  { from: H, env: hostMatch, host: '.anotherdomain.com:8888', bypass: true },
  { from: H, env: hostMatch, host: 'www.newdomain.com:1234', bypass: true },
  { from: H, env: hostMatch, host: 'prelocalhost', bypass: false },
  { from: H, env: hostMatch, host: 'newdomain.com', bypass: false },
  { from: H, env: hostMatch, host: 'newdomain.com:1235', bypass: false },
  { from: A, env: { NO_PROXY: '*' }, host: 'newdomain.com', bypass: true },
  { from: A, env: { NO_PROXY: '*' }, host: 'newdomain.com:1234', bypass: true },
  { from: A, env: { NO_PROXY: '*, anotherdomain.com' }, host: 'anotherdomain.com', bypass: true },
  { from: A, env: { NO_PROXY: '*, anotherdomain.com' }, host: 'newdomain.com', bypass: false },
  { from: A, env: { NO_PROXY: '*, anotherdomain.com' }, host: 'newdomain.com:1234', bypass: false },
  { from: N, env: keep, host: 'localhost\n', bypass: false },
  { from: N, env: keep, host: 'anotherdomain.com:8888\n', bypass: false },
  { from: N, env: keep, host: 'newdomain.com:1234\n', bypass: false },
  { from: L, env: ordered1, host: 'localhost', bypass: false },
  { from: L, env: ordered1, host: 'arbitrary', bypass: false },
  { from: L, env: ordered3, host: 'localhost', bypass: true },
  { from: L, env: ordered3, host: 'noproxy.com:5678', bypass: true },
  { from: L, env: ordered3, host: 'my.proxy:1234', bypass: true },
  { from: L, env: ordered3, host: 'my.proxy', bypass: false },
  { from: L, env: ordered3, host: 'arbitrary', bypass: false },
];

const proxiesOf = (env: EnvMap) => Object.fromEntries([...urllibGetproxiesEnvironment(env)].map(([k, v]) => [k, v.value]));

type ProxiesRow = { from: string; env: EnvMap; check: (p: Record<string, string>) => void };
const proxiesRows: ProxiesRow[] = [
  { from: K, env: { NO_PROXY: 'localhost' }, check: (p) => expect(p['no']).toBe('localhost') },
  {
    from: 'test_urllib.py ProxyTests.test_proxy_cgi_ignore',
    env: { HTTP_PROXY: 'http://somewhere:3128' },
    check: (p) => expect(p['http']).toBe('http://somewhere:3128'),
  },
  {
    from: 'test_urllib.py ProxyTests.test_proxy_cgi_ignore',
    env: { HTTP_PROXY: 'http://somewhere:3128', REQUEST_METHOD: 'GET' },
    check: (p) => expect(p).not.toHaveProperty('http'),
  },
  { from: L, env: ordered2, check: (p) => expect(p).toEqual({}) },
  { from: L, env: ordered4, check: (p) => expect(p['http']).toBe('http://somewhere:3128') },
];

// test_urllib2.py MockHandlerTests: ProxyHandler(dict(...)) and os.environ['no_proxy'], as an environment.
const U2 = 'test_urllib2.py MockHandlerTests';
const urlRows: { from: string; env: EnvMap; url: string; want: string | null }[] = [
  { from: `${U2}.test_proxy dict(http=u)`, env: { http_proxy: 'proxy.example.com:3128' }, url: 'http://acme.example.com/', want: 'http://proxy.example.com:3128' },
  { from: `${U2}.test_proxy dict(HTTP=u)`, env: { HTTP_PROXY: 'proxy.example.com:3128' }, url: 'http://acme.example.com/', want: 'http://proxy.example.com:3128' },
  { from: `${U2}.test_proxy_no_proxy`, env: { no_proxy: 'python.org', http_proxy: 'proxy.example.com' }, url: 'http://www.perl.org/', want: 'http://proxy.example.com' },
  { from: `${U2}.test_proxy_no_proxy`, env: { no_proxy: 'python.org', http_proxy: 'proxy.example.com' }, url: 'http://www.python.org', want: null },
  { from: `${U2}.test_proxy_no_proxy_all`, env: { no_proxy: '*', http_proxy: 'proxy.example.com' }, url: 'http://www.python.org', want: null },
  { from: `${U2}.test_proxy_https`, env: { https_proxy: 'proxy.example.com:3128' }, url: 'https://www.example.com/', want: 'http://proxy.example.com:3128' },
];

describe('python-urllib upstream cases', () => {
  it('has every transcribed row', () => {
    expect(bypassRows.length + proxiesRows.length).toBe(37);
    expect(urlRows).toHaveLength(6);
  });
  it.each(bypassRows.map((r) => [r.from, JSON.stringify(r.host), r] as const))('%s: bypass(%s)', (_f, _h, row) => {
    expect(urllibProxyBypassEnvironment(row.host, row.env)).toBe(row.bypass);
  });
  it.each(proxiesRows.map((r, i) => [r.from, i, r] as const))('%s #%i: getproxies_environment', (_f, _i, row) => {
    row.check(proxiesOf(row.env));
  });
  it.each(urlRows)('$from $url', ({ env, url, want }) => {
    expect(urllibProxyForUrl(url, env).proxy).toBe(want);
  });
});

describe('python-urllib behaviour', () => {
  const env = { http_proxy: 'http://p:3128/', no_proxy: '.corp.example, 10.0.0.0/8, *.svc.example, registry.corp:443, ::1' };
  it('does not fall back to http_proxy for https and ignores all_proxy', () => {
    expect(urllibProxyForUrl('https://e/', env).reason).toMatch(/does not fall back/);
    expect(urllibProxyForUrl('http://e/', { all_proxy: 'http://p/' }).proxy).toBeNull();
  });
  it('names the matching entry', () => {
    expect(urllibProxyForUrl('http://corp.example/', env)).toEqual({
      proxy: null,
      reason: 'no_proxy entry ".corp.example" matches the host (the leading dot is ignored)',
    });
    expect(urllibProxyForUrl('http://a.corp.example/', env).reason).toBe('no_proxy entry ".corp.example" matches subdomains');
  });
  it('explains entries it ignores', () => {
    const cidr = urllibProxyForUrl('http://10.1.2.3/', env);
    expect(cidr.proxy).toBe('http://p:3128/');
    expect(cidr.reason).toBe('no no_proxy entry matched; http_proxy used; note: urllib has no CIDR support: "10.0.0.0/8" never matches');
    expect(urllibProxyForUrl('http://a.svc.example/', env).reason).toContain('urllib has no wildcards');
    expect(urllibProxyForUrl('http://[::1]/', env).reason).toContain('"[::1]" would');
  });
  it('matches host:port entries only with the port in the URL', () => {
    const https = { ...env, https_proxy: 'http://p:3128/' };
    expect(urllibProxyForUrl('https://registry.corp/', https).reason).toContain('only when the URL spells out port 443');
    expect(urllibProxyForUrl('https://registry.corp:443/', https).proxy).toBeNull();
  });
});

// CPython Lib/urllib/request.py: Request._parse keeps the user info in Request.host (_splithost returns the whole
// netloc) and ProxyHandler.proxy_open calls proxy_bypass(req.host) with it.
describe('python-urllib: user info stays in the host proxy_bypass sees', () => {
  const env = { http_proxy: 'http://p:3128/', https_proxy: 'http://p:3128/', no_proxy: 'beta.example, .corp.example' };
  it('does not bypass an entry equal to the host when the URL has user info', () => {
    const r = urllibProxyForUrl('https://user:pw@beta.example/', env);
    expect(r.proxy).toBe('http://p:3128/');
    expect(r.reason).toContain('"<user info>@beta.example", so "beta.example" does not match');
    expect(r.reason).not.toContain('pw');
    expect(urllibProxyForUrl('https://beta.example/', env).proxy).toBeNull();
  });
  it('still bypasses a subdomain entry (the suffix test passes with user info in front)', () => {
    expect(urllibProxyForUrl('http://user:pw@a.beta.example/', env).proxy).toBeNull();
    expect(urllibProxyForUrl('http://u@x.corp.example:8080/', env).proxy).toBeNull();
  });
  it('proxy_bypass_environment itself: "user:pw@beta.example" is not bypassed', () => {
    expect(urllibProxyBypassEnvironment('user:pw@beta.example', env)).toBe(false);
  });
});

// CPython Lib/urllib/request.py: build_opener has handlers for http, https, ftp, file and data only; any other
// scheme ends in UnknownHandler.unknown_open (URLError "unknown url type"), unless ProxyHandler has <scheme>_open.
describe('python-urllib: schemes without a handler', () => {
  const env = { http_proxy: 'http://p:3128/', https_proxy: 'http://p:3128/', no_proxy: 'corp.example' };
  it('ws:// and wss:// make no request', () => {
    for (const url of ['ws://a.example/', 'wss://a.example:8443/x']) {
      const r = urllibProxyForUrl(url, env);
      expect(r.proxy).toBeNull();
      expect(r.reason).toMatch(/^urllib has no handler for wss?:\/\/ URLs .*unknown url type: wss?'\), no request is made$/);
      expect(r.reason).not.toContain('direct');
    }
  });
  it('with ws_proxy set, ProxyHandler opens ws:// through it unless no_proxy bypasses (then no request)', () => {
    const ws = { ...env, ws_proxy: 'http://p:3128/' };
    expect(urllibProxyForUrl('ws://a.example/', ws).proxy).toBe('http://p:3128/');
    const bypassed = urllibProxyForUrl('ws://corp.example/', ws);
    expect(bypassed.proxy).toBeNull();
    expect(bypassed.reason).toContain('no request is made');
  });
});
