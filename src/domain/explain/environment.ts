/**
 * The proxy environment AKS injects into pods (and nodes) for a config: SPEC.md "How clients read NO_PROXY".
 */
import type { ClusterNetwork, ProxyConfig } from '../proxy-config';
import { AKS_ALWAYS_NO_PROXY, aksNetworkNoProxy, effectiveNoProxy } from '../aks';
import { dedupeNoProxy } from './as-written';

export interface AksProxyEnvironment {
  HTTP_PROXY?: string;
  http_proxy?: string;
  HTTPS_PROXY?: string;
  https_proxy?: string;
  NO_PROXY: string;
  no_proxy: string;
  /** Index signature so that the object is an environment map as the client models take it. */
  [name: string]: string | undefined;
}

/**
 * HTTP_PROXY/http_proxy = httpProxy; HTTPS_PROXY/https_proxy = httpsProxy, or httpProxy when httpsProxy is absent
 * (AKS falls back); NO_PROXY/no_proxy = the config's noProxy plus what AKS adds, joined with commas. A variable
 * whose value would be empty is left out (only HTTP_PROXY when the config has httpsProxy alone). Upper- and
 * lower-case twins always hold the same value. `noProxyEntries` replaces the effective NO_PROXY list (see
 * `noProxyAsWritten`). A disabled config (`enabled: false`) injects nothing.
 */
export function aksProxyEnvironment(
  config: ProxyConfig,
  network?: ClusterNetwork | null,
  noProxyEntries: readonly string[] = effectiveNoProxy(config.noProxy, network),
): AksProxyEnvironment {
  const env: AksProxyEnvironment = { NO_PROXY: '', no_proxy: '' };
  // A disabled proxy (enabled: false) is kept saved but not applied: AKS injects no variables at all.
  if (config.enabled === false) return env;
  if (config.httpProxy) {
    env.HTTP_PROXY = config.httpProxy;
    env.http_proxy = config.httpProxy;
  }
  const https = config.httpsProxy ?? config.httpProxy;
  if (https) {
    env.HTTPS_PROXY = https;
    env.https_proxy = https;
  }
  const noProxy = noProxyEntries.join(',');
  env.NO_PROXY = noProxy;
  env.no_proxy = noProxy;
  return env;
}

/**
 * The NO_PROXY list for a config whose noProxy is as the user wrote it (as-written.ts): its entries, then what AKS
 * adds, without case-insensitive duplicates; unlike `effectiveNoProxy` nothing is lower-cased, so every client
 * sees the entries exactly as written.
 */
export function noProxyAsWritten(noProxy: readonly string[] | undefined, network?: ClusterNetwork | null): string[] {
  return dedupeNoProxy([...(noProxy ?? []), ...AKS_ALWAYS_NO_PROXY, ...aksNetworkNoProxy(network)]);
}
