import { isDisabled, type ProxyConfig } from '../proxy-config';
import { CLI_FILENAME } from './cli';
import type { RenderContext, Rendering, RenderTarget } from './common';

/**
 * A POSIX shell word for `value`: as is when it holds only characters no shell treats specially, else single-quoted
 * with each `'` written as `'\''`. The empty string is `''`.
 */
export function shellQuote(value: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** `--flag value`, or `--flag=value` when the value starts with `-` (argparse would read it as another option). */
function option(flag: string, value: string): string {
  return value.startsWith('-') ? shellQuote(`${flag}=${value}`) : `${flag} ${shellQuote(value)}`;
}

/**
 * The `az aks update` command line that applies the CLI file (rendering `cli`, saved as `aks-proxy-config.json`)
 * to the target cluster. The config itself is not part of the command; the file holds it.
 *
 * A disabled config (`enabled: false`) adds `--disable-http-proxy`; an enabled one adds `--enable-http-proxy` when the
 * approved version before it was disabled (AKS keeps a disabled proxy off until told otherwise). Both flags need Azure
 * CLI 2.85.0 or later; an older CLI refuses the unknown flag instead of silently dropping `enabled` from the file.
 */
export function renderAz(config: ProxyConfig, target: RenderTarget, context: RenderContext = {}): Rendering {
  const words = [
    'az aks update',
    option('--name', target.clusterName),
    option('--resource-group', target.resourceGroup),
  ];
  if (target.subscriptionId) words.push(option('--subscription', target.subscriptionId));
  words.push(option('--http-proxy-config', CLI_FILENAME));
  if (isDisabled(config)) words.push('--disable-http-proxy');
  else if (isDisabled(context.precedingApproved)) words.push('--enable-http-proxy');
  return { contentType: 'text/plain', filename: 'aks-proxy-config.az.sh', body: `${words.join(' ')}\n` };
}
