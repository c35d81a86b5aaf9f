import type { ClusterNetwork, NodePool } from './proxy-config';

/** AKS facts in one place (SPEC.md). */

/** At most this many CA certificates in `trustedCa`. */
export const MAX_TRUSTED_CA_CERTIFICATES = 20;

/** At most this many bytes of `trustedCa` (the base64 text as submitted) for new clusters: 35 KB. */
export const MAX_TRUSTED_CA_BYTES = 35 * 1024;

/** A certificate that expires within this many days gets a warning. */
export const TRUSTED_CA_EXPIRING_DAYS = 30;

/** RSA keys shorter than this are weak. */
export const MIN_RSA_KEY_BITS = 2048;

/** What AKS always adds to NO_PROXY, whatever the cluster (SPEC.md "What AKS adds to noProxy by itself"). */
export const AKS_ALWAYS_NO_PROXY: readonly string[] = [
  'localhost',
  '127.0.0.1',
  '169.254.169.254', // IMDS
  '168.63.129.16', // Azure DNS / wireserver
  'konnectivity',
];

/** The pod annotation that keeps AKS from injecting the proxy variables. */
export const NO_PROXY_VARS_ANNOTATION = 'kubernetes.azure.com/no-http-proxy-vars';

/** What AKS adds for this cluster's network, when it is known. */
export function aksNetworkNoProxy(network?: ClusterNetwork | null): string[] {
  if (!network) return [];
  const out: string[] = [];
  if (network.apiServerFqdn) out.push(network.apiServerFqdn.toLowerCase());
  if (network.serviceCidr) out.push(network.serviceCidr);
  if (network.podCidr) out.push(network.podCidr);
  for (const cidr of network.nodeSubnetCidrs ?? []) out.push(cidr);
  return out;
}

/**
 * The NO_PROXY list the cluster's pods and nodes really get: the config's entries first (in order), then what
 * AKS adds, without duplicates (compared lower-cased).
 */
export function effectiveNoProxy(noProxy: readonly string[] | undefined, network?: ClusterNetwork | null): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const entry of [...(noProxy ?? []), ...AKS_ALWAYS_NO_PROXY, ...aksNetworkNoProxy(network)]) {
    const key = entry.trim().toLowerCase();
    if (key === '' || seen.has(key)) continue;
    seen.add(key);
    out.push(key);
  }
  return out;
}

export const isWindowsPool = (pool: NodePool): boolean => pool.osType === 'Windows';
export const isAvailabilitySetPool = (pool: NodePool): boolean => pool.type === 'AvailabilitySet';
