import type { ProxyConfig } from '../proxy-config';

/** The cluster a rendering is meant for. */
export interface RenderTarget {
  clusterName: string;
  resourceGroup: string;
  subscriptionId?: string | null;
  /** The IP addresses behind the proxy host names (the cluster's network.proxyAddresses), for the Istio ServiceEntry. */
  proxyAddresses?: readonly string[] | null;
}


/** What a rendering may need to know beyond the version itself. */
export interface RenderContext {
  /**
   * The config of the approved version before the one rendered (by version number), if any: the `az` rendering of
   * an enabled config adds `--enable-http-proxy` when that one was disabled.
   */
  precedingApproved?: ProxyConfig | null;
}

/** A rendered config: the HTTP layer sends `body` as is, with `contentType` and, for downloads, `filename`. */
export interface Rendering {
  contentType: string;
  filename: string;
  body: string;
}

/** The fields of a config a rendering shows, in canonical order. */
export interface RenderedFields {
  httpProxy?: string;
  httpsProxy?: string;
  noProxy?: string[];
  trustedCa?: string;
  enabled?: false;
}

/**
 * The config's fields in canonical order (httpProxy, httpsProxy, noProxy, trustedCa, enabled), as fresh copies.
 * Absent, null, empty-string and empty-array fields are left out (AKS reads an empty `trustedCa` as a broken PEM), and
 * so is any key that is not a field. `enabled` appears only as `false` (absent means true).
 */
export function renderedFields(config: ProxyConfig): RenderedFields {
  const out: RenderedFields = {};
  if (typeof config.httpProxy === 'string' && config.httpProxy !== '') out.httpProxy = config.httpProxy;
  if (typeof config.httpsProxy === 'string' && config.httpsProxy !== '') out.httpsProxy = config.httpsProxy;
  if (Array.isArray(config.noProxy) && config.noProxy.length > 0) out.noProxy = [...config.noProxy];
  if (typeof config.trustedCa === 'string' && config.trustedCa !== '') out.trustedCa = config.trustedCa;
  if (config.enabled === false) out.enabled = false;
  return out;
}
