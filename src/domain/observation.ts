import { AKS_ALWAYS_NO_PROXY, aksNetworkNoProxy } from './aks';
import { isDisabled, pointer, type CertificateDescription, type ClusterNetwork, type Finding, type ProxyConfig } from './proxy-config';
import { holdsKeyMaterial, safeName } from './redact';
import { canonicalNoProxyEntry } from './validate/no-proxy';
import { validateTrustedCa } from './validate/trusted-ca';
import { normalizeProxyUrl } from './validate/urls';
import { finding, isPlainObject, show } from './validate/util';

/**
 * What a live cluster holds (SPEC.md "What a live cluster shows"), read from the JSON of `az aks show` (flat:
 * `httpProxyConfig`, `fqdn`, `provisioningState`, `networkProfile` at the top level), the ARM REST shape (the same
 * under `properties`) or `{ "httpProxyConfig": {...} }`, and compared with the approved version: the entries AKS adds
 * to `noProxy` by itself are taken away first, `noProxy` and the certificates are compared as sets (certificates by
 * SHA-256 fingerprint; nodes strip newlines from `trustedCa`, so a line-wrapped bundle is the same bundle). Pure.
 */

export type DeploymentState = 'in-sync' | 'drifted' | 'no-approved-version' | 'not-configured';
export const DEPLOYMENT_STATES: readonly DeploymentState[] = ['in-sync', 'drifted', 'no-approved-version', 'not-configured'];

/** A certificate the cluster holds, as kept with an observation (never the certificate or bundle text). */
export interface ObservedCertificate {
  subject: string;
  sha256Fingerprint: string;
  notAfter: string;
}

/** The cluster's httpProxyConfig as compared: what is stored with the observation. Never holds key material. */
export interface ObservedProxyConfig {
  httpProxy: string | null;
  httpsProxy: string | null;
  /** The cluster's noProxy entries without those AKS adds by itself (canonical, sorted). */
  noProxy: string[];
  /** The entries taken away as added by AKS (canonical, sorted). */
  aksAdded: string[];
  certificates: ObservedCertificate[];
  /** The cluster's trustedCa was set but held no readable certificate. */
  trustedCaUnreadable: boolean;
  enabled: boolean;
}

/** What the document says about the cluster, beside its httpProxyConfig. */
export interface ObservedFacts {
  provisioningState: string | null;
  fqdns: string[];
  serviceCidrs: string[];
  podCidrs: string[];
}

export type ObservationReading =
  | { kind: 'unrecognised'; reason: string }
  | { kind: 'not-configured'; facts: ObservedFacts }
  | { kind: 'configured'; facts: ObservedFacts; httpProxyConfig: Record<string, unknown> };

const MARKERS = ['httpproxyconfig', 'provisioningstate', 'networkprofile'];

/** The value of a key matched case-insensitively (az and ARM write camelCase; be lenient about case). */
function member(obj: Record<string, unknown>, name: string): unknown {
  if (Object.prototype.hasOwnProperty.call(obj, name)) return obj[name];
  const lower = name.toLowerCase();
  for (const key of Object.keys(obj)) if (key.toLowerCase() === lower) return obj[key];
  return undefined;
}

const hasMarker = (obj: Record<string, unknown>): boolean => Object.keys(obj).some((k) => MARKERS.includes(k.toLowerCase()));

const strings = (value: unknown): string[] =>
  typeof value === 'string' && value.trim() !== ''
    ? [value.trim()]
    : Array.isArray(value)
      ? value.filter((v): v is string => typeof v === 'string' && v.trim() !== '').map((v) => v.trim())
      : [];

/**
 * Recognises an observation document. Recognised when an `httpProxyConfig`, `provisioningState` or `networkProfile`
 * key sits at the top level or under `properties`; a recognised one whose `httpProxyConfig` is null or absent is
 * `not-configured`. A `httpProxyConfig` that is neither an object nor null makes the document unrecognised.
 */
export function readObservation(body: unknown): ObservationReading {
  if (!isPlainObject(body)) {
    return { kind: 'unrecognised', reason: 'The body must be a JSON object: the output of az aks show, or {"httpProxyConfig": {...}}.' };
  }
  const levels: Record<string, unknown>[] = [body];
  const properties = member(body, 'properties');
  if (isPlainObject(properties)) levels.push(properties);
  if (!levels.some(hasMarker)) {
    return {
      kind: 'unrecognised',
      reason:
        'The body is neither the output of az aks show (nor the ARM resource) nor {"httpProxyConfig": {...}}: it has no httpProxyConfig, provisioningState or networkProfile, at the top level or under properties.',
    };
  }
  const pick = (name: string): unknown => {
    for (const level of levels) {
      const v = member(level, name);
      if (v !== undefined && v !== null) return v;
    }
    return undefined;
  };
  const network = pick('networkProfile');
  const net = isPlainObject(network) ? network : {};
  const facts: ObservedFacts = {
    provisioningState: typeof pick('provisioningState') === 'string' ? (pick('provisioningState') as string) : null,
    fqdns: [...strings(pick('fqdn')), ...strings(pick('privateFqdn'))],
    serviceCidrs: [...strings(member(net, 'serviceCidr')), ...strings(member(net, 'serviceCidrs'))],
    podCidrs: [...strings(member(net, 'podCidr')), ...strings(member(net, 'podCidrs'))],
  };
  const config = pick('httpProxyConfig');
  if (config === undefined) return { kind: 'not-configured', facts };
  if (!isPlainObject(config)) {
    return { kind: 'unrecognised', reason: 'httpProxyConfig must be an object (or null when the cluster has no HTTP proxy).' };
  }
  return { kind: 'configured', facts, httpProxyConfig: config };
}

/** The entries AKS adds to noProxy by itself, from the stored network and what the document shows (canonical). */
export function aksAddedEntries(network: ClusterNetwork | null | undefined, facts: ObservedFacts): Set<string> {
  const out = new Set<string>();
  let stored: string[] = [];
  try {
    stored = aksNetworkNoProxy(network);
  } catch {
    stored = [];
  }
  for (const raw of [...AKS_ALWAYS_NO_PROXY, ...stored, ...facts.fqdns, ...facts.serviceCidrs, ...facts.podCidrs]) {
    if (typeof raw !== 'string') continue;
    out.add(canonicalNoProxyEntry(raw) ?? raw.trim().toLowerCase());
  }
  return out;
}

/** A `BAD_REQUEST`-worthy problem with the observed httpProxyConfig, or the config as compared. */
export type ObservedConfigResult = { ok: true; observed: ObservedProxyConfig } | { ok: false; reason: string };

const optionalString = (v: unknown): v is string | null | undefined => v === undefined || v === null || typeof v === 'string';

/**
 * Reads an observed httpProxyConfig (key case does not count) into the form compared with the approved config.
 * `now` is only used to read the certificates (validity does not matter to the comparison).
 */
export function observedConfig(
  config: Record<string, unknown>,
  network: ClusterNetwork | null | undefined,
  facts: ObservedFacts,
  now: Date,
): ObservedConfigResult {
  const httpProxy = member(config, 'httpProxy');
  const httpsProxy = member(config, 'httpsProxy');
  const noProxy = member(config, 'noProxy');
  const trustedCa = member(config, 'trustedCa');
  const enabled = member(config, 'enabled');
  if (!optionalString(httpProxy) || !optionalString(httpsProxy) || !optionalString(trustedCa)) {
    return { ok: false, reason: 'httpProxyConfig.httpProxy, httpsProxy and trustedCa must be strings or null, as az aks show prints them.' };
  }
  if (noProxy !== undefined && noProxy !== null && !(Array.isArray(noProxy) && noProxy.every((e) => typeof e === 'string'))) {
    return { ok: false, reason: 'httpProxyConfig.noProxy must be an array of strings or null, as az aks show prints it.' };
  }
  if (enabled !== undefined && enabled !== null && typeof enabled !== 'boolean') {
    return { ok: false, reason: 'httpProxyConfig.enabled must be a boolean or null, as az aks show prints it.' };
  }
  const url = (v: string | null | undefined): string | null => {
    if (v === undefined || v === null || v.trim() === '') return null;
    return normalizeProxyUrl(v.trim()) ?? v.trim();
  };
  const added = aksAddedEntries(network, facts);
  const user = new Set<string>();
  const aks = new Set<string>();
  for (const raw of (noProxy as string[] | null | undefined) ?? []) {
    if (raw.trim() === '') continue;
    const entry = canonicalNoProxyEntry(raw) ?? raw.trim().toLowerCase();
    if (added.has(entry)) aks.add(entry);
    else user.add(entry);
  }
  let certificates: ObservedCertificate[] = [];
  let unreadable = false;
  if (typeof trustedCa === 'string' && trustedCa.trim() !== '') {
    const ca = validateTrustedCa(trustedCa.trim(), '/trustedCa', now);
    certificates = ca.certificates.map((c) => ({ subject: c.subject, sha256Fingerprint: c.sha256Fingerprint.toLowerCase(), notAfter: c.notAfter }));
    unreadable = certificates.length === 0;
  }
  const sorted = (s: Set<string>) => [...s].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    ok: true,
    observed: {
      httpProxy: url(httpProxy),
      httpsProxy: url(httpsProxy),
      // An entry that holds key material is never kept or echoed: it still counts, under a withheld name.
      noProxy: sorted(user).map((e) => (holdsKeyMaterial(e) ? safeName(e) : e)),
      aksAdded: sorted(aks),
      certificates,
      trustedCaUnreadable: unreadable,
      enabled: enabled !== false,
    },
  };
}

/** The approved version an observation is compared with. */
export interface ApprovedVersion {
  version: number;
  config: ProxyConfig;
  certificates: CertificateDescription[];
}

const certName = (c: { subject: string; sha256Fingerprint: string }): string =>
  `${show(c.subject)} (SHA-256 ${c.sha256Fingerprint.toLowerCase().slice(0, 16)}…)`;

/**
 * The differences between what the cluster holds and the approved version: one DRIFT finding per difference, saying
 * what the cluster holds and what was approved, with a pointer into the approved (normalized) config, or `/noProxy`
 * / `/trustedCa` for an entry or certificate only the cluster holds (`""` for a URL only the cluster sets). Entries AKS
 * adds by itself are not differences, and neither are the order of entries or certificates.
 */
export function compareWithApproved(observed: ObservedProxyConfig, approved: ApprovedVersion, network?: ClusterNetwork | null, facts?: ObservedFacts): Finding[] {
  const v = `version ${approved.version}`;
  const config = approved.config;
  const findings: Finding[] = [];
  const drift = (p: string, message: string) => findings.push(finding('DRIFT', p, message));

  for (const field of ['httpProxy', 'httpsProxy'] as const) {
    const want = config[field] ?? null;
    const have = observed[field];
    if (want === have) continue;
    if (want === null) {
      drift('', `The cluster's ${field} is ${show(have!)}, but ${v} approved none.`);
    } else if (have === null) {
      drift(pointer(field), `The cluster has no ${field}, but ${v} approved ${show(want)}.`);
    } else {
      drift(pointer(field), `The cluster's ${field} is ${show(have)}, but ${v} approved ${show(want)}.`);
    }
  }

  // noProxy as sets, without what AKS adds (on both sides: an approved entry AKS adds anyway is no difference).
  const added = aksAddedEntries(network, facts ?? { provisioningState: null, fqdns: [], serviceCidrs: [], podCidrs: [] });
  const approvedEntries = config.noProxy ?? [];
  const have = new Set(observed.noProxy);
  const wantKeys = new Set<string>();
  approvedEntries.forEach((raw, i) => {
    const entry = canonicalNoProxyEntry(raw) ?? raw.trim().toLowerCase();
    wantKeys.add(entry);
    if (added.has(entry) || have.has(entry)) return;
    drift(pointer('noProxy', i), `The cluster's noProxy lacks ${show(raw)}, which ${v} approved.`);
  });
  for (const entry of observed.noProxy) {
    if (wantKeys.has(entry)) continue;
    const hint = /\/\d+$/.test(entry)
      ? ' If it is a node subnet, add it to the cluster\'s network.nodeSubnetCidrs (AKS adds those by itself).'
      : '';
    drift('/noProxy', `The cluster's noProxy holds ${show(entry)}, which ${v} does not.${hint}`);
  }

  // Certificates as sets, by fingerprint.
  const approvedCerts = config.trustedCa ? approved.certificates : [];
  const haveFp = new Set(observed.certificates.map((c) => c.sha256Fingerprint));
  const wantFp = new Set(approvedCerts.map((c) => c.sha256Fingerprint.toLowerCase()));
  if (observed.trustedCaUnreadable) {
    drift('/trustedCa', `The cluster's trustedCa holds no readable certificate, but ${v} approved ${approvedCerts.length === 0 ? 'none' : `${approvedCerts.length}`}.`);
  }
  for (const cert of approvedCerts) {
    if (haveFp.has(cert.sha256Fingerprint.toLowerCase())) continue;
    drift('/trustedCa', `The cluster's trustedCa lacks the certificate ${certName(cert)}, which ${v} approved.`);
  }
  const seen = new Set<string>();
  for (const cert of observed.certificates) {
    if (wantFp.has(cert.sha256Fingerprint) || seen.has(cert.sha256Fingerprint)) continue;
    seen.add(cert.sha256Fingerprint);
    drift('/trustedCa', `The cluster's trustedCa holds the certificate ${certName(cert)}, which ${v} does not.`);
  }

  const wantEnabled = !isDisabled(config);
  if (observed.enabled !== wantEnabled) {
    drift(
      wantEnabled ? '' : pointer('enabled'),
      wantEnabled
        ? `The cluster's HTTP proxy is turned off (enabled: false), but ${v} approved it on; run az aks update --enable-http-proxy or apply ${v} again.`
        : `The cluster's HTTP proxy is on, but ${v} approved it turned off (enabled: false).`,
    );
  }
  return findings;
}

export interface ObservationOutcome {
  state: DeploymentState;
  /** The approved version compared with, or null when there is none. */
  version: number | null;
  differences: Finding[];
  /** What was compared (null when the cluster has no proxy). */
  observed: ObservedProxyConfig | null;
  facts: ObservedFacts;
}

/**
 * The whole observation: `not-configured` first (no httpProxyConfig, or one without any proxy URL), then `no-approved-version`, then `in-sync` or
 * `drifted`. Returns a reason for 400 when the body is no observation document.
 */
export function observe(
  body: unknown,
  approved: ApprovedVersion | null,
  network: ClusterNetwork | null | undefined,
  now: Date,
): { ok: true; outcome: ObservationOutcome } | { ok: false; reason: string } {
  const reading = readObservation(body);
  if (reading.kind === 'unrecognised') return { ok: false, reason: reading.reason };
  const version = approved?.version ?? null;
  if (reading.kind === 'not-configured') {
    return { ok: true, outcome: { state: 'not-configured', version, differences: [], observed: null, facts: reading.facts } };
  }
  const read = observedConfig(reading.httpProxyConfig, network, reading.facts, now);
  if (!read.ok) return { ok: false, reason: read.reason };
  // An httpProxyConfig with neither proxy URL (every field null) is no proxy either: AKS requires one of them.
  if (read.observed.httpProxy === null && read.observed.httpsProxy === null) {
    return { ok: true, outcome: { state: 'not-configured', version, differences: [], observed: null, facts: reading.facts } };
  }
  if (!approved) {
    return { ok: true, outcome: { state: 'no-approved-version', version: null, differences: [], observed: read.observed, facts: reading.facts } };
  }
  const differences = compareWithApproved(read.observed, approved, network, reading.facts);
  return {
    ok: true,
    outcome: {
      state: differences.length === 0 ? 'in-sync' : 'drifted',
      version,
      differences,
      observed: read.observed,
      facts: reading.facts,
    },
  };
}
