/**
 * AKS-level behaviour: explain() on the environment AKS injects, showing the client differences of SPEC.md
 * "How clients read NO_PROXY".
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { explain, explainUrl, urlProblem, CLIENT_IDS, CLIENT_MODELS, type ClientId } from './index';
import { aksProxyEnvironment } from './environment';
import type { ClusterNetwork, ProxyConfig } from '../proxy-config';

const PROXY = 'http://proxy.corp.example:3128/';
const config: ProxyConfig = {
  httpProxy: PROXY,
  noProxy: ['.corp.example', '10.0.0.0/8', '*.apps.example', 'git.example:8443', 'intranet.example'],
};
const network: ClusterNetwork = {
  apiServerFqdn: 'myaks-dns-1a2b3c.hcp.westeurope.azmk8s.io',
  serviceCidr: '10.0.0.0/16',
  podCidr: '10.244.0.0/16',
  nodeSubnetCidrs: ['10.224.0.0/16'],
};

const ORDER: ClientId[] = ['go', 'curl', 'python-urllib', 'python-requests', 'node-undici', 'ruby'];

// url → expected route per client in ORDER (go, curl, urllib, requests, undici, ruby): P via the proxy, D direct
const table: [url: string, routes: string, why: string][] = [
  ['https://mcr.microsoft.com/v2/', 'PPPPPP', 'no entry covers it'],
  ['https://corp.example/', 'PDDDDP', '".corp.example": subdomains only for Go and Ruby'],
  ['https://build.corp.example/', 'DDDDDD', '".corp.example" covers subdomains everywhere'],
  ['https://web.apps.example/', 'DPPPDP', '"*.apps.example": only Go and undici understand "*."'],
  ['http://10.1.2.3/', 'DDPDPD', '"10.0.0.0/8": no CIDR in urllib and undici'],
  ['http://10.244.1.5:8080/', 'DDPDPD', 'pod CIDR added by AKS: same CIDR rules'],
  ['https://git.example:8443/', 'DPDDDD', '"git.example:8443": curl never matches host:port'],
  ['https://git.example/', 'PPPPPP', 'host:port entry, other port'],
  ['https://intranet.example/', 'DDDDDD', 'plain name: apex everywhere'],
  ['https://www.intranet.example/', 'DDDDDD', 'plain name: subdomains everywhere'],
  ['http://169.254.169.254/metadata/instance', 'DDDDDD', 'IMDS, added by AKS'],
  ['http://168.63.129.16/', 'DDDDDD', 'Azure DNS / wireserver, added by AKS'],
  ['https://myaks-dns-1a2b3c.hcp.westeurope.azmk8s.io/', 'DDDDDD', 'API server FQDN, added by AKS'],
  ['http://konnectivity/', 'DDDDDD', 'added by AKS'],
  ['http://localhost:8080/healthz', 'DDDDDD', 'localhost, added by AKS'],
  ['http://127.0.0.1:9090/', 'DDDDDD', '127.0.0.1, added by AKS'],
  ['https://kubernetes.default.svc/', 'PPPPPP', 'AKS does not add .svc or .cluster.local'],
  ['http://my-svc.my-ns.svc.cluster.local/', 'PPPPPP', 'AKS does not add .svc or .cluster.local'],
];

describe('explain on the AKS environment', () => {
  const result = explain(config, table.map(([url]) => url), network);

  it('reports the effective NO_PROXY: config entries first, then what AKS adds', () => {
    expect(result.effectiveNoProxy).toEqual([
      '.corp.example',
      '10.0.0.0/8',
      '*.apps.example',
      'git.example:8443',
      'intranet.example',
      'localhost',
      '127.0.0.1',
      '169.254.169.254',
      '168.63.129.16',
      'konnectivity',
      'myaks-dns-1a2b3c.hcp.westeurope.azmk8s.io',
      '10.0.0.0/16',
      '10.244.0.0/16',
      '10.224.0.0/16',
    ]);
  });

  it.each(table.map(([url, routes, why], i) => [url, why, routes, i] as const))('%s (%s)', (url, _why, routes, i) => {
    const r = result.results[i]!;
    expect(r.url).toBe(url);
    expect(Object.keys(r.clients!).sort()).toEqual([...CLIENT_IDS].sort());
    const got = ORDER.map((id) => (r.clients![id].proxy === null ? 'D' : 'P')).join('');
    expect(got).toBe(routes);
    for (const id of ORDER) {
      const v = r.clients![id];
      if (v.proxy !== null) expect(v.proxy).toBe(PROXY);
      expect(v.reason.length).toBeGreaterThan(0);
    }
  });

  it('names the deciding entry or rule', () => {
    const at = (url: string) => result.results.find((r) => r.url === url)!.clients!;
    expect(at('https://corp.example/').go.reason).toBe(
      'no NO_PROXY entry matched; HTTPS_PROXY used; note: Go reads ".corp.example" as subdomains only, not the name itself',
    );
    expect(at('https://corp.example/').curl.reason).toBe('no_proxy entry ".corp.example" matches the host (curl ignores a leading dot)');
    expect(at('https://build.corp.example/').go.reason).toBe('NO_PROXY entry ".corp.example" matches subdomains');
    expect(at('https://web.apps.example/').curl.reason).toContain('curl has no wildcards: "*.apps.example" never matches');
    expect(at('http://10.1.2.3/')['python-urllib'].reason).toContain('urllib has no CIDR support: "10.0.0.0/8" never matches');
    expect(at('http://10.1.2.3/').go.reason).toBe('NO_PROXY entry "10.0.0.0/8" contains 10.1.2.3');
    expect(at('http://127.0.0.1:9090/').go.reason).toBe('Go never proxies loopback addresses (127.0.0.1)');
    expect(at('https://git.example:8443/').curl.reason).toContain('curl never matches entries with a port like "git.example:8443"');
    expect(at('https://mcr.microsoft.com/v2/').ruby.reason).toContain('host names are not resolved here (no DNS)');
    expect(at('https://mcr.microsoft.com/v2/')['node-undici'].reason).toBe('no no_proxy entry matched; https_proxy used');
  });
});

describe('proxy selection from the config', () => {
  it('uses httpProxy for https when httpsProxy is absent (AKS falls back)', () => {
    const r = explain({ httpProxy: PROXY }, ['https://a.example/']);
    for (const id of CLIENT_IDS) expect(r.results[0]!.clients![id].proxy).toBe(PROXY);
  });
  it('uses httpsProxy for https and httpProxy for http', () => {
    const r = explain({ httpProxy: PROXY, httpsProxy: 'https://secure.corp.example:8443/' }, ['https://a.example/', 'http://a.example/']);
    for (const id of CLIENT_IDS) {
      expect(r.results[0]!.clients![id].proxy).toBe('https://secure.corp.example:8443/');
      expect(r.results[1]!.clients![id].proxy).toBe(PROXY);
    }
  });
  it('with httpsProxy only, http URLs go direct everywhere', () => {
    const r = explain({ httpsProxy: PROXY }, ['http://a.example/', 'https://a.example/']);
    for (const id of CLIENT_IDS) {
      expect(r.results[0]!.clients![id].proxy).toBeNull();
      expect(r.results[1]!.clients![id].proxy).toBe(PROXY);
    }
  });
  it('without a cluster network only the fixed AKS entries are added', () => {
    const r = explain({ httpProxy: PROXY, noProxy: ['A.Example'] }, ['http://10.244.0.7/']);
    expect(r.effectiveNoProxy).toEqual(['a.example', 'localhost', '127.0.0.1', '169.254.169.254', '168.63.129.16', 'konnectivity']);
    for (const id of CLIENT_IDS) expect(r.results[0]!.clients![id].proxy).toBe(PROXY);
  });
  it('an ftp URL cannot be explained: an error, no clients (none may read as "direct")', () => {
    const r = explain(config, ['ftp://files.example/pub/']);
    expect(r.results[0]).toEqual({ url: 'ftp://files.example/pub/', error: 'invalid URL: only http and https URLs can be explained, not ftp' });
  });
  it('a client that makes no request for a valid URL answers { error: "no request", reason } without proxy', () => {
    // Ruby's URI parser rejects a non-ASCII host: no request; the other clients answer.
    const r = explain({ httpProxy: PROXY }, ['http://bücher.example/']).results[0]!;
    expect(r.clients!.ruby).toEqual({ error: 'no request', reason: expect.stringContaining('no request') });
    expect(r.clients!.ruby).not.toHaveProperty('proxy');
    expect(r.clients!.go.proxy).toBe(PROXY);
  });
});

describe('invalid URLs', () => {
  it.each(['', 'mcr.microsoft.com', 'mcr.microsoft.com/v2/', 'mcr.microsoft.com:443', 'https://', 'https://[::1/', 'https://a b/', 'http://host:port/', 'http://h:99999/', 'mailto:x@y', 'ftp://f.example/', 'ws://a/', 'file:///etc/passwd'])(
    '%j gives { url, error } with no clients, never throws',
    (url) => {
      const r = explain(config, [url]);
      expect(r.results[0]!.error).toMatch(/^invalid URL: /);
      expect(r.results[0]).toEqual({ url, error: r.results[0]!.error });
      expect(urlProblem(url)).not.toBeNull();
    },
  );
  it('valid URLs have no error field', () => {
    expect(explain(config, ['https://a/']).results[0]).not.toHaveProperty('error');
    expect(urlProblem('https://[2001:db8::1]:8443/x?y#z')).toBeNull();
  });
});

describe('client models never throw', () => {
  const env = aksProxyEnvironment(config, network);
  const odd = ['http://[fe80::1%25eth0]/', 'http://%zz/', 'http://a..b/', 'http://.a/', 'http://a./', 'http:///x', 'file:///etc', 'x:', 'http://user:pass@h:1/', 'http://xn--fsq092h.com/', 'http://示例.com/', 'ws://a/', 'wss://a:1/'];
  it.each(odd)('%j', (url) => {
    for (const id of CLIENT_IDS) {
      const v = CLIENT_MODELS[id](url, env);
      expect(typeof v.reason).toBe('string');
      expect(v.proxy === null || typeof v.proxy === 'string').toBe(true);
    }
    expect(() => explainUrl(url, env)).not.toThrow();
  });
});

describe('properties', () => {
  const env = aksProxyEnvironment(config, network);
  it('explainUrl never throws and always answers for every client', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.webUrl({ withQueryParameters: true, withFragments: true })), (url) => {
        const r = explainUrl(url, env);
        // Either an answer for every client, or an error and no clients: never a client that reads as direct.
        if (r.error !== undefined) {
          expect(r).not.toHaveProperty('clients');
          return;
        }
        expect(Object.keys(r.clients!)).toHaveLength(CLIENT_IDS.length);
        for (const id of CLIENT_IDS) expect(r.clients![id].reason).not.toBe('');
      }),
      { numRuns: 300 },
    );
  });
  it('a host listed by name in noProxy goes direct in every client', () => {
    const label = fc.stringMatching(/^[a-z][a-z0-9-]{0,10}[a-z0-9]$/);
    fc.assert(
      fc.property(fc.array(label, { minLength: 2, maxLength: 4 }), fc.constantFrom('http', 'https'), (labels, scheme) => {
        const host = labels.join('.');
        const r = explain({ httpProxy: PROXY, noProxy: [host] }, [`${scheme}://${host}/`]);
        for (const id of CLIENT_IDS) expect(r.results[0]!.clients![id].proxy).toBeNull();
      }),
      { numRuns: 200 },
    );
  });
});
