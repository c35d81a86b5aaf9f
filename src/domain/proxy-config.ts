import { createHash } from 'node:crypto';

/**
 * The fields of an AKS `httpProxyConfig` as the `az aks --http-proxy-config` file holds them.
 * A normalized config has canonical key names, canonical URLs (`scheme://host:port/`), a trimmed,
 * lower-cased, de-duplicated `noProxy` in the order given, and `trustedCa` re-encoded canonically. Absent fields are absent
 * (never `undefined` values, never empty strings or arrays).
 *
 * `enabled` (SPEC.md "Turning the proxy off and on"): absent means `true`, so a normalized config only ever holds
 * `enabled: false`; `enabled: true` normalizes to absent and the content hash of a config that never named it does
 * not change.
 */
export interface ProxyConfig {
  httpProxy?: string;
  httpsProxy?: string;
  noProxy?: string[];
  trustedCa?: string;
  /** Only ever `false` in a normalized config: the saved config is kept but AKS stops applying it. */
  enabled?: boolean;
}

/** The canonical key names, in the order every canonical rendering uses (`enabled` last, so old hashes hold). */
export const PROXY_CONFIG_FIELDS = ['httpProxy', 'httpsProxy', 'noProxy', 'trustedCa', 'enabled'] as const;
export type ProxyConfigField = (typeof PROXY_CONFIG_FIELDS)[number];

/** Whether a config turns the proxy off (`enabled: false`); absent means on. */
export const isDisabled = (config: Pick<ProxyConfig, 'enabled'> | null | undefined): boolean => config?.enabled === false;

export type Severity = 'error' | 'warning' | 'info';

export type FindingCode =
  | 'CONFIG_WRAPPED'
  | 'UNKNOWN_FIELD'
  | 'FIELD_NAME_CASE'
  | 'FIELD_TYPE'
  | 'NO_PROXY_STRING'
  | 'PROXY_MISSING'
  | 'PROXY_URL_INVALID'
  | 'PROXY_URL_SCHEME'
  | 'PROXY_URL_CREDENTIALS'
  | 'PROXY_URL_PATH'
  | 'HTTPS_PROXY_DEFAULTED'
  | 'HTTPS_PROXY_TLS'
  | 'NO_PROXY_INVALID'
  | 'NO_PROXY_TRAILING_DOT'
  | 'NO_PROXY_WILDCARD'
  | 'NO_PROXY_ALL'
  | 'NO_PROXY_DUPLICATE'
  | 'NO_PROXY_CIDR'
  | 'NO_PROXY_PORT'
  | 'NO_PROXY_LEADING_DOT'
  | 'NO_PROXY_REDUNDANT'
  | 'TRUSTED_CA_BASE64'
  | 'TRUSTED_CA_NOT_ENCODED'
  | 'TRUSTED_CA_NOT_PEM'
  | 'TRUSTED_CA_PRIVATE_KEY'
  | 'TRUSTED_CA_PARSE'
  | 'TRUSTED_CA_TOO_MANY'
  | 'TRUSTED_CA_TOO_LARGE'
  | 'TRUSTED_CA_NO_SAN'
  | 'TRUSTED_CA_EXPIRED'
  | 'TRUSTED_CA_NOT_YET_VALID'
  | 'TRUSTED_CA_EXPIRING'
  | 'TRUSTED_CA_NOT_CA'
  | 'TRUSTED_CA_WEAK_SIGNATURE'
  | 'TRUSTED_CA_WEAK_KEY'
  | 'CLUSTER_WINDOWS_NODE_POOL'
  | 'CLUSTER_VMAS_NODE_POOL'
  | 'UPDATE_REIMAGES_NODES'
  | 'PROXY_ENDPOINT_CHANGED'
  | 'PROXY_DISABLED'
  | 'DRIFT'
  | 'ISTIO_SERVICE_ENTRY_NEEDED'
  | 'MONITORING_TRUSTED_CA';

/** One problem or hint about a config. `pointer` is an RFC 6901 pointer into the submitted config, or "". */
export interface Finding {
  code: FindingCode;
  severity: Severity;
  pointer: string;
  message: string;
}

/** What the service tells about each CA certificate of `trustedCa`. */
export interface CertificateDescription {
  subject: string;
  issuer: string;
  serialNumber: string;
  notBefore: string; // RFC 3339 UTC
  notAfter: string; // RFC 3339 UTC
  sha256Fingerprint: string; // lower-case hex, no separators
  subjectAltNames: string[]; // e.g. "DNS:proxy.corp.example", "IP:10.0.0.1"
  isCA: boolean;
  keyAlgorithm: string; // "RSA" | "EC" | "Ed25519" | ...
  keySize: number | null; // RSA modulus bits, EC curve bits
  signatureAlgorithm: string; // e.g. "sha256WithRSAEncryption", "ecdsa-with-SHA256"
}

export interface NodePool {
  name: string;
  osType: 'Linux' | 'Windows';
  type: 'VirtualMachineScaleSets' | 'AvailabilitySet';
}

export interface ClusterNetwork {
  serviceCidr?: string;
  podCidr?: string;
  nodeSubnetCidrs?: string[];
  apiServerFqdn?: string;
  /**
   * The IP addresses behind the proxy host names (at most 16, canonical IPv4 or RFC 5952 IPv6): what the Istio
   * ServiceEntry lists for a proxy given by host name.
   */
  proxyAddresses?: string[];
}

/** The AKS add-ons the proxy rules care about (both false when unknown). */
export interface ClusterAddons {
  /** The Istio-based service mesh add-on: meshed pods reach the proxy only through a ServiceEntry. */
  istio: boolean;
  /** The monitoring add-on (Container insights): custom metrics and recommended alerts fail behind a proxy with trustedCa. */
  monitoring: boolean;
}

export const NO_ADDONS: Readonly<ClusterAddons> = Object.freeze({ istio: false, monitoring: false });

/** What the cluster rules need to know about the cluster a config is meant for. */
export interface ClusterContext {
  name: string;
  nodePools: NodePool[];
  network?: ClusterNetwork | null;
  /** The add-ons the cluster runs; absent means none. */
  addons?: ClusterAddons | null;
  /** The normalized config of the cluster's current (newest approved) version, if any. */
  currentConfig?: ProxyConfig | null;
}

export interface ValidationResult {
  valid: boolean;
  findings: Finding[];
  /** Best-effort canonical config: every field that could be normalized. */
  normalized: ProxyConfig;
  certificates: CertificateDescription[];
}

export const isValid = (findings: readonly Finding[]): boolean => !findings.some((f) => f.severity === 'error');

/** Canonical JSON of a config: fixed key order, no whitespace, absent fields left out. */
export function canonicalJson(config: ProxyConfig): string {
  const ordered: Record<string, unknown> = {};
  for (const field of PROXY_CONFIG_FIELDS) {
    if (config[field] !== undefined) ordered[field] = config[field];
  }
  return JSON.stringify(ordered);
}

/** sha256 (lower-case hex) of the canonical JSON of a normalized config. */
export function contentHash(config: ProxyConfig): string {
  return createHash('sha256').update(canonicalJson(config)).digest('hex');
}

/** RFC 6901 pointer for a path of keys/indexes. */
export function pointer(...path: (string | number)[]): string {
  let out = '';
  for (const part of path) {
    const text = String(part);
    // escaping only where there is something to escape (field names and indexes have nothing)
    out += '/' + (text.includes('~') || text.includes('/') ? text.replace(/~/g, '~0').replace(/\//g, '~1') : text);
  }
  return out;
}
