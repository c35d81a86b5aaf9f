import type { ProxyConfig } from '../proxy-config';
import { renderArm } from './arm';
import { renderAz } from './az';
import { renderBicep } from './bicep';
import { renderCli } from './cli';
import type { RenderContext, Rendering, RenderTarget } from './common';
import { renderIstio } from './istio';
import { renderTerraform } from './terraform';

export { CLI_FILENAME } from './cli';
export { bicepString } from './bicep';
export { hclString } from './terraform';
export { shellQuote } from './az';
export { istioServiceEntry, IP_ONLY_HOST, SERVICE_ENTRY_NAME, type IstioServiceEntry } from './istio';
export type { RenderContext, Rendering, RenderTarget } from './common';
export { RenderUnsupportedError } from '../errors';

export const RENDER_FORMATS = ['cli', 'arm', 'bicep', 'terraform', 'az', 'istio'] as const;
export type RenderFormat = (typeof RENDER_FORMATS)[number];

export const isRenderFormat = (value: unknown): value is RenderFormat =>
  typeof value === 'string' && (RENDER_FORMATS as readonly string[]).includes(value);

/**
 * A normalized config rendered for a tool. Deterministic: the same input gives byte-identical output. Every body
 * ends with a newline; fields appear in canonical order and absent ones are left out. Throws RenderUnsupportedError
 * when the format cannot express the config (terraform for a disabled proxy; istio for a disabled proxy or a host-name
 * proxy without known IPs).
 */
export function render(format: RenderFormat, config: ProxyConfig, target: RenderTarget, context: RenderContext = {}): Rendering {
  switch (format) {
    case 'cli':
      return renderCli(config);
    case 'arm':
      return renderArm(config);
    case 'bicep':
      return renderBicep(config);
    case 'terraform':
      return renderTerraform(config);
    case 'az':
      return renderAz(config, target, context);
    case 'istio':
      return renderIstio(config, target);
    default: {
      const unknown: never = format;
      throw new RangeError(`Unknown render format: ${String(unknown)}`);
    }
  }
}
