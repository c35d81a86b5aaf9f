import { describe, expect, it } from 'vitest';
import { endpointLabel, endpointSet, parseProxyUrl, proxyEndpoints } from './proxy-endpoints';

describe('proxyEndpoints', () => {
  it('HTTP_PROXY and HTTPS_PROXY as AKS injects them, one entry per host and port', () => {
    expect(proxyEndpoints({ httpProxy: 'http://p.example:3128/' })).toEqual([
      { fields: ['httpProxy', 'httpsProxy'], scheme: 'http', host: 'p.example', port: 3128, ip: null },
    ]);
    expect(proxyEndpoints({ httpProxy: 'http://10.0.0.1:80/', httpsProxy: 'https://[FD00::1]/' })).toEqual([
      { fields: ['httpProxy'], scheme: 'http', host: '10.0.0.1', port: 80, ip: { version: 4, address: '10.0.0.1' } },
      { fields: ['httpsProxy'], scheme: 'https', host: 'fd00::1', port: 443, ip: { version: 6, address: 'fd00::1' } },
    ]);
    expect(proxyEndpoints({ httpsProxy: 'http://p:8080/' }).map((e) => e.fields)).toEqual([['httpsProxy']]);
  });

  it('ignores what is no http(s) URL', () => {
    expect(parseProxyUrl('socks5://p:1080')).toBeNull();
    expect(parseProxyUrl('not a url')).toBeNull();
    expect(parseProxyUrl(undefined)).toBeNull();
  });

  it('labels and compares endpoints', () => {
    const [v6] = proxyEndpoints({ httpProxy: 'http://[2001:db8::1]:3128/' });
    expect(endpointLabel(v6!)).toBe('[2001:db8::1]:3128');
    expect(endpointSet({ httpProxy: 'http://P.example:3128/' })).toBe(endpointSet({ httpProxy: 'http://p.example:3128', httpsProxy: 'https://p.example:3128' }));
    expect(endpointSet(null)).toBe('');
  });
});
