/**
 * The config as the user wrote it, for POST /v1/explain: explain answers "what would each client do with exactly
 * this NO_PROXY", including entries validation refuses (`*`, `*.svc.example`, `[fd02::1]`), which the normalized
 * config drops. Validation findings still say that AKS would refuse them.
 *
 * - noProxy: the string entries as written, trimmed, empty ones dropped, later duplicates (compared
 *   case-insensitively) dropped, order kept. Nothing is split, lower-cased or made canonical.
 * - httpProxy / httpsProxy: the value as written when it is a usable absolute URL (scheme://host[:port]..., no
 *   whitespace, no user info: credentials are never echoed), else what validation normalized, else absent.
 * - trustedCa plays no part in routing and is left out.
 * - Anything holding key material (a private key pasted into the wrong field) is left out: no response ever echoes
 *   it; the validation findings still point at it.
 */
import { parseCliFile } from '../parse';
import { holdsKeyMaterial } from '../redact';
import type { ProxyConfig } from '../proxy-config';
import { splitUrl } from './url';

/** noProxy entries as written: trimmed, empty ones and case-insensitive duplicates dropped, first spelling kept. */
export function dedupeNoProxy(entries: readonly string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const raw of entries) {
    const entry = raw.trim();
    const key = entry.toLowerCase();
    if (entry === '' || seen.has(key) || holdsKeyMaterial(entry)) continue;
    seen.add(key);
    out.push(entry);
  }
  return out;
}

/** A proxy value usable as written: an absolute URL with a host, a valid port, no whitespace, no user info. */
function usableProxyUrl(value: string): boolean {
  if (value === '' || /[\s\x00-\x1f\x7f]/.test(value) || holdsKeyMaterial(value)) return false;
  const parts = splitUrl(value);
  if (!parts || !parts.hasAuthority || parts.hostname === '' || parts.userinfo !== null) return false;
  return parts.port === null || (parts.port !== '' && Number(parts.port) >= 1 && Number(parts.port) <= 65535);
}

/** The config to explain for a submitted CLI file (`input`, as validation read it) and validation's `normalized`. */
export function configAsWritten(input: unknown, normalized: ProxyConfig): ProxyConfig {
  const parsed = parseCliFile(input);
  const config: ProxyConfig = {};
  for (const field of ['httpProxy', 'httpsProxy'] as const) {
    const raw = parsed[field]?.value;
    const value = raw !== undefined && usableProxyUrl(raw) ? raw : normalized[field];
    if (value !== undefined) config[field] = value;
  }
  const noProxy = dedupeNoProxy(parsed.noProxy?.entries.map((e) => e.value) ?? []);
  if (noProxy.length > 0) config.noProxy = noProxy;
  if (normalized.enabled === false) config.enabled = false;
  return config;
}
