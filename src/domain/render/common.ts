import type { ProxyConfig } from '../proxy-config';

/** The cluster a rendering is meant for. */
export interface RenderTarget {
  clusterName: string;
  resourceGroup: string;
  subscriptionId?: string | null;
  /** The IP addresses behind the proxy host names (the cluster's network.proxyAddresses), for the Istio ServiceEntry. */
  proxyAddresses?: readonly string[] | null;
}

/**
 * The format cannot express the version (an Istio ServiceEntry for a host-name proxy without known IPs, a disabled
 * proxy). The service answers it as 409 RENDER_UNSUPPORTED with this message, which says what to do.
 */
export class RenderUnsupportedError extends Error {
  override name = 'RenderUnsupportedError';
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
}

/**
 * The config's four fields in canonical order (httpProxy, httpsProxy, noProxy, trustedCa), as fresh copies. Absent,
 * null, empty-string and empty-array fields are left out (AKS reads an empty `trustedCa` as a broken PEM), and so is
 * any key that is not one of the four.
 */
export function renderedFields(config: ProxyConfig): RenderedFields {
  const out: RenderedFields = {};
  if (typeof config.httpProxy === 'string' && config.httpProxy !== '') out.httpProxy = config.httpProxy;
  if (typeof config.httpsProxy === 'string' && config.httpsProxy !== '') out.httpsProxy = config.httpsProxy;
  if (Array.isArray(config.noProxy) && config.noProxy.length > 0) out.noProxy = [...config.noProxy];
  if (typeof config.trustedCa === 'string' && config.trustedCa !== '') out.trustedCa = config.trustedCa;
  return out;
}
