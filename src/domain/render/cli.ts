import type { ProxyConfig } from '../proxy-config';
import { renderedFields, type Rendering } from './common';

/** The name `az aks create|update --http-proxy-config` expects the file under (SPEC.md "Renderings"). */
export const CLI_FILENAME = 'aks-proxy-config.json';

/** The file for `az aks update --http-proxy-config`: the config object itself, 2-space indented JSON. */
export function renderCli(config: ProxyConfig): Rendering {
  return {
    contentType: 'application/json',
    filename: CLI_FILENAME,
    body: `${JSON.stringify(renderedFields(config), null, 2)}\n`,
  };
}
