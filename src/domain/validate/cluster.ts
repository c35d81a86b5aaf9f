import { addonFindings } from '../addons';
import { isAvailabilitySetPool, isWindowsPool } from '../aks';
import { impactFindings, type ProxyPointers } from '../impact';
import type { ClusterContext, Finding, NodePool, ProxyConfig } from '../proxy-config';
import { append, finding, show } from './util';

/**
 * The rules that need the cluster (SPEC.md): no Windows and no Availability Set node pools (one finding per pool,
 * pointer ""), then what applying `normalized` over the cluster's current config does (impact.ts), then what the
 * cluster's add-ons need (addons.ts: the Istio ServiceEntry, the monitoring add-on's trusted-CA limit); `pointers`
 * says where the proxy URLs and trustedCa are in the submitted document.
 */
export function validateCluster(
  cluster: ClusterContext,
  normalized: ProxyConfig,
  pointers: ProxyPointers & { trustedCa?: string } = {},
): Finding[] {
  const findings = nodePoolFindings(cluster);
  append(findings, impactFindings(cluster.currentConfig ?? null, normalized, pointers));
  append(findings, addonFindings(cluster, cluster.currentConfig ?? null, normalized, pointers));
  return findings;
}

/**
 * The node pools the AKS HTTP proxy does not support (errors, pointer ""): checked on every submission and again when
 * a version is approved, since the cluster's pools may have changed while it waited.
 */
export function nodePoolFindings(cluster: Pick<ClusterContext, 'nodePools'>): Finding[] {
  const findings: Finding[] = [];
  const pools: unknown = cluster.nodePools;
  for (const pool of Array.isArray(pools) ? (pools as NodePool[]) : []) {
    if (typeof pool !== 'object' || pool === null) continue;
    const name = show(typeof pool.name === 'string' ? pool.name : '');
    if (isWindowsPool(pool)) {
      findings.push(
        finding(
          'CLUSTER_WINDOWS_NODE_POOL',
          '',
          `Node pool ${name} runs Windows, and AKS does not support an HTTP proxy on clusters with Windows node pools; move its workloads to Linux pools and delete it before applying this config.`,
        ),
      );
    }
    if (isAvailabilitySetPool(pool)) {
      findings.push(
        finding(
          'CLUSTER_VMAS_NODE_POOL',
          '',
          `Node pool ${name} is a Virtual Machine Availability Set pool, which the AKS HTTP proxy does not support; replace it with a Virtual Machine Scale Sets pool before applying this config.`,
        ),
      );
    }
  }
  return findings;
}
