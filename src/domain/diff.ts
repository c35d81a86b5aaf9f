import { isDeepStrictEqual } from 'node:util';
import { addonFindings } from './addons';
import { impactFindings } from './impact';
import { endpointSet } from './proxy-endpoints';
import {
  PROXY_CONFIG_FIELDS,
  pointer,
  type CertificateDescription,
  type ClusterContext,
  type Finding,
  type ProxyConfig,
} from './proxy-config';

/** One version of a cluster's config as the diff needs it. `config` is normalized. */
export interface VersionSnapshot {
  version: number;
  config: ProxyConfig;
  /** The descriptions of the certificates in `config.trustedCa` (empty when there is none). */
  certificates: CertificateDescription[];
}

/** The RFC 6902 operations a diff emits (only these three kinds). */
export type JsonPatchOperation =
  | { op: 'add'; path: string; value: unknown }
  | { op: 'replace'; path: string; value: unknown }
  | { op: 'remove'; path: string };

/** A proxy URL field whose value differs; `null` stands for "absent". */
export interface ProxyUrlChange {
  field: 'httpProxy' | 'httpsProxy';
  from: string | null;
  to: string | null;
}

export interface ConfigDiff {
  /** The version compared against, or null for "an empty config" (no earlier version). */
  from: number | null;
  to: number;
  changed: boolean;
  /** RFC 6902 operations that turn the `from` config into the `to` config, applied in order. */
  changes: JsonPatchOperation[];
  /** Entries compared as sets, each list sorted. */
  noProxy: { added: string[]; removed: string[] };
  /** Certificates compared by SHA-256 fingerprint. */
  trustedCa: { added: CertificateDescription[]; removed: CertificateDescription[] };
  /** What applying the `to` config over the `from` config does to the cluster. */
  impact: Finding[];
  /** The proxy URL fields that differ, in canonical field order (extra to API.md; used by the Markdown rendering). */
  proxies: ProxyUrlChange[];
  /**
   * Whether the proxy endpoints (host and port of HTTP_PROXY and HTTPS_PROXY) differ, a first config included (extra
   * to API.md; with the Istio add-on the ServiceEntry must change first, which the Markdown says in one line).
   */
  proxyEndpointChanged: boolean;
  /** One line for humans, e.g. `v3 → v4: httpsProxy http://a:8080/ → http://b:3128/; noProxy +2 −1`. */
  summary: string;
}

const MINUS = '\u2212';
const MAX_LCS_CELLS = 4_000_000;
const ARROW = '\u2192';

/** The config of a snapshot as a plain record (only defined values). */
function asRecord(config: ProxyConfig | null | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!config) return out;
  for (const [key, value] of Object.entries(config)) if (value !== undefined) out[key] = value;
  return out;
}

const isSortedUniqueStrings = (xs: readonly unknown[]): xs is readonly string[] =>
  xs.every((x, i) => typeof x === 'string' && (i === 0 || (xs[i - 1] as string) < x));

/** Which items of `a` and of `b` a longest common subsequence keeps (flags by index), and how many. */
interface Kept {
  fromA: Uint8Array;
  fromB: Uint8Array;
  count: number;
}

/**
 * Longest common subsequence of two arrays, as flags on the indexes it keeps. Two sorted, duplicate-free string
 * arrays (a normalized noProxy always is; `sortedSets`) have their intersection as LCS: a linear merge finds it.
 * Anything else takes the quadratic table.
 */
function lcsKept(a: readonly unknown[], b: readonly unknown[], sortedSets: boolean): Kept {
  const kept: Kept = { fromA: new Uint8Array(a.length), fromB: new Uint8Array(b.length), count: 0 };
  if (sortedSets) {
    for (let i = 0, j = 0; i < a.length && j < b.length; ) {
      if (a[i] === b[j]) {
        kept.fromA[i++] = 1;
        kept.fromB[j++] = 1;
        kept.count += 1;
      } else if ((a[i] as string) < (b[j] as string)) i++;
      else j++;
    }
    return kept;
  }
  for (const [i, j] of lcsTable(a, b)) {
    kept.fromA[i] = 1;
    kept.fromB[j] = 1;
    kept.count += 1;
  }
  return kept;
}

function lcsTable(a: readonly unknown[], b: readonly unknown[]): Array<[number, number]> {
  const n = a.length;
  const m = b.length;
  // table[i][j] = LCS length of a[i..] and b[j..]
  const table: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      table[i]![j] = isDeepStrictEqual(a[i], b[j])
        ? table[i + 1]![j + 1]! + 1
        : Math.max(table[i + 1]![j]!, table[i]![j + 1]!);
    }
  }
  const pairs: Array<[number, number]> = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (isDeepStrictEqual(a[i], b[j])) {
      pairs.push([i, j]);
      i++;
      j++;
    } else if (table[i + 1]![j]! >= table[i]![j + 1]!) {
      i++;
    } else {
      j++;
    }
  }
  return pairs;
}

/**
 * Operations turning array `a` (at `path`) into array `b`: removals in descending index order, then insertions in
 * ascending index order, around their longest common subsequence. With nothing in common, one `replace`.
 */
function arrayOperations(path: string, a: readonly unknown[], b: readonly unknown[]): JsonPatchOperation[] {
  // The LCS table is quadratic: past this size one `replace` is cheaper for everybody (sorted sets merge linearly).
  const sortedSets = isSortedUniqueStrings(a) && isSortedUniqueStrings(b);
  if (!sortedSets && a.length * b.length > MAX_LCS_CELLS) return [{ op: 'replace', path, value: [...b] }];
  const kept = lcsKept(a, b, sortedSets);
  if (kept.count === 0) return [{ op: 'replace', path, value: [...b] }];
  const ops: JsonPatchOperation[] = [];
  for (let i = a.length - 1; i >= 0; i--) {
    if (!kept.fromA[i]) ops.push({ op: 'remove', path: `${path}/${i}` });
  }
  // After the removals the array is the common subsequence; inserting b's other items in ascending index order
  // keeps every prefix equal to b's prefix, so each lands at its final index.
  for (let j = 0; j < b.length; j++) {
    if (!kept.fromB[j]) ops.push({ op: 'add', path: `${path}/${j}`, value: b[j] });
  }
  return ops;
}

/**
 * A copy of a value for an operation, so the operations share no object with the config. Strings, numbers and
 * booleans (the trustedCa bundle, noProxy entries) are immutable: they are used as they are, not copied.
 */
function copy<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value) && value.every((x) => x === null || typeof x !== 'object')) return [...value] as T;
  return structuredClone(value);
}

/** RFC 6902 operations turning config `from` into config `to`: canonical fields first (in order), then any other key. */
export function configPatch(from: ProxyConfig | null | undefined, to: ProxyConfig): JsonPatchOperation[] {
  const a = asRecord(from);
  const b = asRecord(to);
  const known = new Set<string>(PROXY_CONFIG_FIELDS);
  const others = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => !known.has(k)).sort();
  const ops: JsonPatchOperation[] = [];
  for (const key of [...PROXY_CONFIG_FIELDS, ...others]) {
    const path = pointer(key);
    const inA = Object.prototype.hasOwnProperty.call(a, key);
    const inB = Object.prototype.hasOwnProperty.call(b, key);
    if (!inA && !inB) continue;
    if (!inB) {
      ops.push({ op: 'remove', path });
    } else if (!inA) {
      ops.push({ op: 'add', path, value: copy(b[key]) });
    } else if (!isDeepStrictEqual(a[key], b[key])) {
      const va = a[key];
      const vb = b[key];
      if (Array.isArray(va) && Array.isArray(vb)) {
        // a loop, not push(...): the operations of a 150,000-entry noProxy would overflow the stack as arguments
        for (const op of arrayOperations(path, va, copy(vb))) ops.push(op);
      } else ops.push({ op: 'replace', path, value: copy(vb) });
    }
  }
  return ops;
}

const byCodeUnits = (x: string, y: string): number => (x < y ? -1 : x > y ? 1 : 0);

function setDifference(a: readonly string[] | undefined, b: readonly string[] | undefined): string[] {
  const xs = a ?? [];
  const ys = b ?? [];
  if (isSortedUniqueStrings(xs) && isSortedUniqueStrings(ys)) {
    // normalized noProxy lists: a linear merge, no Sets (the result is sorted by code units already)
    const out: string[] = [];
    let j = 0;
    for (const x of xs) {
      while (j < ys.length && ys[j]! < x) j++;
      if (j >= ys.length || ys[j] !== x) out.push(x);
    }
    return out;
  }
  const other = new Set(b ?? []);
  return [...new Set(a ?? [])].filter((x) => !other.has(x)).sort(byCodeUnits);
}

const fingerprint = (c: CertificateDescription): string => c.sha256Fingerprint.toLowerCase();

/** Certificates of `a` whose fingerprint is not among `b`'s, in `a`'s order, each fingerprint once. */
function certificateDifference(
  a: readonly CertificateDescription[],
  b: readonly CertificateDescription[],
): CertificateDescription[] {
  const other = new Set(b.map(fingerprint));
  const seen = new Set<string>();
  const out: CertificateDescription[] = [];
  for (const cert of a) {
    const fp = fingerprint(cert);
    if (other.has(fp) || seen.has(fp)) continue;
    seen.add(fp);
    out.push(cert);
  }
  return out;
}

const plural = (n: number, word: string): string => `${word}${n === 1 ? '' : 's'}`;

function counts(added: number, removed: number): string {
  const parts: string[] = [];
  if (added > 0) parts.push(`+${added}`);
  if (removed > 0) parts.push(`${MINUS}${removed}`);
  return parts.join(' ');
}

function summarize(
  from: VersionSnapshot | null,
  to: VersionSnapshot,
  proxies: ProxyUrlChange[],
  noProxy: ConfigDiff['noProxy'],
  trustedCa: ConfigDiff['trustedCa'],
  changes: JsonPatchOperation[],
  impact: Finding[],
): string {
  const head = from === null ? `v${to.version} (first version)` : `v${from.version} ${ARROW} v${to.version}`;
  if (changes.length === 0) {
    return `${head}: ${from === null ? 'empty config' : 'no change'}`;
  }
  const parts: string[] = [];
  for (const p of proxies) {
    if (p.from === null) parts.push(`${p.field} set to ${p.to}`);
    else if (p.to === null) parts.push(`${p.field} removed (was ${p.from})`);
    else parts.push(`${p.field} ${p.from} ${ARROW} ${p.to}`);
  }
  if (noProxy.added.length > 0 || noProxy.removed.length > 0) {
    parts.push(`noProxy ${counts(noProxy.added.length, noProxy.removed.length)}`);
  } else if (changes.some((op) => op.path === '/noProxy' || op.path.startsWith('/noProxy/'))) {
    // Same entries in another order or with duplicates: never for normalized configs.
    parts.push('noProxy reordered');
  }
  const caOp = changes.some((op) => op.path === '/trustedCa');
  if (trustedCa.added.length > 0 || trustedCa.removed.length > 0) {
    const total = trustedCa.added.length + trustedCa.removed.length;
    parts.push(`trustedCa ${counts(trustedCa.added.length, trustedCa.removed.length)} ${plural(total, 'certificate')}`);
  } else if (caOp) {
    const wasSet = from?.config.trustedCa !== undefined;
    const isSet = to.config.trustedCa !== undefined;
    const described = (from?.certificates.length ?? 0) > 0 || to.certificates.length > 0;
    parts.push(
      !wasSet
        ? 'trustedCa set'
        : !isSet
          ? 'trustedCa removed'
          : `trustedCa changed${described ? ' (same certificates)' : ''}`,
    );
  }
  if (changes.some((op) => op.path === '/enabled')) {
    parts.push(to.config.enabled === false ? 'proxy turned off (enabled: false)' : 'proxy turned back on');
  }
  const known = new Set<string>(PROXY_CONFIG_FIELDS);
  const otherKeys = [...new Set(changes.map((op) => op.path.split('/')[1] ?? ''))].filter((k) => !known.has(k));
  if (otherKeys.length > 0) parts.push(`${otherKeys.join(', ')} changed`);
  if (impact.some((f) => f.code === 'UPDATE_REIMAGES_NODES' && f.severity !== 'info')) {
    parts.push('reimages every node pool');
  }
  return `${head}: ${parts.join('; ')}`;
}

/** What a diff needs to know about the cluster: its add-ons (and the proxy addresses the Istio finding mentions). */
export type DiffCluster = Pick<ClusterContext, 'addons' | 'network'>;

/**
 * What changes from one version of a cluster's config to another. `from = null` compares against an empty config
 * (the cluster's first version). With `cluster`, the impact also says what its add-ons need (addons.ts). Pure: no
 * clock, no I/O; the result is deterministic for the same input.
 */
export function diffVersions(from: VersionSnapshot | null, to: VersionSnapshot, cluster?: DiffCluster | null): ConfigDiff {
  const changes = configPatch(from?.config, to.config);
  const noProxy = {
    added: setDifference(to.config.noProxy, from?.config.noProxy),
    removed: setDifference(from?.config.noProxy, to.config.noProxy),
  };
  const fromCerts = from?.certificates ?? [];
  const trustedCa = {
    added: certificateDifference(to.certificates, fromCerts),
    removed: certificateDifference(fromCerts, to.certificates),
  };
  const proxies: ProxyUrlChange[] = [];
  for (const field of ['httpProxy', 'httpsProxy'] as const) {
    const a = from?.config[field] ?? null;
    const b = to.config[field] ?? null;
    if (a !== b) proxies.push({ field, from: a, to: b });
  }
  // A first version has no impact finding of its own: UPDATE_REIMAGES_NODES is for a cluster that already has a
  // config (API.md), and a code never changes severity.
  const impact = from === null ? [] : impactFindings(from.config, to.config);
  const proxyEndpointChanged = endpointSet(from?.config) !== endpointSet(to.config);
  if (changes.length > 0) {
    // The impact is what this change does: the ServiceEntry matters when the endpoint is new or moves, the monitoring
    // limit when trustedCa is new (a validation lists both whenever they hold).
    const caAdded = to.config.trustedCa !== undefined && from?.config.trustedCa === undefined;
    for (const f of addonFindings(cluster, from?.config ?? null, to.config)) {
      if (f.code === 'ISTIO_SERVICE_ENTRY_NEEDED' && !proxyEndpointChanged) continue;
      if (f.code === 'MONITORING_TRUSTED_CA' && !caAdded) continue;
      impact.push(f);
    }
  }
  return {
    from: from?.version ?? null,
    to: to.version,
    changed: changes.length > 0,
    changes,
    noProxy,
    trustedCa,
    impact,
    proxies,
    proxyEndpointChanged,
    summary: summarize(from, to, proxies, noProxy, trustedCa, changes, impact),
  };
}
