import { describe, expect, it } from 'vitest';
import { aksProxyEnvironment } from './environment';

describe('aksProxyEnvironment', () => {
  it('sets both cases, falls back to httpProxy for https, and joins the effective NO_PROXY', () => {
    expect(
      aksProxyEnvironment(
        { httpProxy: 'http://p:3128/', noProxy: ['.corp.example', '10.0.0.0/8'] },
        { apiServerFqdn: 'API.example', serviceCidr: '10.0.0.0/16', podCidr: '10.244.0.0/16', nodeSubnetCidrs: ['10.224.0.0/16'] },
      ),
    ).toEqual({
      HTTP_PROXY: 'http://p:3128/',
      http_proxy: 'http://p:3128/',
      HTTPS_PROXY: 'http://p:3128/',
      https_proxy: 'http://p:3128/',
      NO_PROXY:
        '.corp.example,10.0.0.0/8,localhost,127.0.0.1,169.254.169.254,168.63.129.16,konnectivity,api.example,10.0.0.0/16,10.244.0.0/16,10.224.0.0/16',
      no_proxy:
        '.corp.example,10.0.0.0/8,localhost,127.0.0.1,169.254.169.254,168.63.129.16,konnectivity,api.example,10.0.0.0/16,10.244.0.0/16,10.224.0.0/16',
    });
  });
  it('leaves HTTP_PROXY out when only httpsProxy is set', () => {
    const env = aksProxyEnvironment({ httpsProxy: 'https://s:443/' });
    expect(env.HTTP_PROXY).toBeUndefined();
    expect(env.http_proxy).toBeUndefined();
    expect(env.HTTPS_PROXY).toBe('https://s:443/');
    expect(env.NO_PROXY).toBe('localhost,127.0.0.1,169.254.169.254,168.63.129.16,konnectivity');
  });

  it('a disabled config (enabled: false) injects nothing: every client goes direct', () => {
    expect(aksProxyEnvironment({ httpProxy: 'http://p:3128/', noProxy: ['.corp.example'], enabled: false })).toEqual({ NO_PROXY: '', no_proxy: '' });
  });
});
