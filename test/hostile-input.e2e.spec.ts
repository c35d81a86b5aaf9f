// Hostile input (issue 17, API.md "Limits"): bounds before work, one redaction rule, framework errors as
// problem+json. Every reproduction of the issue answers a 4xx problem+json, and /healthz still answers meanwhile.
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, bearer, startTestApp, type TestApp } from './support/test-app';
import { listenOnLoopback, rawRequest } from './support/raw-http';

const PEM = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
const PEM_BODY = PEM.split('\n').filter((l) => l && !l.startsWith('-----')).join('');
const PEM_B64 = Buffer.from(PEM).toString('base64');

/** Whether a response text holds the planted key, its PEM markers, or its base64, in any piece of 24+ characters. */
function leaksKey(text: string): boolean {
  if (text.includes('PRIVATE KEY-----')) return true;
  for (const secret of [PEM_BODY, PEM_B64]) {
    for (let i = 0; i + 24 <= secret.length; i += 12) if (text.includes(secret.slice(i, i + 24))) return true;
  }
  return false;
}

function expectProblem(res: { status: number; headers: Record<string, string>; body: unknown; text?: string }, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = (typeof res.body === 'string' ? JSON.parse(res.body) : res.body) as Record<string, unknown>;
  expect(body).toMatchObject({ status, code });
  expect(typeof body.type).toBe('string');
  expect(typeof body.detail).toBe('string');
  return body as { detail: string; [k: string]: unknown };
}

describe('hostile input', () => {
  let t: TestApp;
  let reader: string;
  let submitter: string;
  let port: number;

  beforeAll(async () => {
    t = await startTestApp();
    reader = await t.key('hostile-reader', ['reader']);
    submitter = await t.key('hostile-submitter', ['submitter']);
    port = await listenOnLoopback(t.app.getHttpServer());
    const created = await t.http().post('/v1/clusters').set(bearer(submitter)).send({ name: 'hostile', resourceGroup: 'rg' });
    expect(created.status).toBe(201);
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  /** Sends a raw JSON text with fetch and answers /healthz at the same time. */
  async function sendWithHealthz(method: string, path: string, token: string, body: string) {
    const base = `http://127.0.0.1:${port}`;
    const big = fetch(base + path, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body });
    const health = fetch(`${base}/healthz`);
    const [res, healthz] = await Promise.all([big, health]);
    expect(healthz.status).toBe(200);
    return { status: res.status, headers: Object.fromEntries(res.headers), body: await res.text() };
  }

  describe('JSON nested deeper than 64 levels is 400 on every route', () => {
    const deepArray = '['.repeat(5000) + ']'.repeat(5000);
    const cases: Array<[string, string, string, () => string]> = [
      ['POST', '/v1/explain', 'reader', () => deepArray],
      ['POST', '/v1/validate', 'reader', () => deepArray],
      ['POST', '/v1/validate', 'reader', () => `{"noProxy":${'['.repeat(65)}${']'.repeat(65)}}`],
      ['POST', '/v1/api-keys', 'admin', () => `{"name":"t","roles":["reader"],"x":${deepArray}}`],
      ['POST', '/v1/clusters', 'submitter', () => `{"name":"d","resourceGroup":"rg","network":${'{"a":'.repeat(3000)}1${'}'.repeat(3000)}}`],
      ['PATCH', '/v1/clusters/hostile', 'submitter', () => `{"nodePools":${deepArray}}`],
      ['PATCH', '/v1/clusters/no-such-cluster', 'submitter', () => `{"nodePools":${deepArray}}`],
      ['POST', '/v1/clusters/hostile/configs', 'submitter', () => `{"reason":"r","config":{"noProxy":${deepArray}}}`],
      ['POST', '/v1/clusters/hostile/configs/1/decisions', 'admin', () => `{"decision":"approve","comment":${deepArray}}`],
    ];
    for (const [method, path, role, body] of cases) {
      it(`${method} ${path} (${role})`, async () => {
        const token = role === 'admin' ? ADMIN_TOKEN : role === 'submitter' ? submitter : reader;
        const res = await sendWithHealthz(method, path, token, body());
        const problem = expectProblem(res, 400, 'BAD_REQUEST');
        expect(problem.detail).toMatch(/64 levels/);
      });
    }

    it('64 levels are still accepted', async () => {
      // a config nested 64 deep (the body object is level 1): valid JSON object, answered 200 with findings
      const body = `{"x":${'['.repeat(63)}${']'.repeat(63)}}`;
      const res = await t.http().post('/v1/validate').set(bearer(reader)).set('content-type', 'application/json').send(body);
      expect(res.status).toBe(200);
      const tooDeep = `{"x":${'['.repeat(64)}${']'.repeat(64)}}`;
      const refused = await t.http().post('/v1/validate').set(bearer(reader)).set('content-type', 'application/json').send(tooDeep);
      expectProblem(refused, 400, 'BAD_REQUEST');
    });

    it('brackets inside strings do not count', async () => {
      const body = JSON.stringify({ httpProxy: 'http://proxy.corp.example:3128/', noProxy: ['['.repeat(500) + '{'.repeat(500)] });
      const res = await t.http().post('/v1/validate').set(bearer(reader)).set('content-type', 'application/json').send(body);
      expect(res.status).toBe(200);
    });
  });

  describe('array and string bounds before class-transformer', () => {
    it('POST /v1/clusters with 100,000 nodePools is 400 naming the limit, and /healthz answers meanwhile', async () => {
      const body = JSON.stringify({ name: 'many-pools', resourceGroup: 'rg', nodePools: Array.from({ length: 100_000 }, () => ({})) });
      const res = await sendWithHealthz('POST', '/v1/clusters', submitter, body);
      expect(expectProblem(res, 400, 'BAD_REQUEST').detail).toMatch(/more than 10000 elements, the limit/);
      // under the parser's bound, the field's own: before class-transformer makes 5,000 NodePoolDto
      const fewer = JSON.stringify({ name: 'many-pools', resourceGroup: 'rg', nodePools: Array.from({ length: 5000 }, () => ({})) });
      const problem = expectProblem(await sendWithHealthz('POST', '/v1/clusters', submitter, fewer), 400, 'BAD_REQUEST');
      expect(problem.detail).toMatch(/nodePools must contain no more than 100 elements/);
      expect((await t.http().get('/v1/clusters/many-pools').set(bearer(reader))).status).toBe(404);
    });

    it('PATCH with 9,000 nodePools, an oversized unknown property or a huge array for a string field is 400', async () => {
      const pools = await sendWithHealthz('PATCH', '/v1/clusters/hostile', submitter, JSON.stringify({ nodePools: Array(9000).fill({}) }));
      expect(expectProblem(pools, 400, 'BAD_REQUEST').detail).toMatch(/no more than 100 elements/);
      const unknown = await sendWithHealthz('POST', '/v1/api-keys', ADMIN_TOKEN, JSON.stringify({ name: 't', roles: ['reader'], x: Array(9000).fill([]) }));
      expect(expectProblem(unknown, 400, 'BAD_REQUEST').detail).toMatch(/property x should not exist/);
      const scalar = await sendWithHealthz('POST', '/v1/clusters', submitter, JSON.stringify({ name: Array(9000).fill({}), resourceGroup: 'rg' }));
      expect(expectProblem(scalar, 400, 'BAD_REQUEST').detail).toMatch(/name must be a single value/);
      const body = await sendWithHealthz('POST', '/v1/clusters', submitter, JSON.stringify(Array(9000).fill({})));
      expect(expectProblem(body, 400, 'BAD_REQUEST').detail).toMatch(/must be a JSON object/);
      const config = await sendWithHealthz('POST', '/v1/validate', reader, JSON.stringify({ noProxy: Array(20_000).fill('a.example') }));
      expect(expectProblem(config, 400, 'BAD_REQUEST').detail).toMatch(/more than 10000 elements/);
    });

    it('explain: more than 50 URLs, or a URL over 2048 characters, is 400 naming the limit', async () => {
      const many = await t.http().post('/v1/explain').set(bearer(reader)).send({ config: {}, urls: Array(5000).fill('https://a.example/') });
      expect(expectProblem(many, 400, 'BAD_REQUEST').detail).toMatch(/no more than 50 elements/);
      const long = await t.http().post('/v1/explain').set(bearer(reader)).send({ config: {}, urls: ['https://a.example/' + 'a'.repeat(3000)] });
      expect(expectProblem(long, 400, 'BAD_REQUEST').detail).toMatch(/2048 characters/);
    });

    it('explain: at most 25,000 URL × noProxy pairs per request, before any client model runs', async () => {
      const noProxy = Array.from({ length: 5000 }, (_, i) => `h${i}.corp.example`);
      const urls = Array.from({ length: 6 }, (_, i) => `https://a${i}.example/`);
      const res = await sendWithHealthz('POST', '/v1/explain', reader, JSON.stringify({ config: { httpProxy: 'http://p.example:3128/', noProxy }, urls }));
      expect(expectProblem(res, 400, 'BAD_REQUEST').detail).toMatch(/30000 pairs, over the limit of 25000/);
      const fewer = await t.http().post('/v1/explain').set(bearer(reader)).send({ config: { httpProxy: 'http://p.example:3128/', noProxy }, urls: urls.slice(0, 5) });
      expect(fewer.status).toBe(200);
      expect(fewer.body.results).toHaveLength(5);
    });

    it('network must be an object, not an array, on POST and PATCH', async () => {
      const post = await t.http().post('/v1/clusters').set(bearer(submitter)).send({ name: 'net-array', resourceGroup: 'rg', network: [{}] });
      expect(expectProblem(post, 400, 'BAD_REQUEST').detail).toMatch(/network must be an object/);
      const patch = await t.http().patch('/v1/clusters/hostile').set(bearer(submitter)).send({ network: Array(5000).fill({}) });
      expect(expectProblem(patch, 400, 'BAD_REQUEST').detail).toMatch(/network must be an object/);
      const pools = await t.http().patch('/v1/clusters/hostile').set(bearer(submitter)).send({ nodePools: [[{ name: 'a' }]] });
      expect(expectProblem(pools, 400, 'BAD_REQUEST').detail).toMatch(/nodePools\.0 must be an object/);
      const cluster = await t.http().get('/v1/clusters/hostile').set(bearer(reader));
      expect(cluster.status).toBe(200);
      expect(cluster.body.network ?? null).toBeNull();
      // an object still works
      const ok = await t.http().patch('/v1/clusters/hostile').set(bearer(submitter)).send({ network: { serviceCidr: '10.0.0.0/16' } });
      expect(ok.status).toBe(200);
      expect(ok.body.network).toMatchObject({ serviceCidr: '10.0.0.0/16' });
    });
  });

  describe('no key material echoed', () => {
    it('POST /v1/explain with a PEM key (or its base64) as a URL does not return it', async () => {
      for (const url of [PEM, PEM_B64, `https://a.example/?k=${encodeURIComponent(PEM)}`, `https://a.example/${PEM_B64}`]) {
        const res = await t.http().post('/v1/explain').set(bearer(reader)).send({ config: { httpProxy: 'http://p.example:3128/' }, urls: [url] });
        expect(res.status).toBe(200);
        expect(res.body.results).toHaveLength(1);
        expect(leaksKey(res.text), url.slice(0, 40)).toBe(false);
      }
    });

    it('GET .../explain?url=<key> does not return it', async () => {
      const admin = bearer(ADMIN_TOKEN);
      const sub = await t.http().post('/v1/clusters/hostile/configs').set(bearer(submitter)).send({ reason: 'r', config: { httpProxy: 'http://p.example:3128/' } });
      expect(sub.status).toBe(201);
      for (const url of [PEM, PEM_B64, `https://a.example/${PEM_B64}`]) {
        const res = await t.http().get('/v1/clusters/hostile/configs/latest/explain').query({ url }).set(admin);
        expect(res.status).toBeLessThan(500);
        expect(leaksKey(res.text), url.slice(0, 40)).toBe(false);
      }
    });

    it('unknown routes echo neither the query string nor key material in the path', async () => {
      const res = await t.http().get(`/v1/nope?x=${encodeURIComponent(PEM)}&y=visible-query`).set(bearer(reader));
      const problem = expectProblem(res, 404, 'NOT_FOUND');
      expect(problem.detail).toContain('/v1/nope');
      expect(res.text).not.toContain('visible-query');
      expect(leaksKey(res.text)).toBe(false);
      const inPath = await t.http().get(`/v1/${encodeURIComponent(PEM_B64)}`).set(bearer(reader));
      expect(inPath.status).toBe(404);
      expect(leaksKey(inPath.text)).toBe(false);
    });

    it('a key pasted without its PEM lines (base64 of DER) is refused in any text field, so it is never stored', async () => {
      const ed = generateKeyPairSync('ed25519').privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64');
      const name = await t.http().post('/v1/api-keys').set(bearer(ADMIN_TOKEN)).send({ name: ed, roles: ['reader'] });
      expect(expectProblem(name, 400, 'BAD_REQUEST').detail).toMatch(/name must not contain a private key/);
      expect(name.text).not.toContain(ed.slice(0, 24));
      const der = Buffer.from(PEM_BODY, 'base64').toString('base64');
      const reason = await t.http().post('/v1/clusters/hostile/configs').set(bearer(submitter)).send({ reason: `rotate ${der}`, config: {} });
      expect(expectProblem(reason, 400, 'BAD_REQUEST').detail).toMatch(/reason must not contain a private key/);
      // a key whose base64 happens to fit the resourceGroup pattern (letters and digits only)
      let plain = ed;
      for (let i = 0; i < 500 && /[^A-Za-z0-9]/.test(plain); i++) {
        plain = generateKeyPairSync('ed25519').privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64');
      }
      const rg = await t.http().patch('/v1/clusters/hostile').set(bearer(submitter)).send({ resourceGroup: plain });
      expect(expectProblem(rg, 400, 'BAD_REQUEST').detail).toMatch(/resourceGroup must not contain a private key/);
      expect(rg.text).not.toContain(plain.slice(0, 24));
    });

    it('error details and logs do not carry it', async () => {
      const res = await t.http().post('/v1/api-keys').set(bearer(ADMIN_TOKEN)).send({ name: 't', roles: ['reader'], [PEM]: 1, [PEM_B64]: 2 });
      expectProblem(res, 400, 'BAD_REQUEST');
      expect(leaksKey(res.text)).toBe(false);
      await t.http().get(`/v1/audit?actor=${encodeURIComponent(PEM_B64)}`).set(bearer(reader));
      expect(leaksKey(t.logs.join(''))).toBe(false);
    });
  });

  describe('framework errors are problem+json (raw sockets)', () => {
    const get = (extra: string) => `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n${extra}\r\n`;

    it('headers over 16 KB: 431 HEADERS_TOO_LARGE', async () => {
      const res = await rawRequest(port, get(`X-Big: ${'a'.repeat(17 * 1024)}\r\n`));
      expectProblem(res, 431, 'HEADERS_TOO_LARGE');
      const url = await rawRequest(port, `GET /v1/clusters?x=${'a'.repeat(17 * 1024)} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
      expectProblem(url, 431, 'HEADERS_TOO_LARGE');
    });

    it('malformed framing: 400 BAD_REQUEST', async () => {
      for (const bytes of [
        get('X-Nul: a\0b\r\n'),
        get('X-Cr: a\rb\r\n'),
        `POST /v1/validate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n`,
        Buffer.concat([Buffer.from('GET /v1/\xff\xfe HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n', 'latin1')]),
      ]) {
        const res = await rawRequest(port, bytes);
        expectProblem(res, 400, 'BAD_REQUEST');
        expect(res.headers.connection).toBe('close');
      }
    });

    it('HTTP/1.1 without Host: 400 BAD_REQUEST', async () => {
      const res = await rawRequest(port, 'GET /healthz HTTP/1.1\r\n\r\n');
      const problem = expectProblem(res, 400, 'BAD_REQUEST');
      expect(problem.detail).toMatch(/Host/);
      // HTTP/1.0 needs none
      const old = await rawRequest(port, 'GET /healthz HTTP/1.0\r\n\r\n');
      expect(old.status).toBe(200);
    });

    it('the service still answers afterwards', async () => {
      expect((await t.http().get('/healthz')).status).toBe(200);
    });
  });
});
