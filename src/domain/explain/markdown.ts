/**
 * Markdown for chat (Slack, Teams): a short header with the effective NO_PROXY, then one table per URL with one row
 * per client (Client | Route | Why; Route is "proxy `url`", "direct" or "no request"). Cells never contain raw
 * pipes or newlines; URLs are in code spans so that chat clients do not unfurl them.
 */
import { CLIENT_IDS, makesNoRequest, type ClientId, type ClientVerdict } from './types';
import { proxyEndpoint } from './url';
import type { ExplainResult, ExplainUrlResult } from './index';

const SHORT_LABELS: Readonly<Record<ClientId, string>> = {
  go: 'Go',
  curl: 'curl',
  'python-urllib': 'Python urllib',
  'python-requests': 'Python requests',
  'node-undici': 'Node (undici)',
  ruby: 'Ruby',
};

/** A table cell: one line, pipes escaped. */
function cell(text: string): string {
  return text.replace(/\r?\n|\r/g, ' ').replace(/\|/g, '\\|');
}

/** A code span that survives backticks inside. */
function code(text: string): string {
  const flat = text.replace(/\r?\n|\r/g, ' ');
  const fence = flat.includes('`') ? '``' : '`';
  const pad = flat.startsWith('`') || flat.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${flat}${pad}${fence}`;
}

export interface MarkdownOptions {
  /** Title line; default "Proxy routing per client". */
  title?: string;
}

function route(v: ClientVerdict): string {
  if (v.proxy !== null) return `proxy ${code(v.proxy)}`;
  return makesNoRequest(v) ? 'no request' : 'direct';
}

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

/**
 * One sentence on whether the clients agree. Proxies are compared by endpoint (proxyEndpoint): undici shows
 * `http://proxy.corp/` where the others show `http://proxy.corp:80/`, and that is one proxy. Clients that make no
 * request are counted apart, neither as direct nor as disagreeing.
 */
function summary(r: ExplainUrlResult): string {
  const verdicts = CLIENT_IDS.map((id) => r.clients[id]);
  const none = verdicts.filter(makesNoRequest).length;
  const viaProxy = verdicts.filter((v) => v.proxy !== null);
  const direct = verdicts.length - none - viaProxy.length;
  const endpoints = new Set(viaProxy.map((v) => proxyEndpoint(v.proxy!)));
  const routes = endpoints.size + (direct > 0 ? 1 : 0);
  const noRequest = plural(none, 'makes no request', 'make no request');
  if (none === verdicts.length) return 'No client makes a request.';
  if (routes <= 1) {
    const all = viaProxy.length > 0 ? 'use the same proxy' : 'go direct';
    return none === 0 ? `All clients ${all}.` : `All clients that make a request ${all}; ${noRequest}.`;
  }
  const proxies = endpoints.size > 1 ? ` (${endpoints.size} different proxies)` : '';
  return (
    `**Clients disagree**: ${viaProxy.length} of ${verdicts.length} use a proxy${proxies}, ` +
    `${plural(direct, 'goes direct', 'go direct')}${none > 0 ? `, ${noRequest}` : ''}.`
  );
}

export function renderExplainMarkdown(result: ExplainResult, options: MarkdownOptions = {}): string {
  const lines: string[] = [];
  lines.push(`**${options.title ?? 'Proxy routing per client'}**`);
  lines.push('');
  const np = result.effectiveNoProxy;
  lines.push(
    np.length === 0
      ? 'Effective NO_PROXY: (empty)'
      : `Effective NO_PROXY (${np.length} entries, what AKS injects): ${cell(np.map(code).join(', '))}`,
  );
  for (const r of result.results) {
    lines.push('');
    lines.push(`**URL** ${cell(code(r.url))}`);
    if (r.error) {
      lines.push('');
      lines.push(`Cannot explain: ${cell(r.error)}`);
      continue;
    }
    lines.push('');
    lines.push(summary(r));
    lines.push('');
    lines.push('| Client | Route | Why |');
    lines.push('| --- | --- | --- |');
    for (const id of CLIENT_IDS) {
      const v = r.clients[id];
      lines.push(`| ${SHORT_LABELS[id]} | ${cell(route(v))} | ${cell(v.reason)} |`);
    }
  }
  return lines.join('\n') + '\n';
}
