import { RenderUnsupportedError } from '../errors';
import { isDisabled, type ProxyConfig } from '../proxy-config';
import { renderedFields, type Rendering } from './common';

const HCL_ESCAPES: Record<string, string> = { '\\': '\\\\', '"': '\\"', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * An HCL quoted string: `\` and `"` escaped, line breaks and tabs as `\n`, `\r`, `\t`, other control characters as
 * `\uNNNN`, and the template openers `${` and `%{` doubled (`$${`, `%%{`) so they stay literal text.
 */
export function hclString(value: string): string {
  const escaped = value.replace(/[\\"\n\r\t]|\$\{|%\{|[\u0000-\u001f\u007f]/g, (m) => {
    if (m === '${') return '$${';
    if (m === '%{') return '%%{';
    return HCL_ESCAPES[m] ?? `\\u${m.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
  });
  return `"${escaped}"`;
}

/**
 * The azurerm `azurerm_kubernetes_cluster` block `http_proxy_config { ... }`, formatted as `terraform fmt` formats it:
 * consecutive single-line attributes have their `=` aligned; a multi-line list breaks the alignment group.
 * `trusted_ca` is left out when the config has none (an empty string fails with HTTPProxyTrustedCAPEMDecodeFailure).
 */
export function renderTerraform(config: ProxyConfig): Rendering {
  if (isDisabled(config)) {
    throw new RenderUnsupportedError(
      'terraform',
      'This version turns the HTTP proxy off (enabled: false), which the azurerm provider cannot express (http_proxy_config has no enabled argument); render it as az (az aks update --disable-http-proxy), arm or bicep instead.',
    );
  }
  const fields = renderedFields(config);
  // Each item: a single-line attribute [name, value] or a multi-line one [name, lines after the opening line].
  type Item = { name: string; value: string } | { name: string; open: string; body: string[]; close: string };
  const items: Item[] = [];
  if (fields.httpProxy !== undefined) items.push({ name: 'http_proxy', value: hclString(fields.httpProxy) });
  if (fields.httpsProxy !== undefined) items.push({ name: 'https_proxy', value: hclString(fields.httpsProxy) });
  if (fields.noProxy !== undefined) {
    items.push({ name: 'no_proxy', open: '[', body: fields.noProxy.map((e) => `${hclString(e)},`), close: ']' });
  }
  if (fields.trustedCa !== undefined) items.push({ name: 'trusted_ca', value: hclString(fields.trustedCa) });

  const lines = ['http_proxy_config {'];
  let group: { name: string; value: string }[] = [];
  const flush = () => {
    const width = Math.max(0, ...group.map((a) => a.name.length));
    for (const a of group) lines.push(`  ${a.name.padEnd(width)} = ${a.value}`);
    group = [];
  };
  for (const item of items) {
    if ('value' in item) {
      group.push(item);
      continue;
    }
    flush();
    lines.push(`  ${item.name} = ${item.open}`, ...item.body.map((l) => `    ${l}`), `  ${item.close}`);
  }
  flush();
  lines.push('}');
  return { contentType: 'text/plain', filename: 'aks-proxy-config.tf.txt', body: `${lines.join('\n')}\n` };
}
