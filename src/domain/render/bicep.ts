import type { ProxyConfig } from '../proxy-config';
import { renderedFields, type Rendering } from './common';

const BICEP_ESCAPES: Record<string, string> = { '\\': '\\\\', "'": "\\'", '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * A Bicep single-quoted string: `\`, `'` and `${` escaped, line breaks and tabs as `\n`, `\r`, `\t`, any other control
 * character as `\u{HEX}`.
 */
export function bicepString(value: string): string {
  const escaped = value.replace(/[\\'\n\r\t]|\$\{|[\u0000-\u001f\u007f]/g, (m) => {
    if (m === '${') return '\\${';
    return BICEP_ESCAPES[m] ?? `\\u{${m.charCodeAt(0).toString(16).toUpperCase()}}`;
  });
  return `'${escaped}'`;
}

/** `properties: { httpProxyConfig: { ... } }` for a managedClusters resource in Bicep (newline-separated, no commas). */
export function renderBicep(config: ProxyConfig): Rendering {
  const fields = renderedFields(config);
  const inner: string[] = [];
  if (fields.httpProxy !== undefined) inner.push(`httpProxy: ${bicepString(fields.httpProxy)}`);
  if (fields.httpsProxy !== undefined) inner.push(`httpsProxy: ${bicepString(fields.httpsProxy)}`);
  if (fields.noProxy !== undefined) {
    inner.push('noProxy: [', ...fields.noProxy.map((entry) => `  ${bicepString(entry)}`), ']');
  }
  if (fields.trustedCa !== undefined) inner.push(`trustedCa: ${bicepString(fields.trustedCa)}`);
  if (fields.enabled === false) inner.push('enabled: false');
  const lines =
    inner.length === 0
      ? ['properties: {', '  httpProxyConfig: {}', '}']
      : ['properties: {', '  httpProxyConfig: {', ...inner.map((line) => `    ${line}`), '  }', '}'];
  return { contentType: 'text/plain', filename: 'aks-proxy-config.bicep.txt', body: `${lines.join('\n')}\n` };
}
