import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ProxyConfig } from '../proxy-config';
import { isRenderFormat, render, RENDER_FORMATS, type RenderFormat } from './index';

const TARGET = {
  clusterName: 'aks-prod',
  resourceGroup: 'rg-prod',
  subscriptionId: '00000000-0000-0000-0000-000000000001',
  proxyAddresses: ['10.50.0.4'], // the IPs behind proxy.corp.example, for the istio ServiceEntry
};

const FULL: ProxyConfig = {
  httpProxy: 'http://proxy.corp.example:8080/',
  httpsProxy: 'https://proxy.corp.example:8443/',
  noProxy: ['.svc', '10.0.0.0/8', 'corp.example'],
  trustedCa: 'LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg==',
};

/** The same config with its keys in another order, as a database might return it. */
const SHUFFLED = { trustedCa: FULL.trustedCa, noProxy: [...FULL.noProxy!], httpsProxy: FULL.httpsProxy, httpProxy: FULL.httpProxy };

describe('render', () => {
  it('knows its formats', () => {
    expect(RENDER_FORMATS).toEqual(['cli', 'arm', 'bicep', 'terraform', 'az', 'istio']);
    expect(isRenderFormat('terraform')).toBe(true);
    expect(isRenderFormat('yaml')).toBe(false);
    expect(isRenderFormat(undefined)).toBe(false);
    expect(() => render('yaml' as RenderFormat, FULL, TARGET)).toThrow(RangeError);
  });

  it.each(RENDER_FORMATS)('%s: byte-identical across calls and key orders, newline at the end', (format) => {
    const a = render(format, FULL, TARGET);
    const b = render(format, structuredClone(FULL), { ...TARGET });
    const c = render(format, SHUFFLED, TARGET);
    expect(Buffer.from(b.body)).toEqual(Buffer.from(a.body));
    expect(c).toEqual(a);
    expect(a.body.endsWith('\n')).toBe(true);
    expect(a.body.endsWith('\n\n')).toBe(false);
    expect(a.filename).toMatch(/^aks-proxy-config\./);
  });

  it.each(RENDER_FORMATS)('%s: does not touch its input', (format) => {
    const config = structuredClone(FULL);
    render(format, config, TARGET);
    expect(config).toEqual(FULL);
  });

  it('cli: the JSON object itself, canonical key order, 2-space indent', () => {
    const r = render('cli', SHUFFLED, TARGET);
    expect(r.contentType).toBe('application/json');
    expect(r.filename).toBe('aks-proxy-config.json');
    expect(r.body).toBe(
      [
        '{',
        '  "httpProxy": "http://proxy.corp.example:8080/",',
        '  "httpsProxy": "https://proxy.corp.example:8443/",',
        '  "noProxy": [',
        '    ".svc",',
        '    "10.0.0.0/8",',
        '    "corp.example"',
        '  ],',
        `  "trustedCa": "${FULL.trustedCa}"`,
        '}',
        '',
      ].join('\n'),
    );
    expect(Object.keys(JSON.parse(r.body))).toEqual(['httpProxy', 'httpsProxy', 'noProxy', 'trustedCa']);
  });

  it('arm: properties.httpProxyConfig, 2-space indent', () => {
    const r = render('arm', { httpProxy: 'http://p:8080/' }, TARGET);
    expect(r.contentType).toBe('application/json');
    expect(r.filename).toBe('aks-proxy-config.arm.json');
    expect(r.body).toBe('{\n  "properties": {\n    "httpProxyConfig": {\n      "httpProxy": "http://p:8080/"\n    }\n  }\n}\n');
  });

  it('cli and arm: parse back to the config, absent and empty fields left out', () => {
    const config = fc.record(
      {
        httpProxy: fc.string(),
        httpsProxy: fc.string({ unit: 'grapheme', minLength: 1 }),
        noProxy: fc.array(fc.string({ unit: 'binary' }), { minLength: 1 }),
        trustedCa: fc.base64String({ minLength: 4 }),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(config, (c) => {
        const expected: Record<string, unknown> = {};
        for (const k of ['httpProxy', 'httpsProxy', 'noProxy', 'trustedCa'] as const) {
          if (c[k] !== undefined && c[k] !== '') expected[k] = c[k];
        }
        const cli = JSON.parse(render('cli', c, TARGET).body);
        const arm = JSON.parse(render('arm', c, TARGET).body);
        expect(cli).toEqual(expected);
        expect(Object.keys(cli)).toEqual(Object.keys(expected));
        expect(arm).toEqual({ properties: { httpProxyConfig: expected } });
      }),
    );
  });

  it('leaves out undefined, empty and unknown fields everywhere', () => {
    const odd = { httpProxy: 'http://p:8080/', httpsProxy: undefined, noProxy: [], trustedCa: '', enabled: true } as ProxyConfig;
    expect(render('cli', odd, TARGET).body).toBe('{\n  "httpProxy": "http://p:8080/"\n}\n');
    expect(render('bicep', odd, TARGET).body).not.toMatch(/noProxy|trustedCa|httpsProxy|enabled/);
    expect(render('terraform', odd, TARGET).body).toBe('http_proxy_config {\n  http_proxy = "http://p:8080/"\n}\n');
  });
});
