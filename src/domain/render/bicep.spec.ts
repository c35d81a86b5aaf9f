import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bicepString, renderBicep } from './bicep';

/** Reads one Bicep single-quoted string literal (the Bicep language's escapes); throws on an interpolation. */
function readBicepString(literal: string): string {
  expect(literal.startsWith("'") && literal.endsWith("'")).toBe(true);
  const body = literal.slice(1, -1);
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === "'") throw new Error(`unescaped quote at ${i}`);
    if (c === '$' && body[i + 1] === '{') throw new Error(`interpolation at ${i}`);
    if (c === '\n' || c === '\r') throw new Error(`line break at ${i}`);
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = body[++i];
    const simple: Record<string, string> = { '\\': '\\', "'": "'", n: '\n', r: '\r', t: '\t', $: '$' };
    if (e !== undefined && e in simple) out += simple[e];
    else if (e === 'u' && body[i + 1] === '{') {
      const end = body.indexOf('}', i);
      out += String.fromCodePoint(parseInt(body.slice(i + 2, end), 16));
      i = end;
    } else throw new Error(`bad escape \\${e}`);
  }
  return out;
}

const NASTY = `it's a \\path\\ with \${param} and '\${x}' \\\${y} $\${z} $ { } \n\t\r\u0001 é 😀`;

describe('bicepString', () => {
  it('escapes backslash, quote, ${ and control characters', () => {
    expect(bicepString(`a'b\\c\${d}$e{`)).toBe(`'a\\'b\\\\c\\\${d}$e{'`);
    expect(bicepString('x\ny\u0001')).toBe("'x\\ny\\u{1}'");
    expect(readBicepString(bicepString(NASTY))).toBe(NASTY);
  });

  it('round-trips any string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        expect(readBicepString(bicepString(s))).toBe(s);
      }),
      { numRuns: 1000 },
    );
    fc.assert(
      fc.property(fc.array(fc.constantFrom('$', '{', '}', "'", '\\', 'a', '\n')).map((xs) => xs.join('')), (s) => {
        expect(readBicepString(bicepString(s))).toBe(s);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('renderBicep', () => {
  it('renders properties.httpProxyConfig with one array item per line and no commas', () => {
    const r = renderBicep({
      httpProxy: 'http://p:8080/',
      httpsProxy: 'https://p:8443/',
      noProxy: ['.svc', '10.0.0.0/8'],
      trustedCa: 'QUJD',
    });
    expect(r.contentType).toBe('text/plain');
    expect(r.filename).toBe('aks-proxy-config.bicep.txt');
    expect(r.body).toBe(
      [
        'properties: {',
        '  httpProxyConfig: {',
        "    httpProxy: 'http://p:8080/'",
        "    httpsProxy: 'https://p:8443/'",
        '    noProxy: [',
        "      '.svc'",
        "      '10.0.0.0/8'",
        '    ]',
        "    trustedCa: 'QUJD'",
        '  }',
        '}',
        '',
      ].join('\n'),
    );
  });

  it('keeps nasty strings inside their literals', () => {
    const r = renderBicep({ httpProxy: NASTY, noProxy: [NASTY, "'"] });
    const lines = r.body.split('\n');
    expect(lines).toHaveLength(10); // 9 lines and the final newline: nothing broke a line
    expect(readBicepString(lines[2]!.replace(/^ {4}httpProxy: /, ''))).toBe(NASTY);
    expect(readBicepString(lines[4]!.trim())).toBe(NASTY);
    expect(readBicepString(lines[5]!.trim())).toBe("'");
  });

  it('renders an empty config as an empty object', () => {
    expect(renderBicep({}).body).toBe('properties: {\n  httpProxyConfig: {}\n}\n');
  });
});
