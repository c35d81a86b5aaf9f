import { pointer, PROXY_CONFIG_FIELDS, type Finding, type ProxyConfigField } from './proxy-config';
import { safeName } from './redact';
import { finding, isPlainObject, jsonType, show, type Located } from './validate/util';

/**
 * Reading the `az aks --http-proxy-config` file the way the Azure CLI reads it (SPEC.md "The file users hand to
 * the CLI"), and reporting every trap that reading hides: a wrapped object, unknown keys (dropped silently),
 * keys matched only case-insensitively, wrong JSON types, and `noProxy` given as one string.
 *
 * Pure and synchronous; never throws on JSON input. Pointers are RFC 6901 pointers into the submitted document,
 * so the fields of a wrapped config are reported under the wrapper (`/httpProxyConfig/noProxy/3`); the one
 * exception is a key holding key material (a pasted private key), whose segment reads `[N characters withheld]`.
 */

export type { Located } from './validate/util';

export interface ParsedNoProxy {
  /** Pointer of the `noProxy` member itself. */
  pointer: string;
  /** The string entries; each entry's pointer is its array element, or `pointer` when noProxy was one string. */
  entries: Located<string>[];
  /** `noProxy` was given as one comma-separated string (already reported as NO_PROXY_STRING). */
  fromString: boolean;
}

export interface ParsedConfig {
  /** Pointer of the object that holds the fields: "" unless the config is wrapped. */
  pointer: string;
  httpProxy?: Located<string>;
  httpsProxy?: Located<string>;
  noProxy?: ParsedNoProxy;
  trustedCa?: Located<string>;
  /** `enabled` when it is a boolean (`true` normalizes to absent; `false` turns the proxy off). */
  enabled?: Located<boolean>;
  /** The fields the object sets under any key spelling and with any value type. */
  present: ProxyConfigField[];
  /** Findings of the reading itself: CONFIG_WRAPPED, UNKNOWN_FIELD, FIELD_NAME_CASE, FIELD_TYPE, NO_PROXY_STRING. */
  findings: Finding[];
  /** Every pointer of the submitted document that was read, in document order (for ordering findings). */
  order: string[];
}

/**
 * Every key the Azure CLI's serializer matches to a field, lower-cased: the API name and the Python attribute name
 * (snake_case), both case-insensitively (SPEC.md "The file users hand to the CLI").
 */
const SNAKE_CASE: Readonly<Record<ProxyConfigField, string>> = {
  httpProxy: 'http_proxy',
  httpsProxy: 'https_proxy',
  noProxy: 'no_proxy',
  trustedCa: 'trusted_ca',
  enabled: 'enabled',
};
const FIELD_BY_LOWER: ReadonlyMap<string, ProxyConfigField> = new Map(
  PROXY_CONFIG_FIELDS.flatMap((f) => [[f.toLowerCase(), f] as const, [SNAKE_CASE[f], f] as const]),
);

/** Wrappers the CLI does not unwrap, by the level they may appear at. */
const TOP_WRAPPERS: ReadonlyMap<string, string> = new Map([
  ['httpproxyconfig', 'httpProxyConfig'],
  ['properties', 'properties'],
]);
const INNER_WRAPPERS: ReadonlyMap<string, string> = new Map([['httpproxyconfig', 'httpProxyConfig']]);

const FIELD_LIST = 'httpProxy, httpsProxy, noProxy, trustedCa or enabled';

/** A likely intended field for an unknown key, if any. */
function suggestField(key: string): ProxyConfigField | null {
  const k = key.toLowerCase().replace(/[^a-z0-9]/g, '');
  const exact = FIELD_BY_LOWER.get(k);
  if (exact) return exact;
  if (k.includes('noproxy') || k.includes('bypass') || k.includes('exclu')) return 'noProxy';
  if (k.includes('trusted') || k.includes('cert') || k === 'ca' || k.endsWith('cabundle') || k.includes('rootca')) return 'trustedCa';
  if (k.includes('https') && k.includes('proxy')) return 'httpsProxy';
  if (k.includes('http') && k.includes('proxy')) return 'httpProxy';
  return null;
}

function unknownFieldMessage(key: string): string {
  const name = show(key);
  const suggestion = suggestField(key);
  if (suggestion) {
    return `${name} is not a field of the CLI file, so the Azure CLI drops it silently and its value never reaches the cluster; rename it to "${suggestion}".`;
  }
  return `${name} is not a field of the CLI file, so the Azure CLI drops it silently; remove it, or use one of ${FIELD_LIST}.`;
}

/** Deep equality of two JSON values, bounded in depth and work so that hostile input cannot make it expensive. */
function sameJson(a: unknown, b: unknown): boolean {
  let budget = 10_000;
  const eq = (x: unknown, y: unknown, depth: number): boolean => {
    if (--budget < 0 || depth > 32) return false;
    if (x === y) return true;
    if (typeof x !== 'object' || typeof y !== 'object' || x === null || y === null) return false;
    if (Array.isArray(x) !== Array.isArray(y)) return false;
    if (Array.isArray(x) && Array.isArray(y)) {
      return x.length === y.length && x.every((v, i) => eq(v, y[i], depth + 1));
    }
    const xo = x as Record<string, unknown>;
    const yo = y as Record<string, unknown>;
    const xk = Object.keys(xo);
    const yk = Object.keys(yo);
    if (xk.length !== yk.length) return false;
    return xk.every((k) => Object.prototype.hasOwnProperty.call(yo, k) && eq(xo[k], yo[k], depth + 1));
  };
  return eq(a, b, 0);
}

/** Splits a comma-separated noProxy string the way users mean it. */
export function splitNoProxyString(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function arrayPreview(entries: string[]): string {
  const shown = entries.slice(0, 8).map((e) => show(e));
  return `[${shown.join(', ')}${entries.length > 8 ? `, … (${entries.length} entries)` : ''}]`;
}

/**
 * Reads the CLI file object. Findings come back unordered by severity; validate() orders them.
 */
export function parseCliFile(input: unknown): ParsedConfig {
  const findings: Finding[] = [];
  const order: string[] = [''];
  const result: ParsedConfig = { pointer: '', present: [], findings, order };

  if (!isPlainObject(input)) {
    findings.push(
      finding(
        'FIELD_TYPE',
        '',
        `The config is ${jsonType(input)}, but the CLI file must hold one JSON object; write it as {"httpProxy": "http://proxy.example:3128/", "noProxy": [...]}.`,
      ),
    );
    return result;
  }

  // Find the object that holds the fields, descending through wrappers the CLI would not unwrap.
  let target: Record<string, unknown> = input;
  const path: string[] = [];
  const wrapperNames: string[] = [];
  for (let level = 0; level < 2; level++) {
    const wrappers = level === 0 ? TOP_WRAPPERS : INNER_WRAPPERS;
    const keys = Object.keys(target);
    if (keys.some((k) => FIELD_BY_LOWER.has(k.toLowerCase()))) break;
    const candidates = keys.filter((k) => wrappers.has(k.toLowerCase()) && isPlainObject(target[k]));
    if (candidates.length === 0) break;
    // Prefer httpProxyConfig, the innermost wrapper, when both are present.
    const chosen = candidates.find((k) => k.toLowerCase() === 'httpproxyconfig') ?? candidates[0]!;
    for (const key of keys) {
      if (key === chosen) continue;
      const p = pointer(...path, safeName(key));
      order.push(p);
      findings.push(finding('UNKNOWN_FIELD', p, unknownFieldMessage(key)));
    }
    path.push(chosen);
    order.push(pointer(...path));
    wrapperNames.push(chosen);
    target = target[chosen] as Record<string, unknown>;
  }
  if (wrapperNames.length > 0) {
    const shape = wrapperNames.join('.');
    findings.push(
      finding(
        'CONFIG_WRAPPED',
        '',
        `The config is wrapped in "${shape}", which the Azure CLI sends as an empty config (AKS then fails with HTTPProxyConfigInputError: HTTPProxy and HTTPSProxy both cannot be empty); put httpProxy, httpsProxy, noProxy and trustedCa at the top level of the file.`,
      ),
    );
  }
  result.pointer = pointer(...path);

  // Group the keys by the field they mean, case-insensitively.
  const children = new Map<string, string[]>();
  const byField = new Map<ProxyConfigField, string[]>();
  for (const key of Object.keys(target)) {
    const field = FIELD_BY_LOWER.get(key.toLowerCase());
    // A key that is no field is the user's text: one holding key material gets a withheld segment instead.
    const p = pointer(...path, field ? key : safeName(key));
    order.push(p);
    if (!field) {
      findings.push(finding('UNKNOWN_FIELD', p, unknownFieldMessage(key)));
      continue;
    }
    const keys = byField.get(field);
    if (keys) keys.push(key);
    else byField.set(field, [key]);
  }

  for (const field of PROXY_CONFIG_FIELDS) {
    const keys = byField.get(field);
    if (!keys) continue;
    result.present.push(field);
    const primary = keys.includes(field) ? field : keys[0]!;
    if (primary !== field) {
      const snake = primary.toLowerCase() === SNAKE_CASE[field] && SNAKE_CASE[field] !== field.toLowerCase();
      findings.push(
        finding(
          'FIELD_NAME_CASE',
          pointer(...path, primary),
          snake
            ? `${show(primary)} is the snake_case name of the field "${field}"; the Azure CLI's serializer accepts it (it matches keys against the Python attribute name too) and sends it as "${field}", but write "${field}", the name the API and this service use.`
            : `${show(primary)} matches the field "${field}" only case-insensitively; the Azure CLI's serializer accepts it and sends it as "${field}", but write "${field}", the name the API and this service use.`,
        ),
      );
    }
    for (const other of keys) {
      if (other === primary) continue;
      const p = pointer(...path, other);
      if (sameJson(target[other], target[primary])) {
        findings.push(
          finding(
            'FIELD_NAME_CASE',
            p,
            `${show(other)} repeats the field "${field}" (also given as ${show(primary)}) with the same value; remove the duplicate key.`,
          ),
        );
      } else {
        findings.push(
          finding(
            'UNKNOWN_FIELD',
            p,
            `${show(other)} and ${show(primary)} both set "${field}" with different values, and which one the Azure CLI sends is undefined; keep only "${field}".`,
          ),
        );
      }
    }
    const p = pointer(...path, primary);
    const elements: string[] = [];
    readField(field, target[primary], p, result, elements);
    if (elements.length > 0) children.set(p, elements);
  }
  // Array elements go right after their member, so that order follows the document.
  if (children.size > 0) {
    const ordered: string[] = [];
    for (const p of order) {
      ordered.push(p);
      for (const element of children.get(p) ?? []) ordered.push(element);
    }
    result.order = ordered;
  }
  return result;
}

function readField(field: ProxyConfigField, value: unknown, p: string, result: ParsedConfig, elements: string[]): void {
  const { findings } = result;
  if (field === 'noProxy') {
    if (Array.isArray(value)) {
      const entries: Located<string>[] = [];
      for (let i = 0; i < value.length; i++) {
        const entry: unknown = value[i];
        const ep = `${p}/${i}`;
        elements.push(ep);
        if (typeof entry === 'string') entries.push({ value: entry, pointer: ep });
        else
          findings.push(
            finding(
              'FIELD_TYPE',
              ep,
              `noProxy entry ${i} is ${jsonType(entry)}, but every noProxy entry must be a string; write it as a quoted host name, IP address or CIDR, or remove it.`,
            ),
          );
      }
      result.noProxy = { pointer: p, entries, fromString: false };
    } else if (typeof value === 'string') {
      const parts = splitNoProxyString(value);
      findings.push(
        finding(
          'NO_PROXY_STRING',
          p,
          `noProxy is one comma-separated string, which the Azure CLI cannot send; write it as an array of strings: ${arrayPreview(parts)}.`,
        ),
      );
      result.noProxy = { pointer: p, entries: parts.map((e) => ({ value: e, pointer: p })), fromString: true };
    } else {
      findings.push(
        finding(
          'FIELD_TYPE',
          p,
          value === null
            ? 'noProxy is null; give an array of host names, IP addresses and CIDRs, or remove the field.'
            : `noProxy is ${jsonType(value)}, but it must be an array of strings (host names, IP addresses, CIDRs); write it as ["localhost", ".corp.example"].`,
        ),
      );
    }
    return;
  }

  if (field === 'enabled') {
    if (typeof value === 'boolean') {
      result.enabled = { value, pointer: p };
      return;
    }
    const hint =
      typeof value === 'string' && /^(true|false)$/i.test(value.trim())
        ? `write ${value.trim().toLowerCase()} without quotes (the public ARM example's "true" string is not what the API takes)`
        : 'write true, or false to keep the config saved but stop applying it';
    findings.push(
      finding(
        'FIELD_TYPE',
        p,
        value === null
          ? 'enabled is null; give true or false, or remove the field (absent means true).'
          : `enabled is ${jsonType(value)}, but it must be a boolean; ${hint}.`,
      ),
    );
    return;
  }
  if (typeof value === 'string') {
    result[field] = { value, pointer: p };
    return;
  }
  const what = field === 'trustedCa' ? 'the base64-encoded PEM text of your CA certificates' : 'a URL such as http://proxy.example:3128/';
  findings.push(
    finding(
      'FIELD_TYPE',
      p,
      value === null
        ? `${field} is null; give ${what}, or remove the field to leave it unset.`
        : `${field} is ${jsonType(value)}, but it must be a string: ${what}.`,
    ),
  );
}
