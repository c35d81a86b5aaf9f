/**
 * Markdown for chat (Slack, Teams), in the subset both render (../chat-markdown.ts): a title, the effective
 * NO_PROXY, then per URL one sentence on whether the clients agree and a `- ` list with one item per client (route:
 * "proxy `url`", "direct" or "no request", and why). No tables: Slack shows none and Teams text messages neither.
 * URLs are in code spans so that chat clients do not unfurl them.
 */
import { blocks, code, item, text } from '../chat-markdown';
import { CLIENT_IDS, isNoRequest, type ClientAnswer, type ClientId } from './types';
import { proxyEndpoint } from './url';
import type { ExplainResult } from './index';

const SHORT_LABELS: Readonly<Record<ClientId, string>> = {
  go: 'Go',
  curl: 'curl',
  'python-urllib': 'Python urllib',
  'python-requests': 'Python requests',
  'node-undici': 'Node (undici)',
  ruby: 'Ruby',
};

export interface MarkdownOptions {
  /** Title line; default "Proxy routing per client". */
  title?: string;
}

function route(v: ClientAnswer): string {
  if (isNoRequest(v)) return 'no request';
  return typeof v.proxy === 'string' ? `proxy ${code(v.proxy)}` : 'direct';
}

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

/**
 * One sentence on whether the clients agree. Proxies are compared by endpoint (proxyEndpoint): undici shows
 * `http://proxy.corp/` where the others show `http://proxy.corp:80/`, and that is one proxy. Clients that make no
 * request are counted apart, neither as direct nor as disagreeing.
 */
function summary(clients: Record<ClientId, ClientAnswer>): string {
  const verdicts = CLIENT_IDS.map((id) => clients[id]);
  const none = verdicts.filter(isNoRequest).length;
  const viaProxy = verdicts.filter((v) => !isNoRequest(v) && typeof v.proxy === 'string');
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
    `Clients disagree: ${viaProxy.length} of ${verdicts.length} use a proxy${proxies}, ` +
    `${plural(direct, 'goes direct', 'go direct')}${none > 0 ? `, ${noRequest}` : ''}.`
  );
}

export function renderExplainMarkdown(result: ExplainResult, options: MarkdownOptions = {}): string {
  const parts: (string | string[])[] = [options.title ?? 'Proxy routing per client'];
  const np = result.effectiveNoProxy;
  parts.push(np.length === 0 ? 'Effective NO_PROXY: (empty)' : `Effective NO_PROXY (${np.length} entries, what AKS injects): ${np.map(code).join(', ')}`);
  for (const r of result.results) {
    const clients = r.clients;
    if (r.error !== undefined || !clients) {
      parts.push(`URL ${code(r.url)}: cannot explain: ${text(r.error ?? 'invalid URL')}`);
      continue;
    }
    parts.push(`URL ${code(r.url)}: ${summary(clients)}`);
    parts.push(CLIENT_IDS.map((id) => item(`${SHORT_LABELS[id]}: ${route(clients[id])}. Why: ${text(clients[id].reason)}`)));
  }
  return blocks(parts);
}
