import { describe, expect, it } from 'vitest';
import { RenderUnsupportedError } from '../errors';
import type { ProxyConfig } from '../proxy-config';
import { render, RENDER_FORMATS } from './index';

const TARGET = { clusterName: 'aks-prod', resourceGroup: 'rg-prod', proxyAddresses: ['10.50.0.4'] }; // proxyAddresses: for the istio format
const ON: ProxyConfig = { httpProxy: 'http://p:8080/', noProxy: ['.svc'] };
const OFF: ProxyConfig = { ...ON, enabled: false };

describe('rendering a disabled config (enabled: false)', () => {
  it('az: the usual command line plus --disable-http-proxy', () => {
    expect(render('az', OFF, TARGET).body).toBe(
      'az aks update --name aks-prod --resource-group rg-prod --http-proxy-config aks-proxy-config.json --disable-http-proxy\n',
    );
  });

  it('cli, arm: "enabled": false after the other fields', () => {
    const cli = JSON.parse(render('cli', OFF, TARGET).body);
    expect(Object.keys(cli)).toEqual(['httpProxy', 'noProxy', 'enabled']);
    expect(cli.enabled).toBe(false);
    expect(JSON.parse(render('arm', OFF, TARGET).body)).toEqual({ properties: { httpProxyConfig: { ...ON, enabled: false } } });
  });

  it('bicep: enabled: false inside httpProxyConfig', () => {
    expect(render('bicep', OFF, TARGET).body).toBe(
      ["properties: {", '  httpProxyConfig: {', "    httpProxy: 'http://p:8080/'", '    noProxy: [', "      '.svc'", '    ]', '    enabled: false', '  }', '}', ''].join('\n'),
    );
  });

  it('terraform: RenderUnsupportedError (azurerm has no enabled argument)', () => {
    expect(() => render('terraform', OFF, TARGET)).toThrow(RenderUnsupportedError);
    try {
      render('terraform', OFF, TARGET);
    } catch (e) {
      expect((e as RenderUnsupportedError).code).toBe('RENDER_UNSUPPORTED');
      expect((e as RenderUnsupportedError).message).toContain('azurerm');
    }
  });

  it('near miss: enabled true or absent renders as before everywhere (no enabled key, no flag)', () => {
    for (const format of RENDER_FORMATS) {
      const a = render(format, ON, TARGET).body;
      expect(render(format, { ...ON, enabled: true }, TARGET).body).toBe(a);
      expect(a).not.toMatch(/enabled|--(en|dis)able-http-proxy/);
    }
  });
});

describe('az after a disabled version', () => {
  it('adds --enable-http-proxy when the preceding approved version was disabled', () => {
    expect(render('az', ON, TARGET, { precedingApproved: OFF }).body).toBe(
      'az aks update --name aks-prod --resource-group rg-prod --http-proxy-config aks-proxy-config.json --enable-http-proxy\n',
    );
  });

  it('near miss: not after an enabled one, nor without one; a disabled one after a disabled one stays disabled', () => {
    expect(render('az', ON, TARGET, { precedingApproved: ON }).body).not.toContain('--enable-http-proxy');
    expect(render('az', ON, TARGET, { precedingApproved: null }).body).not.toContain('--enable-http-proxy');
    const again = render('az', OFF, TARGET, { precedingApproved: OFF }).body;
    expect(again).toContain('--disable-http-proxy');
    expect(again).not.toContain('--enable-http-proxy');
  });

  it('only az looks at the preceding version', () => {
    for (const format of ['cli', 'arm', 'bicep', 'terraform'] as const) {
      expect(render(format, ON, TARGET, { precedingApproved: OFF }).body).toBe(render(format, ON, TARGET).body);
    }
  });
});
