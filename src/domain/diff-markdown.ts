import { blocks, code, item, text } from './chat-markdown';
import type { ConfigDiff } from './diff';
import type { CertificateDescription, Finding, Severity } from './proxy-config';

/**
 * The diff as Markdown for chat (API.md: `?format=markdown` or `Accept: text/markdown` on the diff route), written in
 * the subset that Slack's mrkdwn and Teams' Markdown both render (chat-markdown.ts): no headings, tables or emphasis;
 * paragraphs, `- ` lists and code spans. It says what an approver needs in the channel: who submitted the version
 * (and through which bot), why, the change ticket, the approvals so far, then what changes and its impact.
 */

/** What the version being looked at says about itself (from the stored version; all optional for a bare diff). */
export interface DiffVersionFacts {
  status: string;
  submittedBy: string;
  submittedVia: string | null;
  submittedAt: string;
  reason: string;
  changeTicket: string | null;
  requiredApprovals: number;
  decisions: { actor: string; via: string | null; decision: 'approve' | 'reject'; comment: string; at: string }[];
}

const SEVERITY_LABEL: Record<Severity, string> = {
  error: '\u274C Error',
  warning: '\u26A0\uFE0F Warning',
  info: '\u2139\uFE0F Info',
};

/** How many hex digits of a certificate fingerprint the Markdown shows. */
export const FINGERPRINT_PREFIX_LENGTH = 16;

function certificateLine(sign: string, cert: CertificateDescription): string {
  const fp = cert.sha256Fingerprint.toLowerCase().slice(0, FINGERPRINT_PREFIX_LENGTH);
  return item(`${sign} ${code(cert.subject)}, expires ${code(cert.notAfter)}, SHA-256 ${code(`${fp}\u2026`)}`);
}

function findingLine(f: Finding): string {
  const at = f.pointer ? ` at ${code(f.pointer)}` : '';
  return item(`${SEVERITY_LABEL[f.severity]} ${code(f.code)}${at}: ${text(f.message)}`);
}

const urlOrNone = (url: string | null): string => (url === null ? '(none)' : code(url));
const via = (bot: string | null): string => (bot ? ` via ${code(bot)}` : '');

function factLines(facts: DiffVersionFacts): string[] {
  const approvals = facts.decisions.filter((d) => d.decision === 'approve');
  const rejections = facts.decisions.filter((d) => d.decision === 'reject');
  const lines = [
    item(`Submitted by ${code(facts.submittedBy)}${via(facts.submittedVia)} at ${code(facts.submittedAt)}`),
    item(`Reason: ${text(facts.reason)}`),
    item(`Change ticket: ${facts.changeTicket ? code(facts.changeTicket) : '(none)'}`),
    item(
      `Approvals so far: ${approvals.length} of ${facts.requiredApprovals}` +
        (approvals.length > 0 ? ` (${approvals.map((d) => code(d.actor)).join(', ')})` : '') +
        (rejections.length > 0 ? `; rejected by ${rejections.map((d) => code(d.actor)).join(', ')}` : ''),
    ),
  ];
  for (const d of facts.decisions) {
    const what = d.decision === 'approve' ? 'approved' : 'rejected';
    lines.push(item(`${code(d.actor)}${via(d.via)} ${what} at ${code(d.at)}${d.comment.trim() ? `: ${text(d.comment)}` : ''}`));
  }
  return lines;
}

/** The diff as Markdown for chat: title, summary, the version's facts, proxy URLs, noProxy and certificate changes, impact. */
export function diffToMarkdown(diff: ConfigDiff, clusterName: string, facts?: DiffVersionFacts): string {
  const versions = diff.from === null ? `v${diff.to} (first version)` : `v${diff.from} \u2192 v${diff.to}`;
  const status = facts ? `, ${facts.status}` : '';
  const parts: (string | string[])[] = [`Proxy config of cluster ${code(clusterName)}: ${versions}${status}`, text(diff.summary)];
  if (facts) parts.push(factLines(facts));

  if (diff.changed) {
    // One line for chat when the proxy moves on a cluster with the Istio add-on: the ServiceEntry must change first.
    if (diff.proxyEndpointChanged && diff.impact.some((f) => f.code === 'ISTIO_SERVICE_ENTRY_NEEDED')) {
      parts.push(`\u26A0\uFE0F Istio add-on: change the ServiceEntry first: apply the ${code('istio')} rendering of v${diff.to} before this config.`);
    }
    if (diff.proxies.length > 0) {
      parts.push('Proxy URLs:', diff.proxies.map((p) => item(`${p.field}: ${urlOrNone(p.from)} \u2192 ${urlOrNone(p.to)}`)));
    }
    if (diff.noProxy.added.length > 0 || diff.noProxy.removed.length > 0) {
      parts.push(`noProxy (+${diff.noProxy.added.length} \u2212${diff.noProxy.removed.length}):`, [
        ...diff.noProxy.added.map((entry) => item(`added ${code(entry)}`)),
        ...diff.noProxy.removed.map((entry) => item(`removed ${code(entry)}`)),
      ]);
    }
    if (diff.trustedCa.added.length > 0 || diff.trustedCa.removed.length > 0) {
      parts.push(`Trusted CA certificates (+${diff.trustedCa.added.length} \u2212${diff.trustedCa.removed.length}):`, [
        ...diff.trustedCa.added.map((cert) => certificateLine('added', cert)),
        ...diff.trustedCa.removed.map((cert) => certificateLine('removed', cert)),
      ]);
    }
    if (diff.impact.length > 0) parts.push('Impact:', diff.impact.map(findingLine));
  }
  return blocks(parts);
}
