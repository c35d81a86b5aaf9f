import { stringify } from 'yaml';
import { endpointLabel, proxyEndpoints } from '../proxy-endpoints';
import type { ProxyConfig } from '../proxy-config';
import { canonicalIPv4, canonicalIPv6 } from '../validate/util';
import { RenderUnsupportedError } from '../errors';
import type { Rendering, RenderTarget } from './common';

/** `metadata.name` of the rendered ServiceEntry (API.md). */
export const SERVICE_ENTRY_NAME = 'aks-http-proxy';

/** The host the ServiceEntry names when every proxy is an IP literal: Istio requires `hosts` and ignores it for TCP with addresses. */
export const IP_ONLY_HOST = 'aks-http-proxy.local';

/** The ServiceEntry as an object: exactly the fields API.md lists, in the order they are written. */
export interface IstioServiceEntry {
  apiVersion: 'networking.istio.io/v1';
  kind: 'ServiceEntry';
  metadata: { name: string };
  spec: {
    hosts: string[];
    addresses: string[];
    ports: Array<{ number: number; name: string; protocol: 'TCP' }>;
    location: 'MESH_EXTERNAL';
    resolution: 'NONE';
  };
}

/** An IP address as a one-address CIDR: /32 for IPv4, /128 for IPv6 (canonical spelling); null when it is no IP. */
function hostCidr(address: string): string | null {
  const v4 = canonicalIPv4(address);
  if (v4 !== null) return `${v4}/32`;
  const v6 = canonicalIPv6(address);
  return v6 !== null ? `${v6}/128` : null;
}

/**
 * The Istio ServiceEntry that lets pods in the mesh reach the proxy endpoints of `config` (the AKS page, "Istio Add-On
 * HTTP Proxy for External Services"): every proxy IP as /32 or /128 (a proxy given by host name takes the cluster's
 * `proxyAddresses`), each distinct proxy port once as TCP, MESH_EXTERNAL, resolution NONE; addresses and ports in the
 * order of the config (HTTP proxy first). Throws
 * RenderUnsupportedError for a disabled config, a config without a proxy, and a host-name proxy on a cluster with no
 * proxyAddresses.
 */
export function istioServiceEntry(config: ProxyConfig, target: Pick<RenderTarget, 'clusterName' | 'proxyAddresses'>): IstioServiceEntry {
  if (config.enabled === false) {
    throw new RenderUnsupportedError(
      'istio',
      'This version turns the HTTP proxy off (enabled: false), so meshed pods have no proxy to reach and there is no ServiceEntry to render; keep the current ServiceEntry until the cluster has applied this version, then delete it.',
    );
  }
  const endpoints = proxyEndpoints(config);
  if (endpoints.length === 0) {
    throw new RenderUnsupportedError('istio', 'This version has no proxy URL (httpProxy or httpsProxy), so there is no ServiceEntry to render.');
  }
  const named = endpoints.filter((e) => e.ip === null);
  const addresses: string[] = [];
  const add = (cidr: string | null) => {
    if (cidr !== null && !addresses.includes(cidr)) addresses.push(cidr);
  };
  for (const e of endpoints) if (e.ip) add(hostCidr(e.ip.address));
  if (named.length > 0) {
    const known = (target.proxyAddresses ?? []).map(hostCidr).filter((c): c is string => c !== null);
    if (known.length === 0) {
      const hosts = [...new Set(named.map((e) => e.host))];
      const one = hosts.length === 1;
      throw new RenderUnsupportedError(
        'istio',
        `The proxy is given by host name (${named.map(endpointLabel).join(', ')}), and an Istio ServiceEntry needs the proxy's IP addresses: add the IP addresses ${hosts.join(' and ')} ${one ? 'resolves' : 'resolve'} to as network.proxyAddresses of cluster "${target.clusterName}" (PATCH /v1/clusters/${target.clusterName} with {"network": {..., "proxyAddresses": ["10.0.0.4"]}}), then render again.`,
      );
    }
    for (const cidr of known) add(cidr);
  }
  const hosts = named.length > 0 ? [...new Set(named.map((e) => e.host))] : [IP_ONLY_HOST];
  // In the order of the config, like the addresses: the HTTP proxy's first, then the HTTPS proxy's.
  const ports = [...new Set(endpoints.map((e) => e.port))].map((number) => ({ number, name: `tcp-${number}`, protocol: 'TCP' as const }));
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'ServiceEntry',
    metadata: { name: SERVICE_ENTRY_NAME },
    spec: { hosts, addresses, ports, location: 'MESH_EXTERNAL', resolution: 'NONE' },
  };
}

/**
 * The ServiceEntry as YAML, written by the `yaml` library (never by string concatenation), with YAML 1.1 quoting
 * rules so that Kubernetes' YAML 1.1 parser reads every string as a string. Deterministic: fixed key order, no
 * line folding.
 */
export function renderIstio(config: ProxyConfig, target: RenderTarget): Rendering {
  const body = stringify(istioServiceEntry(config, target), { version: '1.1', lineWidth: 0, indentSeq: true });
  return { contentType: 'application/yaml', filename: 'aks-proxy-config.istio.yaml', body };
}
