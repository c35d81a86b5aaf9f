import type { ProxyConfig } from '../proxy-config';
import { renderedFields, type Rendering } from './common';

/** The fragment a `Microsoft.ContainerService/managedClusters` ARM template embeds. */
export function renderArm(config: ProxyConfig): Rendering {
  const fragment = { properties: { httpProxyConfig: renderedFields(config) } };
  return {
    contentType: 'application/json',
    filename: 'aks-proxy-config.arm.json',
    body: `${JSON.stringify(fragment, null, 2)}\n`,
  };
}
