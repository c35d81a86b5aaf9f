import { contentHash, isDisabled, type Finding, type ProxyConfig } from './proxy-config';

/** host:port of a proxy URL, or null when there is none or it does not parse. */
function endpoint(url: string | undefined): string | null {
  if (!url) return null;
  try {
    const u = new URL(url);
    const port = u.port || (u.protocol === 'https:' ? '443' : u.protocol === 'http:' ? '80' : '');
    return `${u.hostname.toLowerCase()}:${port}`;
  } catch {
    return null;
  }
}

/** Where the proxy URLs of `next` sit in the document the findings are about. */
export type ProxyPointers = Partial<Record<'httpProxy' | 'httpsProxy', string>>;

/**
 * What applying `next` over the cluster's `current` config does to the cluster: every change reimages every node
 * pool, and a different proxy endpoint must already be live. Both configs are normalized. No current config means
 * the proxy is being enabled for the first time on an existing cluster, which the caller decides how to flag.
 *
 * `pointers` says where httpProxy and httpsProxy are in the submitted document (`/HTTPPROXY`,
 * `/httpProxyConfig/httpProxy`); without it, the pointers are those of the normalized config (`/httpProxy`).
 */
export function impactFindings(current: ProxyConfig | null | undefined, next: ProxyConfig, pointers: ProxyPointers = {}): Finding[] {
  if (!current) return [];
  if (contentHash(current) === contentHash(next)) return [];
  const switched = isDisabled(current) !== isDisabled(next);
  const what = !switched
    ? 'Applying this config'
    : isDisabled(next)
      ? 'Turning the HTTP proxy off (enabled: false)'
      : 'Turning the HTTP proxy back on';
  const findings: Finding[] = [
    {
      code: 'UPDATE_REIMAGES_NODES',
      severity: 'warning',
      pointer: '',
      message: `${what} reimages every node pool of the cluster; make sure Pod Disruption Budgets protect your workloads and schedule the change in a maintenance window.`,
    },
  ];
  // A proxy that is off is not used, so whether its endpoint is live does not matter yet.
  if (isDisabled(next)) return findings;
  const effective = (c: ProxyConfig) => ({ httpProxy: c.httpProxy, httpsProxy: c.httpsProxy ?? c.httpProxy });
  // Host and port against those of the current config as it stands, disabled or not (API.md: "the proxy host or port
  // differs from the current config"): turning the proxy back on with the same endpoints changes none of them (the
  // UPDATE_REIMAGES_NODES message says the proxy comes back on).
  const before = effective(current);
  const after = effective(next);
  for (const field of ['httpProxy', 'httpsProxy'] as const) {
    const from = endpoint(before[field]);
    const to = endpoint(after[field]);
    if (from !== null && to === null) {
      // Only httpsProxy is left: HTTP_PROXY is no longer injected, so plain-HTTP traffic leaves without a proxy.
      findings.push({
        code: 'PROXY_ENDPOINT_CHANGED',
        severity: 'warning',
        pointer: '',
        message: `The HTTP proxy ${from} is removed, so plain-HTTP traffic from pods and nodes will go direct instead of through a proxy; keep httpProxy unless the network lets that traffic out directly.`,
      });
    } else if (from !== to && to !== null) {
      findings.push({
        code: 'PROXY_ENDPOINT_CHANGED',
        severity: 'warning',
        pointer: next[field] !== undefined ? (pointers[field] ?? `/${field}`) : '',
        message: `The ${field === 'httpProxy' ? 'HTTP' : 'HTTPS'} proxy changes from ${from ?? 'none'} to ${to}; the new proxy must already be reachable from every node before this is applied.`,
      });
    }
  }
  return findings;
}
