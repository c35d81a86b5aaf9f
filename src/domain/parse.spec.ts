import { describe, expect, it } from 'vitest';
import { codesOf, findingsOf } from '../../test/support/findings';
import { parseCliFile, splitNoProxyString } from './parse';
import { validate } from './validate';

const now = new Date('2026-01-15T12:00:00Z');
const run = (input: unknown) => validate(input, { now });

const plain = { httpProxy: 'http://proxy.corp.example:3128/', noProxy: ['localhost', '.corp.example'] };

describe('parseCliFile', () => {
  it('reads a plain config without findings', () => {
    const parsed = parseCliFile(plain);
    expect(parsed.findings).toEqual([]);
    expect(parsed.pointer).toBe('');
    expect(parsed.httpProxy).toEqual({ value: 'http://proxy.corp.example:3128/', pointer: '/httpProxy' });
    expect(parsed.noProxy?.entries.map((e) => e.pointer)).toEqual(['/noProxy/0', '/noProxy/1']);
    expect(parsed.present).toEqual(['httpProxy', 'noProxy']);
  });

  it('splits a comma-separated noProxy string the way users mean it', () => {
    expect(splitNoProxyString(' a, b ,,c ')).toEqual(['a', 'b', 'c']);
  });
});

describe('CONFIG_WRAPPED', () => {
  it('reports {"httpProxyConfig": {...}} and still validates the inner object with pointers into the submitted one', () => {
    const r = run({ httpProxyConfig: { httpProxy: 'http://proxy:3128', noProxy: ['a', 'b', 'c', '*.corp.example'] } });
    expect(findingsOf(r, 'CONFIG_WRAPPED')).toEqual([expect.objectContaining({ severity: 'error', pointer: '' })]);
    expect(findingsOf(r, 'CONFIG_WRAPPED')[0]!.message).toContain('HTTPProxyConfigInputError');
    expect(findingsOf(r, 'NO_PROXY_WILDCARD')[0]!.pointer).toBe('/httpProxyConfig/noProxy/3');
    expect(r.valid).toBe(false);
    expect(r.normalized).toEqual({ httpProxy: 'http://proxy:3128/', noProxy: ['a', 'b', 'c'] });
  });

  it('reports {"properties": {...}} and the ARM shape properties.httpProxyConfig, in any key case', () => {
    const a = run({ Properties: { httpProxy: 'http://proxy:3128' } });
    expect(codesOf(a)).toContain('CONFIG_WRAPPED');
    expect(findingsOf(a, 'HTTPS_PROXY_DEFAULTED')[0]!.pointer).toBe('/Properties/httpProxy');
    const b = run({ PROPERTIES: { HttpProxyConfig: { httpProxy: 'http://proxy:3128', trustedCA: 'x y' } } });
    expect(findingsOf(b, 'CONFIG_WRAPPED')).toHaveLength(1);
    expect(findingsOf(b, 'CONFIG_WRAPPED')[0]!.message).toContain('PROPERTIES.HttpProxyConfig');
    expect(findingsOf(b, 'FIELD_NAME_CASE')[0]!.pointer).toBe('/PROPERTIES/HttpProxyConfig/trustedCA');
  });

  it('reports an empty wrapped config as missing its proxy, at the wrapped object', () => {
    const r = run({ httpProxyConfig: {} });
    expect(codesOf(r)).toEqual(['CONFIG_WRAPPED', 'PROXY_MISSING']);
    expect(findingsOf(r, 'PROXY_MISSING')[0]!.pointer).toBe('/httpProxyConfig');
  });

  it('reports siblings of a wrapper as unknown fields', () => {
    const r = run({ properties: { httpProxyConfig: { httpProxy: 'http://p:1' }, kubernetesVersion: '1.30' } });
    expect(findingsOf(r, 'UNKNOWN_FIELD').map((f) => f.pointer)).toEqual(['/properties/kubernetesVersion']);
  });

  it('near miss: a top-level config that also carries a wrapper-like key is not wrapped', () => {
    const r = run({ httpProxy: 'http://p:1', httpProxyConfig: { httpProxy: 'http://q:2' } });
    expect(codesOf(r)).not.toContain('CONFIG_WRAPPED');
    expect(findingsOf(r, 'UNKNOWN_FIELD').map((f) => f.pointer)).toEqual(['/httpProxyConfig']);
    expect(r.normalized.httpProxy).toBe('http://p:1/');
  });

  it('near miss: a wrapper key whose value is no object is an unknown field, not a wrapper', () => {
    const r = run({ properties: 'x' });
    expect(codesOf(r)).not.toContain('CONFIG_WRAPPED');
    expect(codesOf(r)).toEqual(['PROXY_MISSING', 'UNKNOWN_FIELD']);
  });

  it('near miss: a plain config is not wrapped', () => {
    expect(codesOf(run(plain))).not.toContain('CONFIG_WRAPPED');
  });
});

describe('UNKNOWN_FIELD', () => {
  it('reports a typo such as trustedCertificate, saying the CLI drops it silently and naming the field', () => {
    const [f] = findingsOf(run({ ...plain, trustedCertificate: 'abc' }), 'UNKNOWN_FIELD');
    expect(f).toMatchObject({ severity: 'error', pointer: '/trustedCertificate' });
    expect(f!.message).toContain('drops it silently');
    expect(f!.message).toContain('"trustedCa"');
  });

  it('suggests the field for near spellings that the CLI does not match', () => {
    const r = run({ httpProxyUrl: 'http://p:1', noproxylist: ['a'], foo: 1 });
    const messages = findingsOf(r, 'UNKNOWN_FIELD').map((f) => f.message);
    expect(messages[0]).toContain('"httpProxy"');
    expect(messages[1]).toContain('"noProxy"');
    expect(messages[2]).toContain('httpProxy, httpsProxy, noProxy, trustedCa or enabled');
  });

  it('escapes pointers (RFC 6901) and quotes odd keys safely', () => {
    const r = run({ ...plain, 'a/b~c': 1, 'line\nbreak': 2 });
    expect(findingsOf(r, 'UNKNOWN_FIELD').map((f) => f.pointer)).toEqual(['/a~1b~0c', '/line\nbreak']);
    expect(findingsOf(r, 'UNKNOWN_FIELD')[1]!.message).not.toContain('\n');
  });

  it('treats a __proto__ key from JSON.parse as an unknown field without touching any prototype', () => {
    const input: unknown = JSON.parse('{"httpProxy": "http://p:1", "__proto__": {"polluted": true}, "constructor": 1}');
    const r = run(input);
    expect(findingsOf(r, 'UNKNOWN_FIELD').map((f) => f.pointer)).toEqual(['/__proto__', '/constructor']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(r.normalized)).toBe(Object.prototype);
  });

  it('near miss: the four fields in any case are no unknown fields', () => {
    expect(codesOf(run({ HTTPPROXY: 'http://p:1', httpsproxy: 'http://p:1', NoProxy: ['a'] }))).not.toContain(
      'UNKNOWN_FIELD',
    );
  });
});

describe('snake_case keys (the SDK serializer matches the Python attribute names)', () => {
  it('reads http_proxy, https_proxy, no_proxy and trusted_ca in any case, with a FIELD_NAME_CASE warning each', () => {
    const r = run({ http_proxy: 'http://p:1', HTTPS_PROXY: 'http://p:2', No_Proxy: ['a'], trusted_ca: 'x' });
    expect(codesOf(r)).not.toContain('UNKNOWN_FIELD');
    const warnings = findingsOf(r, 'FIELD_NAME_CASE');
    expect(warnings.map((f) => f.pointer)).toEqual(['/http_proxy', '/HTTPS_PROXY', '/No_Proxy', '/trusted_ca']);
    for (const f of warnings) {
      expect(f.severity).toBe('warning');
      expect(f.message).toContain("serializer accepts it");
      expect(f.message).not.toContain('drops');
    }
    expect(warnings[0]!.message).toContain('snake_case name of the field "httpProxy"');
    expect(r.normalized).toMatchObject({ httpProxy: 'http://p:1/', httpsProxy: 'http://p:2/', noProxy: ['a'] });
  });

  it('a camelCase key and its snake_case twin with the same value: one is a duplicate', () => {
    const r = run({ httpProxy: 'http://p:1', http_proxy: 'http://p:1' });
    expect(findingsOf(r, 'FIELD_NAME_CASE').map((f) => f.pointer)).toEqual(['/http_proxy']);
    expect(findingsOf(r, 'FIELD_NAME_CASE')[0]!.message).toContain('repeats');
  });

  it('near miss: other separators are no field names the CLI matches', () => {
    expect(findingsOf(run({ 'http-proxy': 'http://p:1' }), 'UNKNOWN_FIELD').map((f) => f.pointer)).toEqual(['/http-proxy']);
  });
});

describe('enabled', () => {
  it('false is kept (PROXY_DISABLED warning at its pointer); true normalizes to absent', () => {
    const off = run({ ...plain, enabled: false });
    expect(off.valid).toBe(true);
    expect(off.normalized.enabled).toBe(false);
    expect(findingsOf(off, 'PROXY_DISABLED')).toEqual([expect.objectContaining({ severity: 'warning', pointer: '/enabled' })]);
    const on = run({ ...plain, Enabled: true });
    expect(on.normalized).not.toHaveProperty('enabled');
    expect(codesOf(on)).toEqual([...codesOf(run(plain)), 'FIELD_NAME_CASE']);
    expect(codesOf(on)).not.toContain('PROXY_DISABLED');
    expect(on.normalized).toEqual(run(plain).normalized);
  });

  it('anything but a boolean is FIELD_TYPE, with a hint for the docs\' "true" string', () => {
    const s = run({ ...plain, enabled: 'true' });
    expect(findingsOf(s, 'FIELD_TYPE')).toEqual([expect.objectContaining({ pointer: '/enabled' })]);
    expect(findingsOf(s, 'FIELD_TYPE')[0]!.message).toContain('without quotes');
    for (const value of [null, 0, {}, []]) expect(findingsOf(run({ ...plain, enabled: value }), 'FIELD_TYPE')).toHaveLength(1);
  });

  it('in a wrapped config, the pointer is under the wrapper', () => {
    expect(findingsOf(run({ httpProxyConfig: { ...plain, enabled: false } }), 'PROXY_DISABLED')[0]!.pointer).toBe('/httpProxyConfig/enabled');
  });
});

describe('FIELD_NAME_CASE', () => {
  it('warns about trustedCA and normalizes it to trustedCa', () => {
    const r = run({ httpProxy: 'http://p:1', noproxy: ['a'] });
    expect(findingsOf(r, 'FIELD_NAME_CASE')).toEqual([expect.objectContaining({ severity: 'warning', pointer: '/noproxy' })]);
    expect(r.valid).toBe(true);
    expect(r.normalized).toEqual({ httpProxy: 'http://p:1/', noProxy: ['a'] });
  });

  it('near miss: canonical key names raise nothing', () => {
    expect(codesOf(run(plain))).not.toContain('FIELD_NAME_CASE');
  });
});

describe('two keys for one field', () => {
  it('with the same value: a warning on the extra key, and the config stays valid', () => {
    const r = run({ httpProxy: 'http://p:1', noProxy: ['a'], NOPROXY: ['a'] });
    expect(findingsOf(r, 'FIELD_NAME_CASE')).toEqual([expect.objectContaining({ pointer: '/NOPROXY' })]);
    expect(findingsOf(r, 'FIELD_NAME_CASE')[0]!.message).toContain('duplicate');
    expect(r.valid).toBe(true);
  });

  it('with different values: an error, since which one the CLI sends is undefined; the canonical key is validated', () => {
    const r = run({ httpProxy: 'http://p:1', HttpProxy: 'http://q:2' });
    const [f] = findingsOf(r, 'UNKNOWN_FIELD');
    expect(f).toMatchObject({ severity: 'error', pointer: '/HttpProxy' });
    expect(f!.message).toContain('undefined');
    expect(r.normalized.httpProxy).toBe('http://p:1/');
  });

  it('with no canonical spelling: the first key is used and gets the case warning', () => {
    const r = run({ HTTPPROXY: 'http://p:1', httpproxy: 'http://p:1' });
    expect(findingsOf(r, 'FIELD_NAME_CASE').map((f) => f.pointer)).toEqual(['/HTTPPROXY', '/httpproxy']);
  });
});

describe('FIELD_TYPE', () => {
  it.each([
    [{ httpProxy: 3128 }, '/httpProxy'],
    [{ httpProxy: null }, '/httpProxy'],
    [{ httpProxy: 'http://p:1', httpsProxy: ['http://p:1'] }, '/httpsProxy'],
    [{ httpProxy: 'http://p:1', noProxy: { a: 1 } }, '/noProxy'],
    [{ httpProxy: 'http://p:1', noProxy: null }, '/noProxy'],
    [{ httpProxy: 'http://p:1', noProxy: ['a', 8080, null] }, '/noProxy/1'],
    [{ httpProxy: 'http://p:1', trustedCa: true }, '/trustedCa'],
  ])('reports %j at %s', (input, at) => {
    const [f] = findingsOf(run(input), 'FIELD_TYPE');
    expect(f).toMatchObject({ severity: 'error', pointer: at });
  });

  it('reports each non-string noProxy entry and keeps the string ones', () => {
    const r = run({ httpProxy: 'http://p:1', noProxy: ['a', 8080, null, 'b'] });
    expect(findingsOf(r, 'FIELD_TYPE').map((f) => f.pointer)).toEqual(['/noProxy/1', '/noProxy/2']);
    expect(r.normalized.noProxy).toEqual(['a', 'b']);
  });

  it.each([[null], [[]], ['http://p:1'], [42], [true]])('reports a document that is no object (%j) at ""', (input) => {
    const r = run(input);
    expect(r.findings).toEqual([expect.objectContaining({ code: 'FIELD_TYPE', pointer: '' })]);
    expect(r.normalized).toEqual({});
  });

  it('near miss: string values of the right kind raise no type error', () => {
    expect(codesOf(run({ ...plain, httpsProxy: 'http://p:1', trustedCa: 'QUJD' }))).not.toContain('FIELD_TYPE');
  });
});

describe('NO_PROXY_STRING', () => {
  it('reports noProxy given as one comma-separated string, shows the array, and validates the entries', () => {
    const r = run({ httpProxy: 'http://p:1', noProxy: 'localhost, .corp.example,10.0.0.0/8,*.bad' });
    const [f] = findingsOf(r, 'NO_PROXY_STRING');
    expect(f).toMatchObject({ severity: 'error', pointer: '/noProxy' });
    expect(f!.message).toContain('["localhost", ".corp.example", "10.0.0.0/8", "*.bad"]');
    expect(findingsOf(r, 'NO_PROXY_WILDCARD')[0]!.pointer).toBe('/noProxy');
    expect(r.normalized.noProxy).toEqual(['localhost', '.corp.example', '10.0.0.0/8']);
  });

  it('near miss: the same entries as an array raise no NO_PROXY_STRING', () => {
    expect(codesOf(run({ httpProxy: 'http://p:1', noProxy: ['localhost', '.corp.example'] }))).not.toContain('NO_PROXY_STRING');
  });
});
