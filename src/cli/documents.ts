import { AKS_ALWAYS_NO_PROXY, aksNetworkNoProxy } from '../domain/aks';
import { type ClusterContext, type ClusterNetwork, type Finding, type NodePool, type ProxyConfig } from '../domain/proxy-config';
import { InputError, type JsonDocument } from './input';

/**
 * What kind of document a file is, and where its proxy config sits in it. The CLI file (`az aks
 * --http-proxy-config`) is the config itself; an ARM fragment or managedClusters resource holds it under
 * `properties.httpProxyConfig`; the output of `az aks show` holds it at the top level, next to `fqdn`,
 * `provisioningState` and `networkProfile` (as API.md's observations read it).
 */
export type DocumentKind = 'cli' | 'arm' | 'arm-template' | 'az-show';

export interface ConfigDocument {
  kind: DocumentKind;
  /** For people: "CLI file", "ARM managedClusters resource", ... */
  label: string;
  /** The config as the file holds it (any JSON value). */
  config: unknown;
  /** Pointer of the config inside the file ("" for a CLI file): every finding's pointer is prefixed with it. */
  at: string;
  /** Pointers (relative to the config) whose findings are left out: the noProxy entries AKS added itself. */
  ignore: ReadonlySet<string>;
}

const NONE: ReadonlySet<string> = new Set();

const AZ_SHOW_KEYS = ['fqdn', 'privateFqdn', 'provisioningState', 'networkProfile', 'agentPoolProfiles', 'kubernetesVersion'];

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const has = (o: Record<string, unknown>, key: string): boolean => Object.prototype.hasOwnProperty.call(o, key);

/**
 * The configs of a document: one, or one per managedClusters resource of an ARM template. Throws InputError when
 * the document holds no config.
 */
export function configDocuments(doc: JsonDocument, forced: DocumentKind | 'auto' = 'auto'): ConfigDocument[] {
  const kind = forced === 'auto' ? detect(doc.value) : forced;
  return kind === 'arm-template' ? templateConfigs(doc) : [configDocument(doc, kind)];
}

/** The one config of a document (explain, render and diff take one). */
export function singleConfig(doc: JsonDocument, forced: DocumentKind | 'auto' = 'auto'): ConfigDocument {
  const configs = configDocuments(doc, forced);
  if (configs.length !== 1) {
    throw new InputError(`${doc.name}: an ARM template with ${configs.length} managedClusters resources holding an httpProxyConfig; this command takes one config (use validate for all of them).`);
  }
  return configs[0]!;
}

const isManagedCluster = (r: unknown): r is Record<string, unknown> & { properties: Record<string, unknown> } =>
  isObject(r) && typeof r.type === 'string' && /^Microsoft\.ContainerService\/managedClusters$/i.test(r.type) && isObject(r.properties);

/** Every managedClusters resource of an ARM template (JSON, as `az bicep build` writes it too) with an httpProxyConfig. */
function templateConfigs(doc: JsonDocument): ConfigDocument[] {
  const root = doc.value;
  const resources: unknown = isObject(root) ? root.resources : undefined;
  // languageVersion 2.0 templates hold resources as an object keyed by symbolic name.
  const entries: [string, unknown][] = Array.isArray(resources)
    ? resources.map((r, i) => [String(i), r])
    : isObject(resources)
      ? Object.entries(resources)
      : [];
  const configs: ConfigDocument[] = [];
  for (const [key, resource] of entries) {
    if (!isManagedCluster(resource) || !has(resource.properties, 'httpProxyConfig')) continue;
    const at = `/resources/${key.replace(/~/g, '~0').replace(/\//g, '~1')}/properties/httpProxyConfig`;
    const config = resource.properties.httpProxyConfig;
    if (typeof config === 'string' && config.startsWith('[')) {
      process.stderr.write(`${doc.name}: ${at} is the template expression ${config.slice(0, 80)}, which only a deployment evaluates; not validated.\n`);
      continue;
    }
    const name = typeof resource.name === 'string' ? ` ${resource.name}` : '';
    configs.push({ kind: 'arm-template', label: `ARM template, managedClusters resource${name} (${at.slice(1).replace(/\//g, '.')})`, config, at, ignore: NONE });
  }
  if (configs.length === 0) {
    throw new InputError(`${doc.name}: an ARM template without a managedClusters resource whose properties hold an httpProxyConfig object.`);
  }
  return configs;
}

/** One config of a document of the given kind (not a template). */
function configDocument(doc: JsonDocument, kind: Exclude<DocumentKind, 'arm-template'>): ConfigDocument {
  const root = doc.value;
  if (kind === 'cli') return { kind, label: 'CLI file (az aks --http-proxy-config)', config: root, at: '', ignore: NONE };
  if (kind === 'arm') {
    const properties = isObject(root) ? root.properties : undefined;
    if (!isObject(properties) || !has(properties, 'httpProxyConfig')) {
      throw new InputError(`${doc.name}: not an ARM fragment with properties.httpProxyConfig.`);
    }
    const type = isObject(root) && typeof root.type === 'string' ? root.type : '';
    const label = /\/managedClusters$/i.test(type) ? 'ARM managedClusters resource' : 'ARM fragment';
    return { kind, label: `${label} (properties.httpProxyConfig)`, config: properties.httpProxyConfig, at: '/properties/httpProxyConfig', ignore: NONE };
  }
  // az aks show: the config at the top level; a cluster without one shows null.
  const config = isObject(root) ? root.httpProxyConfig : undefined;
  if (config === undefined || config === null) {
    throw new InputError(`${doc.name}: an az aks show output whose httpProxyConfig is ${config === null ? 'null' : 'absent'}: the cluster has no proxy config to validate.`);
  }
  return { kind, label: 'az aks show output (httpProxyConfig)', ...liveConfig(root as Record<string, unknown>, config), at: '/httpProxyConfig' };
}

/**
 * The config a live cluster shows, judged as what the user wrote: az aks show prints unset fields as null and the
 * read-only `effectiveNoProxy` (preview APIs), which no CLI file holds, so both are left out; and `noProxy` holds
 * the entries AKS added itself (SPEC.md "What a live cluster shows"), whose findings are left out too.
 */
function liveConfig(root: Record<string, unknown>, config: unknown): { config: unknown; ignore: ReadonlySet<string> } {
  if (!isObject(config)) return { config, ignore: NONE };
  const kept: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    if (value === null || key.toLowerCase() === 'effectivenoproxy') continue;
    kept[key] = value;
  }
  const ignore = new Set<string>();
  const net = isObject(root.networkProfile) ? root.networkProfile : {};
  const network: ClusterNetwork = { serviceCidr: str(net.serviceCidr), podCidr: str(net.podCidr), apiServerFqdn: str(root.fqdn) ?? str(root.privateFqdn) };
  const added = new Set([...AKS_ALWAYS_NO_PROXY, ...aksNetworkNoProxy(network)].map((e) => e.toLowerCase()));
  if (Array.isArray(kept.noProxy)) {
    kept.noProxy.forEach((entry: unknown, i: number) => {
      if (typeof entry === 'string' && added.has(entry.trim().toLowerCase())) ignore.add(`/noProxy/${i}`);
    });
  }
  return { config: kept, ignore };
}

/** The findings of a document, without those it ignores, with pointers into the file; `valid` judged on them. */
export function documentFindings<T extends { valid: boolean; findings: Finding[] }>(answer: T, doc: ConfigDocument): T {
  const findings = answer.findings.filter((f) => !doc.ignore.has(f.pointer)).map((f) => inFile(f, doc.at));
  const valid = doc.ignore.size === 0 ? answer.valid : !findings.some((f) => f.severity === 'error');
  return { ...answer, valid, findings };
}

function detect(root: unknown): DocumentKind {
  if (!isObject(root)) return 'cli';
  if (has(root, 'resources') && (has(root, '$schema') || has(root, 'contentVersion'))) return 'arm-template';
  if (AZ_SHOW_KEYS.some((k) => has(root, k))) return 'az-show';
  if (isObject(root.properties) && has(root.properties, 'httpProxyConfig')) return 'arm';
  // Anything else, {"httpProxyConfig": {...}} included, is meant as the CLI file (the domain reports the wrapper).
  return 'cli';
}

/** A finding of the config, with its pointer into the file as given. */
export function inFile(finding: Finding, at: string): Finding {
  return at === '' ? finding : { ...finding, pointer: at + finding.pointer };
}

/** Cluster facts from the command line and/or an `az aks show` output (`--cluster-file`). */
export interface ClusterFacts {
  windowsPool?: string[];
  vmasPool?: string[];
  serviceCidr?: string;
  podCidr?: string;
  nodeSubnetCidr?: string[];
  apiServerFqdn?: string;
  istio?: boolean;
  monitoring?: boolean;
}

/** The cluster's add-ons (API.md: cluster facts for validation; the domain reads them when it knows add-on rules). */
export interface ClusterAddonFacts {
  istio: boolean;
  monitoring: boolean;
}
export type CliClusterContext = ClusterContext & { addons?: ClusterAddonFacts | null };

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/**
 * The cluster an `az aks show` output (or the ARM REST shape, with everything under `properties`) describes: its
 * node pools, its network, and its current proxy config, without the entries AKS added to `noProxy` itself (so that
 * the impact findings compare what the user wrote). `normalize` is validation's normalization.
 */
export function clusterFromAzShow(
  name: string,
  root: unknown,
  normalize: (config: unknown) => ProxyConfig,
  withCurrentConfig: boolean,
): CliClusterContext {
  if (!isObject(root)) throw new InputError(`${name}: the cluster file must be the JSON object az aks show prints.`);
  const props = isObject(root.properties) && !has(root, 'agentPoolProfiles') ? root.properties : root;
  const nodePools: NodePool[] = [];
  const pools = Array.isArray(props.agentPoolProfiles) ? props.agentPoolProfiles : [];
  pools.forEach((p: unknown, i: number) => {
    if (!isObject(p)) return;
    nodePools.push({
      name: str(p.name) ?? `pool${i}`,
      osType: str(p.osType)?.toLowerCase() === 'windows' ? 'Windows' : 'Linux',
      type: str(p.type)?.toLowerCase() === 'availabilityset' ? 'AvailabilitySet' : 'VirtualMachineScaleSets',
    });
  });
  const net = isObject(props.networkProfile) ? props.networkProfile : {};
  const network: ClusterNetwork = {};
  const serviceCidr = str(net.serviceCidr);
  const podCidr = str(net.podCidr);
  const fqdn = str(props.fqdn) ?? str(props.privateFqdn);
  if (serviceCidr) network.serviceCidr = serviceCidr;
  if (podCidr) network.podCidr = podCidr;
  if (fqdn) network.apiServerFqdn = fqdn;
  let currentConfig: ProxyConfig | null = null;
  if (withCurrentConfig && isObject(props.httpProxyConfig)) {
    currentConfig = normalize(props.httpProxyConfig);
    if (currentConfig.noProxy) {
      const added = new Set([...AKS_ALWAYS_NO_PROXY, ...aksNetworkNoProxy(network)].map((e) => e.toLowerCase()));
      const mine = currentConfig.noProxy.filter((e) => !added.has(e.toLowerCase()));
      currentConfig = { ...currentConfig, noProxy: mine };
      if (mine.length === 0) delete currentConfig.noProxy;
    }
  }
  const addonProfiles = isObject(props.addonProfiles) ? props.addonProfiles : {};
  const monitoring = Object.entries(addonProfiles).some(([k, v]) => k.toLowerCase() === 'omsagent' && isObject(v) && v.enabled === true);
  const mesh = isObject(props.serviceMeshProfile) ? props.serviceMeshProfile : {};
  const istio = typeof mesh.mode === 'string' && mesh.mode.toLowerCase() === 'istio';
  const context: CliClusterContext = { name: str(root.name) ?? 'cluster', nodePools, network, currentConfig, addons: { istio, monitoring } };
  return context;
}

/** Adds the command-line facts to a cluster context (or makes one). Null when there are no facts at all. */
export function withFacts(base: CliClusterContext | null, facts: ClusterFacts): CliClusterContext | null {
  const given =
    (facts.windowsPool?.length ?? 0) > 0 ||
    (facts.vmasPool?.length ?? 0) > 0 ||
    facts.serviceCidr !== undefined ||
    facts.podCidr !== undefined ||
    (facts.nodeSubnetCidr?.length ?? 0) > 0 ||
    facts.apiServerFqdn !== undefined ||
    facts.istio === true ||
    facts.monitoring === true;
  if (!given) return base;
  const context: CliClusterContext = base
    ? { ...base, nodePools: [...base.nodePools], network: { ...(base.network ?? {}) } }
    : { name: 'cluster', nodePools: [], network: {}, currentConfig: null };
  if (facts.istio || facts.monitoring) {
    const addons = base?.addons ?? { istio: false, monitoring: false };
    context.addons = { istio: addons.istio || facts.istio === true, monitoring: addons.monitoring || facts.monitoring === true };
  }
  for (const name of facts.windowsPool ?? []) context.nodePools.push({ name, osType: 'Windows', type: 'VirtualMachineScaleSets' });
  for (const name of facts.vmasPool ?? []) context.nodePools.push({ name, osType: 'Linux', type: 'AvailabilitySet' });
  const network = context.network!;
  if (facts.serviceCidr) network.serviceCidr = facts.serviceCidr;
  if (facts.podCidr) network.podCidr = facts.podCidr;
  if (facts.apiServerFqdn) network.apiServerFqdn = facts.apiServerFqdn;
  if (facts.nodeSubnetCidr?.length) network.nodeSubnetCidrs = [...(network.nodeSubnetCidrs ?? []), ...facts.nodeSubnetCidr];
  return context;
}
