/**
 * Node undici model against cases transcribed from nodejs/undici test/env-http-proxy-agent.js (read at commit
 * 7eb7c8ec). Agent checks are written as outcomes: kHttpProxyAgent → the http_proxy URL, kHttpsProxyAgent → the
 * https_proxy URL, kNoProxyAgent (doesNotProxy) → null. The no_proxy tests run with
 * http_proxy=http://localhost:8080 and https_proxy=http://localhost:8443 like createEnvHttpProxyAgentWithMocks.
 *
 * Behaviour of undici 7.22.0 and later (4658cdf5, #4676: a plain entry also covers subdomains, a leading "." or
 * "*." is stripped; before, plain entries matched exactly); bare IPv6 entries ("::1") match from 8.10.0 (dfe00a94).
 *
 * Counts: constructor tests 14 rows (7 tests), 'uses the appropriate proxy for the protocol' 2, describe('no_proxy')
 * 109 rows (21 tests): 125 transcribed, 125 passing.
 * Skipped: 'accepts httpProxy and httpsProxy options' and 'prefers options over env vars' (4 assertions),
 * no_proxy 'as an option' (9) and 'ignores env var changes when set via config' (4): constructor options, not the
 * environment; 'closes all agents' and 'destroys all agents' (6): agent lifecycle; 'defaults to non-tunneled HTTP
 * proxying for HTTP endpoints - #5093' (3): a live proxy server (tunnelling mode, not routing).
 */
import { describe, expect, it } from 'vitest';
import { undiciProxyForUrl } from './node-undici';
import type { EnvMap } from './types';

interface Row {
  from: string;
  env: EnvMap;
  url: string;
  want: string | null;
}

const ctor: Row[] = [
  { from: 'does not create any proxy agents if http_proxy and https_proxy are not set', env: {}, url: 'http://example.com/', want: null },
  { from: 'does not create any proxy agents if http_proxy and https_proxy are not set', env: {}, url: 'https://example.com/', want: null },
  { from: 'creates one proxy agent for both http and https when only http_proxy is defined', env: { http_proxy: 'http://example.com:8080' }, url: 'http://a/', want: 'http://example.com:8080/' },
  { from: 'creates one proxy agent for both http and https when only http_proxy is defined', env: { http_proxy: 'http://example.com:8080' }, url: 'https://a/', want: 'http://example.com:8080/' },
  ...(['http', 'https'] as const).map((s) => ({
    from: 'creates separate proxy agent for http and https when http_proxy and https_proxy are set',
    env: { http_proxy: 'http://example.com:8080', https_proxy: 'http://example.com:8443' },
    url: `${s}://a/`,
    want: s === 'http' ? 'http://example.com:8080/' : 'http://example.com:8443/',
  })),
  ...(['http', 'https'] as const).map((s) => ({
    from: 'handles uppercase HTTP_PROXY and HTTPS_PROXY',
    env: { HTTP_PROXY: 'http://example.com:8080', HTTPS_PROXY: 'http://example.com:8443' },
    url: `${s}://a/`,
    want: s === 'http' ? 'http://example.com:8080/' : 'http://example.com:8443/',
  })),
  ...(['http', 'https'] as const).map((s) => ({
    from: 'prefers lowercase over uppercase env vars',
    env: {
      HTTP_PROXY: 'http://upper.example.com:8080',
      HTTPS_PROXY: 'http://upper.example.com:8443',
      http_proxy: 'http://lower.example.com:8080',
      https_proxy: 'http://lower.example.com:8443',
    },
    url: `${s}://a/`,
    want: s === 'http' ? 'http://lower.example.com:8080/' : 'http://lower.example.com:8443/',
  })),
  ...(['http', 'https'] as const).map((s) => ({
    from: 'prefers lowercase over uppercase env vars even when empty',
    // upstream assigns HTTP_PROXY twice (the second value wins) and never sets HTTPS_PROXY
    env: { HTTP_PROXY: 'http://upper.example.com:8443', http_proxy: '', https_proxy: '' },
    url: `${s}://a/`,
    want: null,
  })),
  ...(['http', 'https'] as const).map((s) => ({
    from: 'creates a proxy agent only for https when only https_proxy is set',
    env: { https_proxy: 'http://example.com:8443' },
    url: `${s}://a/`,
    want: s === 'http' ? null : 'http://example.com:8443/',
  })),
];

const HTTP = 'http://localhost:8080/';
const HTTPS = 'http://localhost:8443/';
const mocks = (extra: EnvMap): EnvMap => ({ http_proxy: 'http://localhost:8080', https_proxy: 'http://localhost:8443', ...extra });
const D = null; // doesNotProxy
const rowsFor = (from: string, extra: EnvMap, cases: [url: string, want: string | null][]): Row[] =>
  cases.map(([url, want]) => ({ from, env: mocks(extra), url, want }));

const protocol = rowsFor('uses the appropriate proxy for the protocol', {}, [
  ['http://example.com/', HTTP],
  ['https://example.com/', HTTPS],
]);

const noProxy: Row[] = [
  ...rowsFor('no_proxy set to *', { no_proxy: '*' }, [['https://example.com', D], ['http://example.com', D]]),
  ...rowsFor('no_proxy set but empty', { no_proxy: '' }, [['http://example.com', HTTP]]),
  ...rowsFor('no_proxy no entries (comma)', { no_proxy: ',' }, [['http://example.com', HTTP]]),
  ...rowsFor('no_proxy no entries (whitespace)', { no_proxy: ' ' }, [['http://example.com', HTTP]]),
  ...rowsFor('no_proxy no entries (multiple whitespace / commas)', { no_proxy: ',\t,,,\n,  ,\r' }, [['http://example.com', HTTP]]),
  ...rowsFor('no_proxy single host', { no_proxy: 'example' }, [
    ['http://example', D], ['http://example:80', D], ['http://example:0', D], ['http://example:1337', D],
    ['http://sub.example', D], ['http://prefexample', HTTP], ['http://example.no', HTTP], ['http://a.b.example', D],
    ['http://host/example', HTTP],
  ]),
  ...rowsFor('no_proxy subdomain', { no_proxy: 'sub.example' }, [
    ['http://example', HTTP], ['http://example:80', HTTP], ['http://example:0', HTTP], ['http://example:1337', HTTP],
    ['http://sub.example', D], ['http://no.sub.example', D], ['http://sub-example', HTTP], ['http://example.sub', HTTP],
  ]),
  ...rowsFor('no_proxy host + port', { no_proxy: 'example:80, localhost:3000' }, [
    ['http://example', D], ['http://example:80', D], ['http://sub.example:80', D], ['http://example:0', D],
    ['http://example:1337', HTTP], ['http://sub.example', D], ['http://prefexample', HTTP], ['http://example.no', HTTP],
    ['http://a.b.example', D], ['http://localhost:3000/', D], ['https://localhost:3000/', D],
    ['http://localhost:3001/', HTTP], ['https://localhost:3001/', HTTPS],
  ]),
  ...rowsFor('no_proxy host suffix - leading dot stripped', { no_proxy: '.example' }, [
    ['http://example', D], ['http://example:80', D], ['http://example:1337', D], ['http://sub.example', D],
    ['http://sub.example:80', D], ['http://sub.example:1337', D], ['http://prefexample', HTTP], ['http://example.no', HTTP],
    ['http://a.b.example', D],
  ]),
  ...rowsFor('no_proxy host suffix with *. - leading dot with asterisk stripped', { no_proxy: '*.example' }, [
    ['http://example', D], ['http://example:80', D], ['http://example:1337', D], ['http://sub.example', D],
    ['http://sub.example:80', D], ['http://sub.example:1337', D], ['http://prefexample', HTTP], ['http://example.no', HTTP],
    ['http://a.b.example', D],
  ]),
  ...rowsFor('no_proxy substring suffix are NOT supported', { no_proxy: '*example' }, [
    ['http://example', HTTP], ['http://sub.example', HTTP], ['http://sub.example', HTTP], ['http://prefexample', HTTP],
    ['http://x.prefexample', HTTP], ['http://a.b.example', HTTP],
  ]),
  ...rowsFor('no_proxy arbitrary wildcards are NOT supported', { no_proxy: '.*example' }, [
    ['http://example', HTTP], ['http://sub.example', HTTP], ['http://sub.example', HTTP], ['http://prefexample', HTTP],
    ['http://x.prefexample', HTTP], ['http://a.b.example', HTTP],
  ]),
  ...rowsFor('no_proxy IP addresses', { no_proxy: '[::1],[::2]:80,10.0.0.1,10.0.0.2:80' }, [
    ['http://[::1]/', D], ['http://[::1]:80/', D], ['http://[::1]:1337/', D], ['http://[::2]/', D], ['http://[::2]:80/', D],
    ['http://[::2]:1337/', HTTP], ['http://10.0.0.1/', D], ['http://10.0.0.1:80/', D], ['http://10.0.0.1:1337/', D],
    ['http://10.0.0.2/', D], ['http://10.0.0.2:80/', D], ['http://10.0.0.2:1337/', HTTP],
  ]),
  ...rowsFor('no_proxy bare IPv6 addresses in no_proxy are matched (issue #5616)', { no_proxy: '::1,[::2]:80,::3' }, [
    ['http://[::1]/', D], ['http://[::1]:80/', D], ['http://[::1]:1337/', D], ['http://[::2]:80/', D],
    ['http://[::2]:1337/', HTTP], ['http://[::3]/', D], ['http://[::3]:443/', D], ['http://[::4]/', HTTP],
  ]),
  ...rowsFor('no_proxy CIDR is NOT supported', { no_proxy: '127.0.0.1/32' }, [['http://127.0.0.1', HTTP], ['http://127.0.0.1/32', HTTP]]),
  ...rowsFor('no_proxy 127.0.0.1 does NOT match localhost', { no_proxy: '127.0.0.1' }, [['http://127.0.0.1', D], ['http://localhost', HTTP]]),
  ...rowsFor('no_proxy protocols that have a default port', { no_proxy: 'xxx:21,xxx:70,xxx:80,xxx:443' }, [
    ['http://xxx', D], ['http://xxx:80', D], ['http://xxx:1337', HTTP], ['https://xxx', D], ['https://xxx:443', D],
    ['https://xxx:1337', HTTPS],
  ]),
  ...rowsFor('no_proxy should not be case sensitive', { NO_PROXY: 'XXX YYY ZzZ' }, [
    ['http://xxx', D], ['http://XXX', D], ['http://yyy', D], ['http://YYY', D], ['http://ZzZ', D], ['http://zZz', D],
  ]),
  ...rowsFor('no_proxy prefers lowercase over uppercase', { NO_PROXY: 'another.com', no_proxy: 'example.com' }, [
    ['http://example.com', D], ['http://another.com', HTTP],
  ]),
  ...rowsFor('no_proxy prefers lowercase over uppercase even when it is empty', { NO_PROXY: 'example.com', no_proxy: '' }, [
    ['http://example.com', HTTP],
  ]),
  ...rowsFor('no_proxy handles env var changes (before)', { no_proxy: 'example.com' }, [['http://example.com', D], ['http://another.com', HTTP]]),
  ...rowsFor('no_proxy handles env var changes (after)', { no_proxy: 'another.com' }, [['http://example.com', HTTP], ['http://another.com', D]]),
];

describe('node-undici upstream cases (test/env-http-proxy-agent.js)', () => {
  it('has every transcribed row', () => {
    expect(ctor).toHaveLength(14);
    expect(noProxy).toHaveLength(109);
    expect(ctor.length + protocol.length + noProxy.length).toBe(125);
  });
  it.each([...ctor, ...protocol, ...noProxy].map((r) => [r.from, r.url, r] as const))('%s: %s', (_f, _u, row) => {
    expect(undiciProxyForUrl(row.url, row.env).proxy).toBe(row.want);
  });
});

describe('node-undici behaviour', () => {
  it('uses the http proxy for https when no https proxy is set, and says so', () => {
    const r = undiciProxyForUrl('https://a/', { HTTP_PROXY: 'http://p:1', NO_PROXY: 'b' });
    expect(r.proxy).toBe('http://p:1/');
    expect(r.reason).toBe('no NO_PROXY entry matched; https_proxy/HTTPS_PROXY not set, so undici uses HTTP_PROXY for https too');
  });
  it('names the entry and notes CIDRs it ignores', () => {
    expect(undiciProxyForUrl('http://a.corp.example/', { http_proxy: 'http://p/', no_proxy: '*.corp.example' }).reason).toBe(
      'no_proxy entry "*.corp.example" matches subdomains (undici strips a leading "." or "*.")',
    );
    expect(undiciProxyForUrl('http://10.1.1.1/', { http_proxy: 'http://p/', no_proxy: '10.0.0.0/8' }).reason).toContain(
      'undici has no CIDR support: "10.0.0.0/8" never matches',
    );
  });
  it('fails every request when a proxy variable is not a URL', () => {
    expect(undiciProxyForUrl('http://a/', { http_proxy: 'proxy.corp 8080' }).reason).toMatch(/constructor throws/);
  });
  it('only makes http and https requests', () => {
    expect(undiciProxyForUrl('ftp://a/', { http_proxy: 'http://p/' }).proxy).toBeNull();
  });
});
