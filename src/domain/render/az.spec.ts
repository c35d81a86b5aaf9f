import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { renderAz, shellQuote } from './az';

const CONFIG = { httpProxy: 'http://p:8080/' };

/** The argv the shell hands to `az` when it runs the rendered command line (az replaced by a function). */
function argvOf(commandLine: string, shell = 'sh'): string[] {
  const script = `az() { printf '%s\\0' "$@"; }\n${commandLine}`;
  const out = execFileSync(shell, ['-c', script], { encoding: 'utf8' });
  return out.split('\0').slice(0, -1);
}

describe('shellQuote', () => {
  it('leaves safe words alone and single-quotes the rest', () => {
    expect(shellQuote('rg-prod_1')).toBe('rg-prod_1');
    expect(shellQuote('')).toBe("''");
    expect(shellQuote('my cluster')).toBe("'my cluster'");
    expect(shellQuote("it's")).toBe("'it'\\''s'");
    expect(shellQuote('$(id)')).toBe("'$(id)'");
  });

  it('survives a real shell for any string', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary' }).map((s) => s.replace(/\0/g, '')), { minLength: 1, maxLength: 5 }), (words) => {
        const out = execFileSync('sh', ['-c', `printf '%s\\0' ${words.map(shellQuote).join(' ')}`], { encoding: 'utf8' });
        expect(out.split('\0').slice(0, -1)).toEqual(words);
      }),
      { numRuns: 50 },
    );
  });
});

describe('renderAz', () => {
  it('renders the az aks update command line', () => {
    const r = renderAz(CONFIG, { clusterName: 'aks-prod', resourceGroup: 'rg-prod' });
    expect(r.contentType).toBe('text/plain');
    expect(r.body).toBe('az aks update --name aks-prod --resource-group rg-prod --http-proxy-config aks-proxy-config.json\n');
  });

  it('adds the subscription when known', () => {
    const r = renderAz(CONFIG, { clusterName: 'c', resourceGroup: 'g', subscriptionId: '00000000-0000-0000-0000-000000000001' });
    expect(r.body).toBe(
      'az aks update --name c --resource-group g --subscription 00000000-0000-0000-0000-000000000001 --http-proxy-config aks-proxy-config.json\n',
    );
    expect(renderAz(CONFIG, { clusterName: 'c', resourceGroup: 'g', subscriptionId: null }).body).not.toContain('--subscription');
    expect(renderAz(CONFIG, { clusterName: 'c', resourceGroup: 'g', subscriptionId: '' }).body).not.toContain('--subscription');
  });

  it.each(['sh', 'bash'])('quotes a hostile cluster name safely (%s)', (shell) => {
    const hostile = `x'; touch /tmp/pwned; echo "$(id)" \`id\` \${HOME} \\ *\nnext line`;
    const rg = 'my resource group';
    const r = renderAz(CONFIG, { clusterName: hostile, resourceGroup: rg, subscriptionId: "sub'x" });
    expect(r.body.split('\n')).toHaveLength(3); // the name's own line break, inside quotes, and the final one
    expect(argvOf(r.body, shell)).toEqual([
      'aks',
      'update',
      '--name',
      hostile,
      '--resource-group',
      rg,
      '--subscription',
      "sub'x",
      '--http-proxy-config',
      'aks-proxy-config.json',
    ]);
  });

  it('keeps a value starting with - attached to its option', () => {
    const r = renderAz(CONFIG, { clusterName: '-rf', resourceGroup: '--help me' });
    expect(r.body).toBe("az aks update --name=-rf '--resource-group=--help me' --http-proxy-config aks-proxy-config.json\n");
    expect(argvOf(r.body)).toEqual(['aks', 'update', '--name=-rf', '--resource-group=--help me', '--http-proxy-config', 'aks-proxy-config.json']);
  });

  it('is deterministic', () => {
    const target = { clusterName: "a b'c", resourceGroup: 'g' };
    expect(renderAz(CONFIG, target).body).toBe(renderAz(CONFIG, { ...target }).body);
  });
});
