import { parseCliFile } from '../parse';
import { redactSecrets } from '../redact';
import { isValid, type ClusterContext, type Finding, type FindingCode, type ProxyConfig, type ValidationResult } from '../proxy-config';
import { validateCluster } from './cluster';
import { validateNoProxy } from './no-proxy';
import { validateTrustedCa } from './trusted-ca';
import { validateProxyUrls } from './urls';
import { append, finding, FINDING_SEVERITY, isPlainObject } from './util';

export { parseCliFile, splitNoProxyString, type ParsedConfig, type ParsedNoProxy } from '../parse';
export { nodePoolFindings, validateCluster } from './cluster';
export { canonicalNoProxyEntry, classifyNoProxyEntry, validateNoProxy, type NoProxyEntry, type NoProxyResult } from './no-proxy';
export { clearCertificateCache, validateTrustedCa, type TrustedCaResult } from './trusted-ca';
export { checkProxyUrl, normalizeProxyUrl, validateProxyUrls, type ProxyUrlCheck, type ProxyUrlsResult } from './urls';
export { FINDING_SEVERITY, finding, type Located } from './util';

export interface ValidateOptions {
  /** The clock certificates are judged by (validity, expiry within 30 days). */
  now: Date;
  /** The cluster the config is meant for: adds the node-pool rules, the impact findings and the network to noProxy. */
  cluster?: ClusterContext | null;
}

const SEVERITY_RANK = { error: 0, warning: 1, info: 2 } as const;

/**
 * Validates a config exactly as the CLI file holds it (any JSON value) and returns the findings, the best-effort
 * normalized config and the certificate descriptions. Synchronous, pure (time comes from `options.now`), and
 * never throws.
 *
 * Findings are ordered: first those about the document as a whole (pointer ""), then by the position of their
 * pointer in the submitted document, then by severity (error, warning, info), then in the order the rules ran;
 * cluster findings come last. At most MAX_FINDINGS_PER_CODE findings of one code are listed: the one after them
 * says how many more there were (`valid` still counts them all).
 *
 * `normalized` holds every field that could be normalized, even when other fields have errors: canonical key
 * names, URLs as `scheme://host:port/`, noProxy without error entries (trimmed, lower-cased, canonical, unique, in
 * the order given), trustedCa re-encoded canonically without private keys. Two inputs that differ only in key
 * spelling, URL form, case, white space or repeated noProxy entries give the same `normalized`, hence the same
 * `contentHash`.
 */
export function validate(input: unknown, options: ValidateOptions): ValidationResult {
  try {
    return run(input, options);
  } catch {
    // Defensive: the rules are written not to throw; this keeps the promise for inputs nobody foresaw
    // (objects with throwing getters, exotic prototypes) rather than failing the request.
    const findings = [
      finding('FIELD_TYPE', '', 'The config could not be read as a JSON object; submit the content of the CLI file, a JSON object with httpProxy, httpsProxy, noProxy and trustedCa.'),
    ];
    return { valid: false, findings, normalized: {}, certificates: [] };
  }
}

function run(input: unknown, options: ValidateOptions): ValidationResult {
  const parsed = parseCliFile(input);
  const cluster = options?.cluster && typeof options.cluster === 'object' ? options.cluster : null;
  const now = options?.now instanceof Date ? options.now : new Date(NaN);
  const configFindings: Finding[] = parsed.findings.slice();
  const normalized: ProxyConfig = {};
  if (!isPlainObject(input)) {
    // No object, no fields: the FIELD_TYPE finding says it all (cluster rules need a config to judge).
    return { valid: false, findings: configFindings, normalized, certificates: [] };
  }

  const urls = validateProxyUrls(parsed, parsed.pointer, {
    httpProxy: parsed.present.includes('httpProxy'),
    httpsProxy: parsed.present.includes('httpsProxy'),
  });
  append(configFindings, urls.findings);
  if (urls.httpProxy !== undefined) normalized.httpProxy = urls.httpProxy;
  if (urls.httpsProxy !== undefined) normalized.httpsProxy = urls.httpsProxy;

  if (parsed.noProxy) {
    const noProxy = validateNoProxy(parsed.noProxy.entries, cluster?.network ?? null);
    append(configFindings, noProxy.findings);
    if (noProxy.normalized) normalized.noProxy = noProxy.normalized;
  }

  let certificates: ValidationResult['certificates'] = [];
  if (parsed.trustedCa) {
    const ca = validateTrustedCa(parsed.trustedCa.value, parsed.trustedCa.pointer, now);
    append(configFindings, ca.findings);
    if (ca.normalized !== undefined) normalized.trustedCa = ca.normalized;
    certificates = ca.certificates;
  }

  if (parsed.enabled?.value === false) {
    normalized.enabled = false;
    configFindings.push(
      finding(
        'PROXY_DISABLED',
        parsed.enabled.pointer,
        'enabled is false: AKS keeps this config saved but stops applying it, so pods and nodes get no proxy variables and no CA; switching the proxy off or on reimages every node pool (Azure CLI 2.85.0 or later: az aks update --disable-http-proxy / --enable-http-proxy).',
      ),
    );
  }

  const ordered = orderFindings(configFindings, parsed.order);
  if (cluster) {
    const pointers = { httpProxy: parsed.httpProxy?.pointer, httpsProxy: parsed.httpsProxy?.pointer, trustedCa: parsed.trustedCa?.pointer };
    append(ordered, validateCluster(cluster, normalized, pointers));
  }
  // Validity is judged on every finding; only the report is bounded.
  const valid = isValid(ordered);
  const findings = capPerCode(ordered).map((f) => ({ ...f, message: redactedMessage(f.message) }));
  return { valid, findings, normalized, certificates };
}

/** Finding messages that redactSecrets() leaves as they are, remembered (at most CLEAN_MESSAGES_MAX of them). */
const cleanMessages = new Set<string>();
const CLEAN_MESSAGES_MAX = 4096;

/**
 * redactSecrets() of a finding message. Most messages are the same from one config to the next (a rule's fixed
 * text, or about an entry as common as "localhost"), so the ones it leaves unchanged are remembered and not scanned
 * again. Only such messages are kept: by definition they hold no key material.
 */
function redactedMessage(message: string): string {
  if (cleanMessages.has(message)) return message;
  const redacted = redactSecrets(message);
  if (redacted === message) {
    if (cleanMessages.size >= CLEAN_MESSAGES_MAX) cleanMessages.clear();
    cleanMessages.add(message);
  }
  return redacted;
}

/** At most this many findings of one code are reported; the rest are counted in one more finding of that code. */
export const MAX_FINDINGS_PER_CODE = 100;

/** The deepest pointer that is `a` or an ancestor of it and also `b` or an ancestor of `b`. */
function commonPointer(a: string, b: string): string {
  if (a === b) return a;
  const x = a.split('/');
  const y = b.split('/');
  let n = 0;
  while (n < x.length && n < y.length && x[n] === y[n]) n++;
  return x.slice(0, n).join('/');
}

/**
 * Keeps the first MAX_FINDINGS_PER_CODE findings of each code and, right after the last one kept, adds one finding
 * of the same code (hence the same severity) saying how many more there were, at the pointer that holds all the
 * findings of that code (`/noProxy` for noProxy entries). 150,000 noProxy entries would otherwise make a response
 * of tens of megabytes.
 */
function capPerCode(findings: readonly Finding[]): Finding[] {
  const stats = new Map<FindingCode, { count: number; pointer: string }>();
  for (const f of findings) {
    const s = stats.get(f.code);
    if (s) {
      s.count++;
      s.pointer = commonPointer(s.pointer, f.pointer);
    } else stats.set(f.code, { count: 1, pointer: f.pointer });
  }
  let over = false;
  for (const s of stats.values()) if (s.count > MAX_FINDINGS_PER_CODE) over = true;
  if (!over) return findings.slice();

  const kept: Finding[] = [];
  const reported = new Map<FindingCode, number>();
  for (const f of findings) {
    const n = (reported.get(f.code) ?? 0) + 1;
    reported.set(f.code, n);
    if (n > MAX_FINDINGS_PER_CODE) continue;
    kept.push(f);
    const s = stats.get(f.code)!;
    if (n === MAX_FINDINGS_PER_CODE && s.count > n) {
      const more = s.count - n;
      kept.push(
        finding(
          f.code,
          s.pointer,
          `${more} more ${f.code} finding${more === 1 ? ' was' : 's were'} not listed (only the first ${MAX_FINDINGS_PER_CODE} of each code are); fix the ones above and validate again to see the rest.`,
        ),
      );
    }
  }
  return kept;
}

/** Stable order: document-level first, then document position of the pointer, severity, rule order. */
function orderFindings(findings: Finding[], order: readonly string[]): Finding[] {
  const position = new Map<string, number>();
  order.forEach((p, i) => {
    if (!position.has(p)) position.set(p, i);
  });
  const unknown = order.length;
  return findings
    .map((f, i) => ({ f, i, at: position.get(f.pointer) ?? unknown }))
    .sort(
      (a, b) =>
        a.at - b.at ||
        (a.at === unknown && b.at === unknown ? (a.f.pointer < b.f.pointer ? -1 : a.f.pointer > b.f.pointer ? 1 : 0) : 0) ||
        SEVERITY_RANK[FINDING_SEVERITY[a.f.code]] - SEVERITY_RANK[FINDING_SEVERITY[b.f.code]] ||
        a.i - b.i,
    )
    .map(({ f }) => f);
}
