/**
 * Markdown for chat (Slack, Teams): a short header with the effective NO_PROXY, then one table per URL with one row
 * per client (Client | Route | Why). Cells never contain raw pipes or newlines; URLs are in code spans so that
 * chat clients do not unfurl them.
 */
import { CLIENT_IDS, type ClientId } from './types';
import type { ExplainResult } from './index';

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
    const verdicts = CLIENT_IDS.map((id) => r.clients[id]);
    const viaProxy = verdicts.filter((v) => v.proxy !== null).length;
    const distinct = new Set(verdicts.map((v) => v.proxy ?? '')).size;
    lines.push('');
    lines.push(
      distinct === 1
        ? viaProxy === 0
          ? 'All clients go direct.'
          : 'All clients use the same proxy.'
        : `**Clients disagree**: ${viaProxy} of ${verdicts.length} use a proxy, ${verdicts.length - viaProxy} go direct.`,
    );
    lines.push('');
    lines.push('| Client | Route | Why |');
    lines.push('| --- | --- | --- |');
    for (const id of CLIENT_IDS) {
      const v = r.clients[id];
      const route = v.proxy === null ? 'direct' : `proxy ${code(v.proxy)}`;
      lines.push(`| ${SHORT_LABELS[id]} | ${cell(route)} | ${cell(v.reason)} |`);
    }
  }
  return lines.join('\n') + '\n';
}
