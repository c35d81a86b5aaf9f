import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ProxyConfig } from '../proxy-config';
import { hclString, renderTerraform } from './terraform';

/** Reads one HCL quoted string literal (HCL native syntax escapes); throws on a template sequence. */
function readHclString(literal: string): string {
  expect(literal.startsWith('"') && literal.endsWith('"')).toBe(true);
  const body = literal.slice(1, -1);
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === '"') throw new Error(`unescaped quote at ${i}`);
    if (c === '\n' || c === '\r') throw new Error(`line break at ${i}`);
    if ((c === '$' || c === '%') && body[i + 1] === c && body[i + 2] === '{') {
      out += `${c}{`;
      i += 2;
      continue;
    }
    if ((c === '$' || c === '%') && body[i + 1] === '{') throw new Error(`template sequence at ${i}`);
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = body[++i];
    const simple: Record<string, string> = { '\\': '\\', '"': '"', n: '\n', r: '\r', t: '\t' };
    if (e !== undefined && e in simple) out += simple[e];
    else if (e === 'u') {
      out += String.fromCharCode(parseInt(body.slice(i + 1, i + 5), 16));
      i += 4;
    } else throw new Error(`bad escape \\${e}`);
  }
  return out;
}

const NASTY = `say "hi" \\ \${var.x} %{ if true }x%{ endif } $\${y} %%{z} $$\${w} $ % { \n\t\u0001 é 😀`;

describe('hclString', () => {
  it('escapes quotes, backslashes, ${ and %{', () => {
    expect(hclString('a"b\\c${d}%{e}$f%g')).toBe('"a\\"b\\\\c$${d}%%{e}$f%g"');
    expect(hclString('x\ny\u0001')).toBe('"x\\ny\\u0001"');
    expect(readHclString(hclString(NASTY))).toBe(NASTY);
  });

  it('round-trips any string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        expect(readHclString(hclString(s))).toBe(s);
      }),
      { numRuns: 1000 },
    );
    fc.assert(
      fc.property(fc.array(fc.constantFrom('$', '%', '{', '}', '"', '\\', 'a')).map((xs) => xs.join('')), (s) => {
        expect(readHclString(hclString(s))).toBe(s);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('renderTerraform', () => {
  const FULL: ProxyConfig = {
    httpProxy: 'http://p:8080/',
    httpsProxy: 'https://p:8443/',
    noProxy: ['.svc', '10.0.0.0/8'],
    trustedCa: 'QUJD',
  };

  it('renders http_proxy_config aligned as terraform fmt aligns it', () => {
    const r = renderTerraform(FULL);
    expect(r.contentType).toBe('text/plain');
    expect(r.filename).toBe('aks-proxy-config.tf.txt');
    expect(r.body).toBe(
      [
        'http_proxy_config {',
        '  http_proxy  = "http://p:8080/"',
        '  https_proxy = "https://p:8443/"',
        '  no_proxy = [',
        '    ".svc",',
        '    "10.0.0.0/8",',
        '  ]',
        '  trusted_ca = "QUJD"',
        '}',
        '',
      ].join('\n'),
    );
    expect(renderTerraform({ httpProxy: 'http://p:8080/', trustedCa: 'QUJD' }).body).toBe(
      'http_proxy_config {\n  http_proxy = "http://p:8080/"\n  trusted_ca = "QUJD"\n}\n',
    );
  });

  it('omits trusted_ca when the config has none, and every other absent field', () => {
    const body = renderTerraform({ httpsProxy: 'http://p:8080/' }).body;
    expect(body).toBe('http_proxy_config {\n  https_proxy = "http://p:8080/"\n}\n');
    expect(body).not.toContain('trusted_ca');
    expect(renderTerraform({ httpProxy: 'http://p:8080/', trustedCa: '' }).body).not.toContain('trusted_ca');
  });

  it('keeps nasty strings inside their literals', () => {
    const body = renderTerraform({ httpProxy: NASTY, noProxy: [NASTY] }).body;
    const lines = body.split('\n');
    expect(lines).toHaveLength(7);
    expect(readHclString(lines[1]!.replace(/^ {2}http_proxy = /, ''))).toBe(NASTY);
    expect(readHclString(lines[3]!.trim().replace(/,$/, ''))).toBe(NASTY);
  });

  // With a terraform binary at hand, the real parser and formatter have the last word.
  const terraform = (() => {
    try {
      execFileSync('terraform', ['version'], { stdio: 'ignore', timeout: 20_000 });
      return true;
    } catch {
      return false;
    }
  })();

  it.skipIf(!terraform)('is what terraform fmt writes, and terraform reads the values back', () => {
    const dir = mkdtempSync(join(tmpdir(), 'render-tf-'));
    const env = { ...process.env, CHECKPOINT_DISABLE: '1', TF_CLI_CONFIG_FILE: '/dev/null', TF_IN_AUTOMATION: '1' };
    try {
      const configs: ProxyConfig[] = [
        FULL,
        { httpProxy: 'http://p:8080/', httpsProxy: 'https://p:8443/', trustedCa: 'QUJD' },
        { httpsProxy: NASTY, noProxy: [NASTY, 'a'] },
      ];
      for (const [i, config] of configs.entries()) {
        const block = renderTerraform(config).body;
        const resource = `resource "azurerm_kubernetes_cluster" "k" {\n${block
          .split('\n')
          .map((l) => (l ? `  ${l}` : l))
          .join('\n')}}\n`;
        writeFileSync(join(dir, `fmt${i}.tf`), resource);
        // exit status 3 and a diff when the file is not formatted
        execFileSync('terraform', ['fmt', '-check', '-diff', `fmt${i}.tf`], { cwd: dir, env, stdio: 'pipe' });

        const sub = join(dir, `eval${i}`);
        execFileSync('mkdir', [sub]);
        writeFileSync(join(sub, 'main.tf'), block.replace(/^http_proxy_config \{/, 'locals {'));
        const names = { httpProxy: 'http_proxy', httpsProxy: 'https_proxy', noProxy: 'no_proxy', trustedCa: 'trusted_ca' };
        const present = (Object.keys(names) as (keyof typeof names)[]).filter((k) => config[k] !== undefined);
        const expr = `jsonencode({${present.map((k) => `${k} = local.${names[k]}`).join(', ')}})`;
        const out = execFileSync('terraform', ['console'], { cwd: sub, env, input: `${expr}\n`, encoding: 'utf8' });
        expect(JSON.parse(JSON.parse(out.trim()))).toEqual(config);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
