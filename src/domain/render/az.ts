import type { ProxyConfig } from '../proxy-config';
import { CLI_FILENAME } from './cli';
import type { Rendering, RenderTarget } from './common';

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
 */
export function renderAz(_config: ProxyConfig, target: RenderTarget): Rendering {
  const words = [
    'az aks update',
    option('--name', target.clusterName),
    option('--resource-group', target.resourceGroup),
  ];
  if (target.subscriptionId) words.push(option('--subscription', target.subscriptionId));
  words.push(option('--http-proxy-config', CLI_FILENAME));
  return { contentType: 'text/plain', filename: 'aks-proxy-config.az.sh', body: `${words.join(' ')}\n` };
}
