import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { serviceEntryProblems } from '../../../test/support/istio-service-entry';
import type { ProxyConfig } from '../proxy-config';
import { RenderUnsupportedError } from '../errors';
import { render } from './index';
import { IP_ONLY_HOST, istioServiceEntry, renderIstio } from './istio';

const TARGET = { clusterName: 'aks-prod', resourceGroup: 'rg-prod' };

/** Renders, parses the YAML back and checks it against Istio's CRD schema; returns the parsed document. */
function rendered(config: ProxyConfig, proxyAddresses?: string[]) {
  const r = render('istio', config, { ...TARGET, proxyAddresses });
  expect(r.contentType).toBe('application/yaml');
  const doc = parse(r.body);
  expect(serviceEntryProblems(doc)).toEqual([]);
  return { body: r.body, doc };
}

describe('render istio', () => {
  it('IPv4 proxy: one /32, one port, the placeholder host, MESH_EXTERNAL, NONE', () => {
    const { body, doc } = rendered({ httpProxy: 'http://10.50.0.4:3128/' });
    expect(doc).toEqual({
      apiVersion: 'networking.istio.io/v1',
      kind: 'ServiceEntry',
      metadata: { name: 'aks-http-proxy' },
      spec: {
        hosts: [IP_ONLY_HOST],
        addresses: ['10.50.0.4/32'],
        ports: [{ number: 3128, name: 'tcp-3128', protocol: 'TCP' }],
        location: 'MESH_EXTERNAL',
        resolution: 'NONE',
      },
    });
    expect(body).toBe(
      [
        'apiVersion: networking.istio.io/v1',
        'kind: ServiceEntry',
        'metadata:',
        '  name: aks-http-proxy',
        'spec:',
        '  hosts:',
        '    - aks-http-proxy.local',
        '  addresses:',
        '    - 10.50.0.4/32',
        '  ports:',
        '    - number: 3128',
        '      name: tcp-3128',
        '      protocol: TCP',
        '  location: MESH_EXTERNAL',
        '  resolution: NONE',
        '',
      ].join('\n'),
    );
  });

  it('IPv6 proxy: /128 in RFC 5952 form', () => {
    const { doc } = rendered({ httpProxy: 'http://[fd00:50:0:0::4]:3128/', httpsProxy: 'http://[FD00:50::4]:3128/' });
    expect(doc.spec.addresses).toEqual(['fd00:50::4/128']);
    expect(doc.spec.ports).toEqual([{ number: 3128, name: 'tcp-3128', protocol: 'TCP' }]);
  });

  it('HTTP and HTTPS proxies on different ports and addresses: each address and each port once, HTTP proxy first', () => {
    const { doc } = rendered({ httpProxy: 'http://10.50.0.4:8080/', httpsProxy: 'https://[2001:db8::7]:443/' });
    expect(doc.spec.hosts).toEqual([IP_ONLY_HOST]);
    expect(doc.spec.addresses).toEqual(['10.50.0.4/32', '2001:db8::7/128']);
    expect(doc.spec.ports).toEqual([
      { number: 8080, name: 'tcp-8080', protocol: 'TCP' },
      { number: 443, name: 'tcp-443', protocol: 'TCP' },
    ]);
  });

  it('a URL without a port takes its scheme default: 80 for http, 443 for https', () => {
    // normalized configs always carry the port; the rendering does not rely on it
    expect(istioServiceEntry({ httpProxy: 'http://10.0.0.1', httpsProxy: 'https://10.0.0.1' }, TARGET).spec.ports.map((p) => p.number)).toEqual([80, 443]);
  });

  it('host-name proxy: its host in hosts, the addresses from proxyAddresses (IPv4 and IPv6, canonical)', () => {
    const { doc } = rendered({ httpProxy: 'http://proxy.corp.example:3128/' }, ['10.50.0.4', '10.50.0.5', 'FD00:50::0004']);
    expect(doc.spec.hosts).toEqual(['proxy.corp.example']);
    expect(doc.spec.addresses).toEqual(['10.50.0.4/32', '10.50.0.5/32', 'fd00:50::4/128']);
  });

  it('a host-name proxy and an IP proxy: the host name only in hosts, both kinds of address', () => {
    const { doc } = rendered({ httpProxy: 'http://proxy.corp.example:3128/', httpsProxy: 'http://10.60.0.9:3129/' }, ['10.50.0.4']);
    expect(doc.spec.hosts).toEqual(['proxy.corp.example']);
    expect(doc.spec.addresses).toEqual(['10.60.0.9/32', '10.50.0.4/32']);
    expect(doc.spec.ports.map((p: { name: string }) => p.name)).toEqual(['tcp-3128', 'tcp-3129']);
  });

  it('host-name proxy without proxyAddresses: RenderUnsupportedError saying what to add', () => {
    for (const proxyAddresses of [undefined, []]) {
      expect(() => renderIstio({ httpProxy: 'http://proxy.corp.example:3128/' }, { ...TARGET, proxyAddresses })).toThrow(RenderUnsupportedError);
    }
    expect(() => renderIstio({ httpProxy: 'http://proxy.corp.example:3128/' }, TARGET)).toThrow(/proxyAddresses.*aks-prod/);
  });

  it('a disabled config (enabled: false) and a config without proxy: RenderUnsupportedError', () => {
    expect(() => renderIstio({ httpProxy: 'http://10.0.0.1:3128/', enabled: false }, TARGET)).toThrow(/enabled: false/);
    expect(() => renderIstio({ noProxy: ['a'] }, TARGET)).toThrow(RenderUnsupportedError);
    expect(renderIstio({ httpProxy: 'http://10.0.0.1:3128/', enabled: true }, TARGET).body).toContain('10.0.0.1/32');
  });

  it('byte-identical on every call; noProxy and trustedCa do not show', () => {
    const config: ProxyConfig = { httpProxy: 'http://proxy.corp.example:3128/', noProxy: ['.svc'], trustedCa: 'TFMwdA==' };
    const a = renderIstio(config, { ...TARGET, proxyAddresses: ['10.50.0.4'] }).body;
    const b = renderIstio(structuredClone(config), { ...TARGET, proxyAddresses: ['10.50.0.4'] }).body;
    expect(Buffer.from(b)).toEqual(Buffer.from(a));
    expect(a).not.toMatch(/svc|trustedCa|TFMw/);
  });

  it('the checker refuses what the API server would: it is no rubber stamp', () => {
    const good = parse(renderIstio({ httpProxy: 'http://10.0.0.1:3128/' }, TARGET).body);
    const bad = (mutate: (d: typeof good) => void) => {
      const d = structuredClone(good);
      mutate(d);
      return serviceEntryProblems(d);
    };
    expect(bad((d) => (d.spec.location = 'OUTSIDE'))).not.toEqual([]);
    expect(bad((d) => (d.spec.ports[0].number = 70000))).not.toEqual([]);
    expect(bad((d) => d.spec.ports.push({ ...d.spec.ports[0], name: 'tcp-again' }))).toContain('/spec port number cannot be duplicated');
    expect(bad((d) => (d.spec.hosts = []))).not.toEqual([]);
    expect(bad((d) => (d.spec.hosts = ['*']))).toContain('/spec hostname cannot be wildcard');
    expect(bad((d) => (d.spec.resolution = 'DNS'))).toContain('/spec CIDR addresses are allowed only for NONE/STATIC resolution types');
    expect(bad((d) => (d.spec.proxyAddresses = ['x']))).not.toEqual([]); // unknown field
    expect(bad((d) => delete d.spec.ports[0].name)).not.toEqual([]);
  });
});
