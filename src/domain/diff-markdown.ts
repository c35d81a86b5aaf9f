import type { ConfigDiff } from './diff';
import type { CertificateDescription, Finding, Severity } from './proxy-config';

/**
 * CommonMark (GitHub-flavoured) text a chat bot can post as is (Teams, Slack `markdown` blocks, Mattermost,
 * GitHub comments). User content (hosts, URLs, certificate subjects, messages) never changes the formatting:
 * identifiers go into code spans, free text is backslash-escaped, line breaks become spaces.
 */

/** Line breaks and other control characters turned into spaces, so content cannot start a new block. */
function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f\u0085\u2028\u2029]+/g, ' ');
}

/**
 * Backslash-escapes what CommonMark/GFM may read as markup anywhere in a line (emphasis, code, links, HTML, entities,
 * tables, strike-through, math), and a leading block marker (heading, quote, list item, thematic break).
 */
export function escapeMarkdown(text: string): string {
  const inline = oneLine(text).replace(/[\\`*_[\]<>|~&$]/g, (c) => `\\${c}`);
  return inline.replace(/^(\s*)(#|>|[-+=]|\d+(?=[.)]))/, (_m, space: string, marker: string) =>
    /^\d/.test(marker) ? `${space}${marker}\\` : `${space}\\${marker}`,
  );
}

/**
 * A code span holding `text` literally: the fence is one backtick longer than the longest run of backticks inside,
 * padded with spaces when the text starts or ends with a backtick or a space (CommonMark 6.1).
 */
export function codeSpan(text: string): string {
  const flat = oneLine(text);
  if (flat.trim() === '') return '_(blank)_';
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  // CommonMark strips one space on each side when both are there, and needs one next to a backtick.
  const pad = /^[` ]/.test(flat) || /[` ]$/.test(flat) ? ' ' : '';
  return `${fence}${pad}${flat}${pad}${fence}`;
}

const SEVERITY_LABEL: Record<Severity, string> = {
  error: '\u274C **Error**',
  warning: '\u26A0\uFE0F **Warning**',
  info: '\u2139\uFE0F **Info**',
};

/** How many hex digits of a certificate fingerprint the Markdown shows. */
export const FINGERPRINT_PREFIX_LENGTH = 16;

function certificateLine(sign: string, cert: CertificateDescription): string {
  const fp = cert.sha256Fingerprint.toLowerCase().slice(0, FINGERPRINT_PREFIX_LENGTH);
  return `- **${sign}** ${codeSpan(cert.subject)}, expires ${codeSpan(cert.notAfter)}, SHA-256 ${codeSpan(`${fp}\u2026`)}`;
}

function findingLine(f: Finding): string {
  const at = f.pointer ? ` at ${codeSpan(f.pointer)}` : '';
  return `- ${SEVERITY_LABEL[f.severity]} ${codeSpan(f.code)}${at}: ${escapeMarkdown(f.message)}`;
}

const urlOrNone = (url: string | null): string => (url === null ? '_none_' : codeSpan(url));

/** The diff as Markdown for chat: heading, summary, proxy URLs, noProxy and certificate changes, impact. */
export function diffToMarkdown(diff: ConfigDiff, clusterName: string): string {
  const versions = diff.from === null ? `v${diff.to} (first version)` : `v${diff.from} \u2192 v${diff.to}`;
  const lines: string[] = [`### Proxy config of cluster ${codeSpan(clusterName)}: ${versions}`, '', escapeMarkdown(diff.summary)];

  if (!diff.changed) return `${lines.join('\n')}\n`;

  if (diff.proxyEndpointChanged && diff.impact.some((f) => f.code === 'ISTIO_SERVICE_ENTRY_NEEDED')) {
    lines.push('', `\u26A0\uFE0F **Istio add-on:** change the ServiceEntry first: apply the ${codeSpan('istio')} rendering of v${diff.to} before this config.`);
  }

  if (diff.proxies.length > 0) {
    lines.push('', '**Proxy URLs**', '');
    for (const p of diff.proxies) {
      lines.push(`- ${p.field}: ${urlOrNone(p.from)} \u2192 ${urlOrNone(p.to)}`);
    }
  }

  if (diff.noProxy.added.length > 0 || diff.noProxy.removed.length > 0) {
    lines.push('', `**noProxy** (+${diff.noProxy.added.length} \u2212${diff.noProxy.removed.length})`, '');
    for (const entry of diff.noProxy.added) lines.push(`- **+** ${codeSpan(entry)}`);
    for (const entry of diff.noProxy.removed) lines.push(`- **\u2212** ${codeSpan(entry)}`);
  }

  if (diff.trustedCa.added.length > 0 || diff.trustedCa.removed.length > 0) {
    lines.push('', `**Trusted CA certificates** (+${diff.trustedCa.added.length} \u2212${diff.trustedCa.removed.length})`, '');
    for (const cert of diff.trustedCa.added) lines.push(certificateLine('+', cert));
    for (const cert of diff.trustedCa.removed) lines.push(certificateLine('\u2212', cert));
  }

  if (diff.impact.length > 0) {
    lines.push('', '**Impact**', '');
    for (const f of diff.impact) lines.push(findingLine(f));
  }

  return `${lines.join('\n')}\n`;
}
