import { endpointLabel, endpointSet, proxyEndpoints } from './proxy-endpoints';
import type { ClusterContext, Finding, ProxyConfig } from './proxy-config';

/** Where the fields of the config the findings are about sit in the submitted document. */
export type AddonPointers = Partial<Record<'trustedCa', string>>;

const list = (items: string[]): string => (items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`);

/**
 * What the cluster's add-ons mean for `next`, the normalized config about to be applied over `current` (SPEC.md,
 * the AKS page): with the Istio add-on, meshed pods reach the proxy only through a ServiceEntry, which must list the
 * new endpoint before the switch when the endpoint moves (ISTIO_SERVICE_ENTRY_NEEDED, pointer ""); with the monitoring
 * add-on, a trusted CA breaks custom metrics and recommended alerts (MONITORING_TRUSTED_CA, at trustedCa). A config
 * that turns the proxy off (`enabled: false`) applies neither proxy nor CA, so it gets neither finding. Pure.
 */
export function addonFindings(
  cluster: Pick<ClusterContext, 'addons' | 'network'> | null | undefined,
  current: ProxyConfig | null | undefined,
  next: ProxyConfig,
  pointers: AddonPointers = {},
): Finding[] {
  const addons = cluster?.addons;
  if (!addons || next.enabled === false) return [];
  const findings: Finding[] = [];
  const endpoints = proxyEndpoints(next);
  if (addons.istio === true && endpoints.length > 0) {
    const labels = endpoints.map(endpointLabel);
    const wasLive = current && current.enabled !== false ? current : null;
    const before = endpointSet(wasLive);
    let message: string;
    if (before === '') {
      message = `The cluster runs the Istio add-on: pods in the mesh reach the proxy ${list(labels)} only through a ServiceEntry that lists its IP addresses and ports as MESH_EXTERNAL. Apply the ServiceEntry this version renders as format istio (kubectl apply) before the proxy is turned on, or meshed workloads lose their egress.`;
    } else if (before !== endpointSet(next)) {
      message = `The cluster runs the Istio add-on and the proxy endpoint changes (${before.split(' ').join(', ')} to ${labels.join(', ')}): the ServiceEntry must change first. Apply the ServiceEntry this version renders as format istio before applying this config, and keep the old proxy's addresses in the mesh (a copy of the old ServiceEntry under another name) until every node pool has been reimaged.`;
    } else {
      message = `The cluster runs the Istio add-on: pods in the mesh reach the proxy ${list(labels)} only through a ServiceEntry (render format istio); the endpoint does not change, so the ServiceEntry in place stays valid.`;
    }
    const named = endpoints.filter((e) => e.ip === null).map((e) => e.host);
    if (named.length > 0 && !(cluster?.network?.proxyAddresses?.length)) {
      message += ` The proxy ${list([...new Set(named)])} is given by host name: add its IP addresses to the cluster's network.proxyAddresses so that the ServiceEntry can list them.`;
    }
    findings.push({ code: 'ISTIO_SERVICE_ENTRY_NEEDED', severity: 'warning', pointer: '', message });
  }
  if (addons.monitoring === true && typeof next.trustedCa === 'string' && next.trustedCa !== '') {
    findings.push({
      code: 'MONITORING_TRUSTED_CA',
      severity: 'warning',
      pointer: pointers.trustedCa ?? '/trustedCa',
      message:
        'The cluster runs the monitoring add-on, and this config sets trustedCa: AKS does not support the add-on\'s custom metrics and recommended alerts through a proxy that needs a trusted CA, so they stop working without an error. Leave trustedCa out if the proxy does not intercept TLS, or alert on the cluster some other way.',
    });
  }
  return findings;
}
