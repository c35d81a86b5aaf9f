import { describe, expect, it } from 'vitest';
import { diffVersions, type VersionSnapshot } from './diff';
import { codeSpan, diffToMarkdown, escapeMarkdown } from './diff-markdown';
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

describe('escapeMarkdown', () => {
  it('escapes inline markup', () => {
    expect(escapeMarkdown('*.corp_x')).toBe('\\*.corp\\_x');
    expect(escapeMarkdown('a `b` [c](d) <e> f|g ~h~ &amp; $x$ \\')).toBe(
      'a \\`b\\` \\[c\\](d) \\<e\\> f\\|g \\~h\\~ \\&amp; \\$x\\$ \\\\',
    );
  });

  it('escapes block markers at the start and flattens line breaks', () => {
    expect(escapeMarkdown('# title')).toBe('\\# title');
    expect(escapeMarkdown('- item')).toBe('\\- item');
    expect(escapeMarkdown('+ item')).toBe('\\+ item');
    expect(escapeMarkdown('12. item')).toBe('12\\. item');
    expect(escapeMarkdown('> quote')).toBe('\\> quote');
    expect(escapeMarkdown('a\n# b\r\n---')).toBe('a # b ---');
    expect(escapeMarkdown('v1 → v2: http://p:8080/')).toBe('v1 → v2: http://p:8080/');
  });
});

describe('codeSpan', () => {
  it('holds any text literally', () => {
    expect(codeSpan('*.corp_x')).toBe('`*.corp_x`');
    expect(codeSpan('a`b')).toBe('``a`b``');
    expect(codeSpan('`a``')).toBe('``` `a`` ```');
    expect(codeSpan(' a')).toBe('`  a `');
    expect(codeSpan('line\nbreak')).toBe('`line break`');
    expect(codeSpan('  ')).toBe('_(blank)_');
  });
});

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
  const md = diffToMarkdown(diffVersions(from, to), 'prod_east-1');

  it('renders heading, summary, proxies, noProxy, certificates and impact', () => {
    expect(md).toBe(
      [
        '### Proxy config of cluster `prod_east-1`: v3 → v4',
        '',
        'v3 → v4: httpProxy http://old:8080/ → http://new:3128/; noProxy +2 −2; trustedCa +1 −1 certificates; reimages every node pool',
        '',
        '**Proxy URLs**',
        '',
        '- httpProxy: `http://old:8080/` → `http://new:3128/`',
        '',
        '**noProxy** (+2 −2)',
        '',
        '- **+** `.svc`',
        '- **+** ``x`y``',
        '- **−** `*.corp_x`',
        '- **−** `old.example`',
        '',
        '**Trusted CA certificates** (+1 −1)',
        '',
        '- **+** `CN=New *Root*, O=Corp_X`, expires `2034-01-01T00:00:00Z`, SHA-256 `fedcba9876543210…`',
        '- **−** `CN=Old Root, O=Corp`, expires `2026-01-01T00:00:00Z`, SHA-256 `0123456789abcdef…`',
        '',
        '**Impact**',
        '',
        '- ⚠️ **Warning** `UPDATE_REIMAGES_NODES`: Applying this config reimages every node pool of the cluster; make sure Pod Disruption Budgets protect your workloads and schedule the change in a maintenance window.',
        '- ⚠️ **Warning** `PROXY_ENDPOINT_CHANGED` at `/httpProxy`: The HTTP proxy changes from old:8080 to new:3128; the new proxy must already be reachable from every node before this is applied.',
        // httpsProxy is absent: httpProxy serves HTTPS too, so its endpoint changes as well.
        '- ⚠️ **Warning** `PROXY_ENDPOINT_CHANGED`: The HTTPS proxy changes from old:8080 to new:3128; the new proxy must already be reachable from every node before this is applied.',
        '',
      ].join('\n'),
    );
  });

  it('keeps user content out of the formatting', () => {
    // Outside code spans no unescaped emphasis characters remain.
    const outsideCode = md.replace(/(`+)(?:(?!\1)[\s\S])*?\1/g, '').replace(/\*\*[^*]+\*\*/g, '');
    expect(outsideCode).not.toMatch(/(?<!\\)[*_`]/);
  });

  it('escapes a summary that contains markup and never lets content open a new block', () => {
    const d = diffVersions(
      snap(1, { httpProxy: 'http://p:8080/' }),
      snap(2, { httpProxy: 'http://p:8080/', httpsProxy: 'http://p:8080/_a_' }),
    );
    const text = diffToMarkdown(d, 'c\n# injected');
    expect(text).toContain('httpsProxy set to http://p:8080/\\_a\\_');
    expect(text.split('\n').filter((l) => l.startsWith('#'))).toHaveLength(1);
    expect(text).toContain('### Proxy config of cluster `c # injected`: v1 → v2');
  });

  it('renders a diff without change briefly', () => {
    const config = { httpProxy: 'http://p:8080/' };
    expect(diffToMarkdown(diffVersions(snap(1, config), snap(2, config)), 'c1')).toBe(
      '### Proxy config of cluster `c1`: v1 → v2\n\nv1 → v2: no change\n',
    );
  });

  it('renders a first version', () => {
    const text = diffToMarkdown(diffVersions(null, snap(1, { httpProxy: 'http://p:8080/' })), 'c1');
    expect(text).toContain('### Proxy config of cluster `c1`: v1 (first version)');
    expect(text).toContain('- httpProxy: _none_ → `http://p:8080/`');
    expect(text).toContain('- ℹ️ **Info** `UPDATE_REIMAGES_NODES`: ');
  });
});
