import { describe, expect, it } from 'vitest';
import { diffVersions, type VersionSnapshot } from './diff';
import { diffToMarkdown, type DiffVersionFacts } from './diff-markdown';
import { code, text } from './chat-markdown';
import { chatProblems, slackVisible, teamsVisible } from '../../test/support/chat-renderers';
import type { CertificateDescription, ProxyConfig } from './proxy-config';

function cert(subject: string, fingerprint: string, notAfter = '2034-01-01T00:00:00Z'): CertificateDescription {
  return {
    subject,
    issuer: subject,
    serialNumber: '01',
    notBefore: '2024-01-01T00:00:00Z',
    notAfter,
    sha256Fingerprint: fingerprint,
    subjectAltNames: ['DNS:root.corp.example'],
    isCA: true,
    keyAlgorithm: 'EC',
    keySize: 256,
    signatureAlgorithm: 'ecdsa-with-SHA256',
  };
}

const snap = (version: number, config: ProxyConfig, certificates: CertificateDescription[] = []): VersionSnapshot => ({
  version,
  config,
  certificates,
});

const OLD_CA = cert('CN=Old Root, O=Corp', '0123456789abcdef'.repeat(4), '2026-01-01T00:00:00Z');
const NEW_CA = cert('CN=New *Root*, O=Corp_X', 'fedcba9876543210'.repeat(4));

describe('chat-markdown text and code', () => {
  it('keeps plain text as it is and puts text with markup characters into a code span', () => {
    expect(text('Move to the new egress proxy')).toBe('Move to the new egress proxy');
    expect(text('*.corp_x needs **this**')).toBe('`*.corp_x needs **this**`');
    expect(text('- not a list')).toBe('`- not a list`');
    expect(text('# not a heading')).toBe('`# not a heading`');
    expect(text('a\n# b\r\n---')).toBe('a # b ---');
    expect(text('  ')).toBe('(blank)');
  });
  it('code spans use one backtick; a backtick, &, < and > inside become look-alikes (Slack and Teams read them differently)', () => {
    expect(code('*.corp_x')).toBe('`*.corp_x`');
    expect(code('a`b')).toBe('`a\u02cbb`');
    expect(code('<a&b>')).toBe('`\uff1ca\uff06b\uff1e`');
    expect(code('line\nbreak')).toBe('`line break`');
  });
});

const FACTS: DiffVersionFacts = {
  status: 'pending',
  submittedBy: 'alice',
  submittedVia: 'chatops-bot',
  submittedAt: '2026-12-01T09:00:00.000Z',
  reason: 'Move to the new egress proxy (see *runbook*)',
  changeTicket: 'CHG0012345',
  requiredApprovals: 2,
  decisions: [{ actor: 'bob', via: null, decision: 'approve', comment: 'PDBs checked', at: '2026-12-01T10:00:00.000Z' }],
};

describe('diffToMarkdown', () => {
  const from = snap(
    3,
    { httpProxy: 'http://old:8080/', noProxy: ['*.corp_x', 'keep.example', 'old.example'], trustedCa: 'QQ==' },
    [OLD_CA],
  );
  const to = snap(
    4,
    { httpProxy: 'http://new:3128/', noProxy: ['.svc', 'keep.example', 'x`y'], trustedCa: 'Qg==' },
    [NEW_CA],
  );
  const md = diffToMarkdown(diffVersions(from, to), 'prod_east-1', FACTS);

  it('renders title, summary, who submitted, reason, change ticket, approvals so far, proxies, noProxy, certificates and impact', () => {
    expect(md).toBe(
      [
        'Proxy config of cluster `prod_east-1`: v3 → v4, pending',
        '',
        'v3 → v4: httpProxy http://old:8080/ → http://new:3128/; noProxy +2 −2; trustedCa +1 −1 certificates; reimages every node pool',
        '',
        '- Submitted by `alice` via `chatops-bot` at `2026-12-01T09:00:00.000Z`',
        '- Reason: `Move to the new egress proxy (see *runbook*)`',
        '- Change ticket: `CHG0012345`',
        '- Approvals so far: 1 of 2 (`bob`)',
        '- `bob` approved at `2026-12-01T10:00:00.000Z`: PDBs checked',
        '',
        'Proxy URLs:',
        '',
        '- httpProxy: `http://old:8080/` → `http://new:3128/`',
        '',
        'noProxy (+2 −2):',
        '',
        '- added `.svc`',
        '- added `x\u02cby`',
        '- removed `*.corp_x`',
        '- removed `old.example`',
        '',
        'Trusted CA certificates (+1 −1):',
        '',
        '- added `CN=New *Root*, O=Corp_X`, expires `2034-01-01T00:00:00Z`, SHA-256 `fedcba9876543210…`',
        '- removed `CN=Old Root, O=Corp`, expires `2026-01-01T00:00:00Z`, SHA-256 `0123456789abcdef…`',
        '',
        'Impact:',
        '',
        '- ⚠️ Warning `UPDATE_REIMAGES_NODES`: Applying this config reimages every node pool of the cluster; make sure Pod Disruption Budgets protect your workloads and schedule the change in a maintenance window.',
        '- ⚠️ Warning `PROXY_ENDPOINT_CHANGED` at `/httpProxy`: The HTTP proxy changes from old:8080 to new:3128; the new proxy must already be reachable from every node before this is applied.',
        // httpsProxy is absent: httpProxy serves HTTPS too, so its endpoint changes as well.
        '- ⚠️ Warning `PROXY_ENDPOINT_CHANGED`: The HTTPS proxy changes from old:8080 to new:3128; the new proxy must already be reachable from every node before this is applied.',
        '',
      ].join('\n'),
    );
  });

  it('uses only what Slack mrkdwn and Teams Markdown both render: no tables, headings, emphasis or escapes', () => {
    expect(chatProblems(md)).toEqual([]);
    // The checker does catch what the old output had.
    const old = chatProblems('### Title\n\n**bold**\n\n| a | b |\n| --- | --- |\n\n- ``x`y``\n\nfoo \\_bar\\_').join('\n');
    for (const kind of ['a heading', '"*" outside a code span', 'a pipe table', 'a multi-backtick code span', '"\\\\" outside a code span']) expect(old).toContain(kind);
  });

  it('reads the same in Slack and in Teams (samples of what each shows)', () => {
    const slack = slackVisible(md);
    const teams = teamsVisible(md);
    // Slack keeps every line; Teams joins the lines of a paragraph and shows list items with bullets.
    expect(slack.split('\n').slice(0, 9)).toEqual([
      'Proxy config of cluster prod_east-1: v3 → v4, pending',
      '',
      'v3 → v4: httpProxy http://old:8080/ → http://new:3128/; noProxy +2 −2; trustedCa +1 −1 certificates; reimages every node pool',
      '',
      '- Submitted by alice via chatops-bot at 2026-12-01T09:00:00.000Z',
      '- Reason: Move to the new egress proxy (see *runbook*)',
      '- Change ticket: CHG0012345',
      '- Approvals so far: 1 of 2 (bob)',
      '- bob approved at 2026-12-01T10:00:00.000Z: PDBs checked',
    ]);
    expect(teams.split('\n').slice(0, 9)).toEqual([
      'Proxy config of cluster prod_east-1: v3 → v4, pending',
      '',
      'v3 → v4: httpProxy http://old:8080/ → http://new:3128/; noProxy +2 −2; trustedCa +1 −1 certificates; reimages every node pool',
      '',
      '• Submitted by alice via chatops-bot at 2026-12-01T09:00:00.000Z',
      '• Reason: Move to the new egress proxy (see *runbook*)',
      '• Change ticket: CHG0012345',
      '• Approvals so far: 1 of 2 (bob)',
      '• bob approved at 2026-12-01T10:00:00.000Z: PDBs checked',
    ]);
    // Same words in both: only the bullets differ.
    expect(teams.replace(/^\u2022 /gm, '- ')).toBe(slack);
    for (const shown of [slack, teams]) {
      expect(shown).not.toMatch(/\*\*|###|\|\s*---|\\[*_`]|&(amp|lt|gt);/);
      expect(shown).toContain('removed *.corp_x');
      expect(shown).toContain('added CN=New *Root*, O=Corp_X');
    }
  });

  it('keeps user content out of the formatting and never lets it open a new block', () => {
    const d = diffVersions(snap(1, { httpProxy: 'http://p:8080/' }), snap(2, { httpProxy: 'http://p:8080/', httpsProxy: 'http://p:8080/_a_' }));
    const facts = { ...FACTS, reason: 'line one\n# injected\n| a | b |', changeTicket: '<!channel>', decisions: [] };
    const out = diffToMarkdown(d, 'c\n# injected', facts);
    expect(chatProblems(out)).toEqual([]);
    expect(out).toContain('`v1 → v2: httpsProxy set to http://p:8080/_a_; reimages every node pool`');
    expect(out).toContain('- Reason: `line one # injected | a | b |`');
    expect(out).toContain('- Change ticket: `\uff1c!channel\uff1e`');
    expect(out.split('\n')[0]).toBe('Proxy config of cluster `c # injected`: v1 → v2, pending');
    expect(out).toContain('- Approvals so far: 0 of 2');
  });

  it('lists rejections', () => {
    const config = { httpProxy: 'http://p:8080/' };
    const facts: DiffVersionFacts = {
      ...FACTS,
      status: 'rejected',
      changeTicket: null,
      decisions: [{ actor: 'carol', via: 'teams-bot', decision: 'reject', comment: '', at: '2026-12-01T11:00:00.000Z' }],
    };
    const out = diffToMarkdown(diffVersions(snap(1, config), snap(2, config)), 'c1', facts);
    expect(out).toContain('- Change ticket: (none)');
    expect(out).toContain('- Approvals so far: 0 of 2; rejected by `carol`');
    expect(out).toContain('- `carol` via `teams-bot` rejected at `2026-12-01T11:00:00.000Z`\n');
  });

  it('renders a diff without change briefly', () => {
    const config = { httpProxy: 'http://p:8080/' };
    expect(diffToMarkdown(diffVersions(snap(1, config), snap(2, config)), 'c1')).toBe('Proxy config of cluster `c1`: v1 → v2\n\nv1 → v2: no change\n');
  });

  it('renders a first version', () => {
    const out = diffToMarkdown(diffVersions(null, snap(1, { httpProxy: 'http://p:8080/' })), 'c1');
    expect(out).toContain('Proxy config of cluster `c1`: v1 (first version)');
    expect(out).toContain('- httpProxy: (none) → `http://p:8080/`');
    expect(out).not.toContain('UPDATE_REIMAGES_NODES');
    expect(chatProblems(out)).toEqual([]);
  });
});
