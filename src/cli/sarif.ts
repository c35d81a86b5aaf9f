import type * as Sarif from 'sarif';
import { FINDING_SEVERITY } from '../domain/validate/util';
import type { Finding, Severity } from '../domain/proxy-config';
import type { Region } from './input';

/**
 * SARIF 2.1.0 for GitHub code scanning (github/codeql-action/upload-sarif) and Azure DevOps (the SARIF SAST Scans
 * tab reads the CodeAnalysisLogs artifact): one run, one rule per finding code, one result per finding with the
 * file and the line and column of the JSON value its pointer names.
 */

/** What each code means (API.md "Findings"): the rules' short descriptions. */
const RULE_TEXT: Record<string, string> = {
  CONFIG_WRAPPED: 'The config is wrapped ({"httpProxyConfig": ...} or {"properties": ...}), which the Azure CLI sends as an empty config',
  UNKNOWN_FIELD: 'A key that is no field, even case-insensitively: the Azure CLI drops it silently',
  FIELD_NAME_CASE: 'A key that matches a field only case-insensitively or in snake_case',
  FIELD_TYPE: 'A value of the wrong JSON type',
  NO_PROXY_STRING: 'noProxy given as one comma-separated string',
  PROXY_MISSING: 'Neither httpProxy nor httpsProxy is set',
  PROXY_URL_INVALID: 'A proxy URL that is not an absolute URL with a host',
  PROXY_URL_SCHEME: 'httpProxy not http, or httpsProxy not http/https',
  PROXY_URL_CREDENTIALS: 'A user or password in a proxy URL (proxy authentication is unsupported)',
  PROXY_URL_PATH: 'A path, query or fragment in a proxy URL, which proxies ignore',
  HTTPS_PROXY_DEFAULTED: 'httpsProxy absent: httpProxy serves both',
  HTTPS_PROXY_TLS: 'httpsProxy uses https:// (the proxy must speak TLS with a trusted certificate)',
  NO_PROXY_INVALID: 'A noProxy entry that is not an RFC 1123 host name, IP address or CIDR',
  NO_PROXY_TRAILING_DOT: 'A noProxy host name ending in a dot',
  NO_PROXY_WILDCARD: 'A * attached to a domain in noProxy',
  NO_PROXY_ALL: 'A * alone in noProxy',
  NO_PROXY_DUPLICATE: 'The same noProxy entry twice',
  NO_PROXY_CIDR: 'A CIDR in noProxy, which curl, Python urllib and Node undici do not honour',
  NO_PROXY_PORT: 'A host:port noProxy entry, which curl never matches',
  NO_PROXY_LEADING_DOT: 'A leading-dot noProxy entry: subdomains only to Go and Ruby, apex too elsewhere',
  NO_PROXY_REDUNDANT: 'A noProxy entry AKS adds anyway',
  TRUSTED_CA_BASE64: 'trustedCa is not base64',
  TRUSTED_CA_NOT_ENCODED: 'trustedCa holds PEM text as is instead of base64-encoded',
  TRUSTED_CA_NOT_PEM: 'trustedCa decodes to something other than PEM',
  TRUSTED_CA_PRIVATE_KEY: 'trustedCa holds a private key',
  TRUSTED_CA_PARSE: 'A trustedCa certificate block does not parse',
  TRUSTED_CA_TOO_MANY: 'More than 20 certificates in trustedCa',
  TRUSTED_CA_TOO_LARGE: 'trustedCa is over 35 KB',
  TRUSTED_CA_NO_SAN: 'A certificate without a Subject Alternative Name extension',
  TRUSTED_CA_EXPIRED: 'A certificate past its notAfter',
  TRUSTED_CA_NOT_YET_VALID: 'A certificate before its notBefore',
  TRUSTED_CA_EXPIRING: 'A certificate whose notAfter is within 30 days',
  TRUSTED_CA_NOT_CA: 'A certificate without basicConstraints CA:TRUE',
  TRUSTED_CA_WEAK_SIGNATURE: 'A certificate signed with SHA-1 or MD5',
  TRUSTED_CA_WEAK_KEY: 'A certificate with an RSA key under 2048 bits',
  CLUSTER_WINDOWS_NODE_POOL: 'The cluster has a Windows node pool',
  CLUSTER_VMAS_NODE_POOL: 'The cluster has an Availability Set node pool',
  UPDATE_REIMAGES_NODES: 'Applying this config over the current one reimages every node pool',
  PROXY_ENDPOINT_CHANGED: 'The proxy host or port differs from the current config: the new proxy must already be live',
  PROXY_DISABLED: 'enabled is false: AKS keeps the config but stops applying it',
  ISTIO_SERVICE_ENTRY_NEEDED: 'Pods in the Istio mesh reach the proxy only through a ServiceEntry',
  MONITORING_TRUSTED_CA: 'With the monitoring add-on, custom metrics and recommended alerts do not work with a trustedCa',
  DRIFT: 'What the cluster holds differs from the approved version',
};

const LEVEL: Record<Severity, Sarif.Result.level> = { error: 'error', warning: 'warning', info: 'note' };

export const INFORMATION_URI = 'https://learn.microsoft.com/azure/aks/http-proxy';

/** One validated file as SARIF needs it. */
export interface SarifFile {
  /** The name as given (a path, or `<stdin>`). */
  name: string;
  findings: Finding[];
  locate(pointer: string): Region;
}

/** A relative path stays relative (to the repository root in CI), with `/` separators and URI escaping. */
export function artifactUri(name: string): string {
  const slashed = name.replace(/\\/g, '/');
  if (/^[A-Za-z]:\//.test(slashed)) return 'file:///' + encodeURI(slashed);
  if (slashed.startsWith('/')) return 'file://' + encodeURI(slashed);
  return encodeURI(slashed.replace(/^\.\//, '')).replace(/[?#]/g, (c) => encodeURIComponent(c));
}

export function sarifLog(files: SarifFile[], options: { version: string; notifications: string[] }): Sarif.Log {
  // The rules: every code the domain knows, in its order, so that rule indexes are stable across runs.
  const codes = Object.keys(FINDING_SEVERITY) as (keyof typeof FINDING_SEVERITY)[];
  for (const file of files) for (const f of file.findings) if (!codes.includes(f.code)) codes.push(f.code);
  const rules: Sarif.ReportingDescriptor[] = codes.map((code) => ({
    id: code,
    name: code
      .toLowerCase()
      .split('_')
      .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
      .join(''),
    shortDescription: { text: RULE_TEXT[code] ?? code },
    helpUri: INFORMATION_URI,
    defaultConfiguration: { level: LEVEL[FINDING_SEVERITY[code] ?? 'warning'] },
    properties: { tags: ['aks', 'http-proxy'] },
  }));
  const index = new Map(codes.map((c, i) => [c, i]));

  const results: Sarif.Result[] = [];
  for (const file of files) {
    for (const f of file.findings) {
      const region = file.locate(f.pointer);
      results.push({
        ruleId: f.code,
        ruleIndex: index.get(f.code)!,
        level: LEVEL[f.severity],
        message: { text: f.pointer === '' ? f.message : `${f.message} (at ${f.pointer})` },
        locations: [
          {
            physicalLocation: {
              artifactLocation: { uri: artifactUri(file.name) },
              region: {
                startLine: region.start.line,
                startColumn: region.start.column,
                endLine: region.end.line,
                endColumn: region.end.column,
              },
            },
          },
        ],
        properties: { pointer: f.pointer },
      });
    }
  }

  return {
    $schema: 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'aks-proxy-config',
            version: options.version,
            semanticVersion: options.version,
            informationUri: INFORMATION_URI,
            rules,
          },
        },
        invocations: [
          {
            executionSuccessful: options.notifications.length === 0,
            toolExecutionNotifications: options.notifications.map((text) => ({ level: 'error' as const, message: { text } })),
          },
        ],
        columnKind: 'utf16CodeUnits',
        results,
      },
    ],
  };
}
