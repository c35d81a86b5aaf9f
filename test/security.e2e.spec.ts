import { createHash, generateKeyPairSync } from 'node:crypto';
import type { Response } from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testCertificates, toBase64 } from './support/certificates';
import { ADMIN_TOKEN, bearer, DATABASE, startTestApp, type TestApp } from './support/test-app';

// ../shared/API.md "Conventions" (auth, errors), "Findings" (TRUSTED_CA_PRIVATE_KEY: never stored, logged or
// echoed) and the hardening of src/app.factory.ts: acting for a person, body and rate limits, content types,
// security headers, CORS, secrets, problem+json without stack traces.

const certs = testCertificates();
const body = (pem: string) =>
  pem
    .split('\n')
    .filter((l) => l && !l.startsWith('-----'))
    .join('');

/**
 * Distinctive pieces of a private key, as they could show up anywhere: 24-character windows (every 4 characters)
 * of its base64 body, skipping the ASN.1 header that every key of its kind shares (`skip` characters), and the
 * same for every base64 encoding we send it in (`encodings`: the text around the key). Compared case-insensitively,
 * since some messages lower-case what they quote.
 */
function keyFragments(pem: string, skip: number, encodings: { before: string; after: string }[]): string[] {
  const fragments = new Set<string>();
  const b = body(pem);
  for (let i = skip; i + 24 <= b.length; i += 4) fragments.add(b.slice(i, i + 24).toLowerCase());
  const headerLength = pem.indexOf('\n') + 1;
  for (const { before, after } of encodings) {
    const encoded = toBase64(before + pem + after);
    const start = Math.ceil((before.length + headerLength + skip) / 3) * 4;
    const end = Math.floor((before.length + pem.length - 30) / 3) * 4;
    for (let i = start; i + 24 <= end; i += 4) fragments.add(encoded.slice(i, i + 24).toLowerCase());
  }
  return [...fragments];
}

/** Every base64 wrapping of a key this file sends. */
const ENCODINGS = [
  { before: '', after: '' },
  { before: certs.caPem, after: '' },
  { before: '', after: certs.caPem },
  { before: certs.caPem, after: certs.ecPem },
];
// PKCS#8 RSA: 38 bytes of structure (lengths, version, algorithm) before the modulus: skip 36 characters.
// SEC1 EC: 7 bytes of structure, then the 32-byte private scalar: skip 8 characters only.
const RSA_FRAGMENTS = keyFragments(certs.privateKeyPem, 36, ENCODINGS);
const EC_FRAGMENTS = keyFragments(certs.ecPrivateKeyPem, 8, ENCODINGS);

describe(`security (${DATABASE})`, () => {
  let t: TestApp;
  let bot: string; // ChatOps bot: submitter + approver, may act for people
  let alice: string; // submitter + approver, may not act for anyone
  let reader: string;
  let submitter: string;
  /** Every error response this file saw, for the problem+json and stack-trace checks. */
  const errors: { what: string; res: Response }[] = [];
  const keep = (what: string, res: Response) => {
    if (res.status >= 400) errors.push({ what, res });
    return res;
  };

  beforeAll(async () => {
    t = await startTestApp({ clock: { now: () => certs.now } });
    [bot, alice, reader, submitter] = await Promise.all([
      t.key('chatops', ['submitter', 'approver'], { canActFor: true }),
      t.key('alice', ['submitter', 'approver']),
      t.key('rita', ['reader']),
      t.key('sam', ['submitter']),
    ]);
    // the people the bot acts for must be known, with the roles they act with (API.md "People and sign-in")
    for (const [name, roles] of [['alice', ['submitter', 'approver']], ['bob', ['approver']]] as const) {
      await t.http().put(`/v1/people/${name}`).set(bearer(ADMIN_TOKEN)).send({ roles }).expect(201);
    }
  });
  afterAll(async () => {
    await t?.close();
  });

  const config = { httpProxy: 'http://proxy.corp.example:3128/', noProxy: ['.corp.example'], trustedCa: certs.caBase64 };
  const auditOf = async (query: string) => (await t.http().get(`/v1/audit?${query}&limit=200`).set(bearer(reader)).expect(200)).body.items;

  describe('acting for a person (X-Acting-For)', () => {
    const asBot = (person: string) => ({ ...bearer(bot), 'x-acting-for': person });

    it('the bot submits for alice: the version and the audit name alice, via the bot', async () => {
      const cluster = await t.http().post('/v1/clusters').set(asBot('alice')).send({ name: 'act', resourceGroup: 'rg-act' });
      expect(cluster.status).toBe(201);
      const res = await t.http().post('/v1/clusters/act/configs').set(asBot('alice')).send({ config, reason: 'from chat' });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ version: 1, status: 'pending', submittedBy: 'alice', submittedVia: 'chatops' });

      const created = await auditOf('action=cluster.created&cluster=act');
      expect(created).toHaveLength(1);
      expect(created[0]).toMatchObject({ actor: 'alice', via: 'chatops' });
      const submitted = await auditOf('action=config.submitted&cluster=act');
      expect(submitted).toHaveLength(1);
      expect(submitted[0]).toMatchObject({ actor: 'alice', via: 'chatops', version: 1 });
    });

    it("separation of duties applies to the person: the bot acting for alice cannot approve alice's version", async () => {
      for (const person of ['alice', ' alice ']) {
        const res = keep('self approval via bot', await t.http().post('/v1/clusters/act/configs/1/decisions').set(asBot(person)).send({ decision: 'approve' }));
        expect(res.status, person).toBe(403);
        expect(res.body.code).toBe('SELF_APPROVAL');
      }
      // nor can alice herself, with her own key
      const own = await t.http().post('/v1/clusters/act/configs/1/decisions').set(bearer(alice)).send({ decision: 'approve' });
      expect(own.status).toBe(403);
      expect(own.body.code).toBe('SELF_APPROVAL');
      const v = await t.http().get('/v1/clusters/act/configs/1').set(bearer(reader)).expect(200);
      expect(v.body).toMatchObject({ status: 'pending', decisions: [] });
    });

    it('the bot acting for bob can approve it: the decision and the audit name bob, via the bot', async () => {
      const res = await t.http().post('/v1/clusters/act/configs/1/decisions').set(asBot('bob')).send({ decision: 'approve', comment: 'lgtm' });
      expect(res.status).toBe(201);
      expect(res.body.status).toBe('approved');
      expect(res.body.decisions).toEqual([expect.objectContaining({ actor: 'bob', via: 'chatops', decision: 'approve', comment: 'lgtm' })]);
      const approved = await auditOf('action=config.approved&cluster=act');
      expect(approved[0]).toMatchObject({ actor: 'bob', via: 'chatops', version: 1 });
    });

    it("a version alice submitted with her own key is hers too: the bot acting for alice cannot approve it; only its submitter may withdraw", async () => {
      const v2 = await t.http().post('/v1/clusters/act/configs').set(bearer(alice)).send({ config: { ...config, noProxy: ['.corp.example', 'b.example'] }, reason: 'own key' });
      expect(v2.status).toBe(201);
      expect(v2.body).toMatchObject({ submittedBy: 'alice', submittedVia: null });
      const self = keep('self approval via bot 2', await t.http().post('/v1/clusters/act/configs/2/decisions').set(asBot('alice')).send({ decision: 'approve' }));
      expect(self.status).toBe(403);
      expect(self.body.code).toBe('SELF_APPROVAL');
      const mallory = keep('withdraw for an unknown person', await t.http().post('/v1/clusters/act/configs/2/withdraw').set(asBot('mallory')));
      expect(mallory.status).toBe(403);
      expect(mallory.body.code).toBe('UNKNOWN_PERSON');
      const bob = keep('withdraw for another', await t.http().post('/v1/clusters/act/configs/2/withdraw').set(asBot('bob')));
      expect(bob.status).toBe(403);
      expect(bob.body.code).toBe('FORBIDDEN');
      const forAlice = await t.http().post('/v1/clusters/act/configs/2/withdraw').set(asBot('alice'));
      expect(forAlice.status).toBe(200);
      expect(forAlice.body.status).toBe('withdrawn');
      const withdrawn = await auditOf('action=config.withdrawn&cluster=act');
      expect(withdrawn[0]).toMatchObject({ actor: 'alice', via: 'chatops' });
    });

    it('acting for someone grants no role: the bot acting for "admin" still cannot manage API keys', async () => {
      const res = keep('bot for admin', await t.http().post('/v1/api-keys').set(asBot('admin')).send({ name: 'sneaky', roles: ['admin'] }));
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('FORBIDDEN');
      const list = keep('bot for admin list', await t.http().get('/v1/api-keys').set(asBot('admin')));
      expect(list.status).toBe(403);
    });

    it('a key without canActFor sending X-Acting-For is 403 FORBIDDEN, and nothing happens', async () => {
      await t.http().post('/v1/clusters/act/configs').set(bearer(submitter)).send({ config: { ...config, noProxy: ['c.example'] }, reason: 'to decide' }).expect(201);
      const cases: [string, () => Promise<Response>][] = [
        ['decision', () => t.http().post('/v1/clusters/act/configs/3/decisions').set(bearer(alice)).set('x-acting-for', 'bob').send({ decision: 'approve' })],
        ['submit', () => t.http().post('/v1/clusters/act/configs').set(bearer(submitter)).set('x-acting-for', 'carol').send({ config, reason: 'x' })],
        ['read', () => t.http().get('/v1/clusters/act').set(bearer(reader)).set('x-acting-for', 'carol')],
        ['admin token', () => t.http().post('/v1/clusters').set(bearer(ADMIN_TOKEN)).set('x-acting-for', 'carol').send({ name: 'carol-cluster', resourceGroup: 'rg' })],
      ];
      for (const [what, call] of cases) {
        const res = keep(`acting for without canActFor: ${what}`, await call());
        expect(res.status, what).toBe(403);
        expect(res.body.code, what).toBe('FORBIDDEN');
      }
      const v3 = await t.http().get('/v1/clusters/act/configs/3').set(bearer(reader)).expect(200);
      expect(v3.body).toMatchObject({ status: 'pending', decisions: [] });
      expect((await t.http().get('/v1/clusters/carol-cluster').set(bearer(reader))).status).toBe(404);
      expect(await auditOf('actor=carol')).toEqual([]);
    });

    it('an X-Acting-For that can name nobody (blank, over 256 characters, not ASCII) is 400; any other unknown name is 403 UNKNOWN_PERSON', async () => {
      for (const person of ['', '   ', 'a'.repeat(257), 'bob\u00e9']) {
        const res = keep('bad acting for', await t.http().get('/v1/clusters').set(bearer(bot)).set('x-acting-for', person));
        expect(res.status, JSON.stringify(person)).toBe(400);
        expect(res.body.code).toBe('BAD_REQUEST');
      }
      for (const person of ['bob smith', 'a'.repeat(129), 'auth0|5f7c8ec7']) {
        const res = keep('unknown acting for', await t.http().get('/v1/clusters').set(bearer(bot)).set('x-acting-for', person));
        expect(res.status, JSON.stringify(person)).toBe(403);
        expect(res.body.code).toBe('UNKNOWN_PERSON');
      }
    });
  });

  describe('bodies and content types', () => {
    it('a body over 1 MiB is 413 PAYLOAD_TOO_LARGE; exactly 1 MiB is read', async () => {
      const sized = (bytes: number) => {
        const shell = JSON.stringify({ httpProxy: 'http://proxy.corp.example:3128/', comment: '' });
        return shell.replace('"comment":""', `"comment":"${'x'.repeat(bytes - shell.length)}"`);
      };
      const MiB = 1024 * 1024;
      expect(Buffer.byteLength(sized(MiB))).toBe(MiB);
      const atLimit = await t.http().post('/v1/validate').set(bearer(reader)).set('content-type', 'application/json').send(sized(MiB));
      expect(atLimit.status).toBe(200);
      expect(atLimit.body.findings.map((f: { code: string }) => f.code)).toContain('UNKNOWN_FIELD');

      for (const path of ['/v1/validate', '/v1/clusters/act/configs', '/v1/clusters']) {
        const res = keep(`413 ${path}`, await t.http().post(path).set(bearer(ADMIN_TOKEN)).set('content-type', 'application/json').send(sized(MiB + 1)));
        expect(res.status, path).toBe(413);
        expect(res.body.code).toBe('PAYLOAD_TOO_LARGE');
        expect(res.body.detail).toMatch(/larger than the service accepts \(1 MiB/);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      }
    });

    it('malformed JSON is 400 BAD_REQUEST', async () => {
      for (const text of ['{"httpProxy": ', '{httpProxy: "x"}', "{'a': 1}", '{"a": 1,}', '{"a": 1} trailing']) {
        const res = keep('malformed JSON', await t.http().post('/v1/validate').set(bearer(reader)).set('content-type', 'application/json').send(text));
        expect(res.status, text).toBe(400);
        expect(res.body.code).toBe('BAD_REQUEST');
        expect(res.body.detail).toMatch(/^The body is not valid JSON/);
      }
    });


    it('a body that is not JSON is 415 UNSUPPORTED_MEDIA_TYPE', async () => {
      const accepted: string[] = [];
      for (const [type, text] of [
        ['text/plain', '{"httpProxy": "http://p:3128/"}'],
        ['application/x-www-form-urlencoded', 'httpProxy=http://p:3128/'],
        ['application/xml', '<config/>'],
        ['multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n--x--\r\n'],
      ]) {
        const res = keep(`415 ${type}`, await t.http().post('/v1/validate').set(bearer(reader)).set('content-type', type!).send(text));
        if (res.status !== 415 || res.body.code !== 'UNSUPPORTED_MEDIA_TYPE' || res.body.detail !== 'Send the body as application/json.') accepted.push(`${type} → ${res.status} ${res.text.slice(0, 80)}`);
      }
      expect(accepted).toEqual([]);
      const utf8 = await t.http().post('/v1/validate').set(bearer(reader)).set('content-type', 'application/json; charset=utf-8').send(JSON.stringify(config));
      expect(utf8.status).toBe(200);
    });

    it('a JSON array, string, number or null is 400 on /v1/validate, /v1/explain and submissions', async () => {
      for (const text of ['[]', '[{"httpProxy": "http://p:3128/"}]', '"http://p:3128/"', '42', 'null', 'true']) {
        for (const path of ['/v1/validate', '/v1/explain', '/v1/clusters/act/configs']) {
          const res = keep(`non-object ${path}`, await t.http().post(path).set(bearer(alice)).set('content-type', 'application/json').send(text));
          expect(res.status, `${path} ${text}`).toBe(400);
          expect(res.body.code).toBe('BAD_REQUEST');
        }
      }
    });

    it('prototype poisoning is refused with 400, never a 500', async () => {
      for (const text of ['{"__proto__": {"isAdmin": true}, "httpProxy": "http://p:3128/"}', '{"constructor": {"prototype": {"x": 1}}}']) {
        const res = keep('proto', await t.http().post('/v1/validate').set(bearer(reader)).set('content-type', 'application/json').send(text));
        expect(res.status, text).toBe(400);
        expect(res.body.code).toBe('BAD_REQUEST');
        expect(res.body.detail).toMatch(/^The body is not valid JSON, or it has a "__proto__" or "constructor"/);
      }
    });

  });

  describe('security headers', () => {
    const check = (what: string, res: Response) => {
      expect(res.headers['x-content-type-options'], what).toBe('nosniff');
      expect(res.headers['x-frame-options'], what).toBe('SAMEORIGIN');
      expect(res.headers['strict-transport-security'], what).toMatch(/max-age=\d+/);
      expect(res.headers['content-security-policy'], what).toMatch(/default-src 'self'/);
      expect(res.headers['content-security-policy'], what).toMatch(/frame-ancestors 'self'/);
      expect(res.headers['referrer-policy'], what).toBe('no-referrer');
      expect(res.headers['cross-origin-opener-policy'], what).toBe('same-origin');
      expect(res.headers['x-permitted-cross-domain-policies'], what).toBe('none');
      expect(res.headers['x-powered-by'], what).toBeUndefined();
    };

    it('helmet headers are on successes, errors of every kind, and the operations routes', async () => {
      check('200', await t.http().get('/v1/clusters').set(bearer(reader)));
      check('401', await t.http().get('/v1/clusters'));
      check('403', await t.http().get('/v1/api-keys').set(bearer(reader)));
      check('404', await t.http().get('/v1/nope').set(bearer(reader)));
      check('400', await t.http().post('/v1/validate').set(bearer(reader)).set('content-type', 'application/json').send('{'));
      check('415', await t.http().post('/v1/validate').set(bearer(reader)).set('content-type', 'text/plain').send('x'));
      check('healthz', await t.http().get('/healthz'));
      check('openapi', await t.http().get('/openapi.json'));
      const render = await t.http().get('/v1/clusters/act/configs/1/render?format=cli').set(bearer(reader));
      expect(render.status).toBe(200);
      check('render', render);
    });

    it('no CORS headers for any origin when CORS_ORIGINS is unset', async () => {
      const res = await t.http().get('/v1/clusters').set(bearer(reader)).set('origin', 'https://portal.example.com');
      expect(res.status).toBe(200);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
      const preflight = await t
        .http()
        .options('/v1/clusters')
        .set('origin', 'https://portal.example.com')
        .set('access-control-request-method', 'POST');
      expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    });
  });

  describe('CORS with CORS_ORIGINS', () => {
    let c: TestApp;
    const PORTAL = 'https://portal.example.com';
    beforeAll(async () => {
      c = await startTestApp({ env: { CORS_ORIGINS: PORTAL } });
    });
    afterAll(async () => {
      await c?.close();
    });

    const preflight = (origin: string) =>
      c
        .http()
        .options('/v1/clusters')
        .set('origin', origin)
        .set('access-control-request-method', 'POST')
        .set('access-control-request-headers', 'authorization,content-type,if-match,idempotency-key,x-acting-for');

    it('a preflight from the portal is allowed, with the methods and headers the API uses, without a token', async () => {
      const res = await preflight(PORTAL);
      expect(res.status).toBeGreaterThanOrEqual(200);
      expect(res.status).toBeLessThan(300);
      expect(res.headers['access-control-allow-origin']).toBe(PORTAL);
      expect(res.headers['access-control-allow-methods']).toMatch(/POST/);
      expect(res.headers['access-control-allow-methods']).toMatch(/PATCH/);
      const allowed = String(res.headers['access-control-allow-headers']).toLowerCase();
      for (const h of ['authorization', 'content-type', 'if-match', 'idempotency-key', 'x-acting-for']) expect(allowed).toContain(h);
      expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    });

    it('a GET from the portal gets Access-Control-Allow-Origin and the exposed headers; errors too', async () => {
      const res = await c.http().get('/v1/clusters').set(bearer(ADMIN_TOKEN)).set('origin', PORTAL);
      expect(res.status).toBe(200);
      expect(res.headers['access-control-allow-origin']).toBe(PORTAL);
      const exposed = String(res.headers['access-control-expose-headers']).toLowerCase();
      for (const h of ['etag', 'location', 'link', 'x-request-id', 'retry-after']) expect(exposed).toContain(h);
      expect(String(res.headers.vary ?? '').toLowerCase()).toContain('origin');
      const unauthenticated = await c.http().get('/v1/clusters').set('origin', PORTAL);
      expect(unauthenticated.status).toBe(401);
      expect(unauthenticated.headers['access-control-allow-origin']).toBe(PORTAL);
    });

    it('another origin gets no Access-Control-Allow-Origin, neither on preflight nor on GET', async () => {
      for (const origin of ['https://evil.example', 'https://portal.example.com.evil.example', 'http://portal.example.com', 'null']) {
        const pre = await preflight(origin);
        expect(pre.headers['access-control-allow-origin'], origin).toBeUndefined();
        const res = await c.http().get('/v1/clusters').set(bearer(ADMIN_TOKEN)).set('origin', origin);
        expect(res.status).toBe(200);
        expect(res.headers['access-control-allow-origin'], origin).toBeUndefined();
      }
    });
  });

  describe('rate limit (RATE_LIMIT_PER_MINUTE=5)', () => {
    let r: TestApp;
    let first: string;
    let second: string;
    beforeAll(async () => {
      r = await startTestApp({ env: { RATE_LIMIT_PER_MINUTE: '5' } });
      [first, second] = await Promise.all([r.key('first', ['reader']), r.key('second', ['reader'])]);
    });
    afterAll(async () => {
      await r?.close();
    });

    it('a key over the limit gets 429 RATE_LIMITED with Retry-After; another key still passes', async () => {
      for (let i = 0; i < 5; i++) {
        const ok = await r.http().get('/v1/clusters').set(bearer(first));
        expect(ok.status, `request ${i + 1}`).toBe(200);
      }
      const limited = keep('429', await r.http().get('/v1/clusters').set(bearer(first)));
      expect(limited.status).toBe(429);
      expect(limited.body.code).toBe('RATE_LIMITED');
      expect(limited.body.status).toBe(429);
      expect(limited.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
      expect(limited.text).not.toContain(first);
      // POSTs by the same key are limited too
      const post = await r.http().post('/v1/validate').set(bearer(first)).send(config);
      expect(post.status).toBe(429);

      const other = await r.http().get('/v1/clusters').set(bearer(second));
      expect(other.status).toBe(200);
      const admin = await r.http().get('/v1/clusters').set(bearer(ADMIN_TOKEN));
      expect(admin.status).toBe(200);
      // the operations routes are never limited
      expect((await r.http().get('/healthz')).status).toBe(200);
      expect((await r.http().get('/readyz')).status).toBe(200);
    });
    it('made-up tokens count against the client address: a new token per request does not escape the limit', async () => {
      const fresh = await startTestApp({ env: { RATE_LIMIT_PER_MINUTE: '5' } });
      try {
        const statuses: number[] = [];
        for (let i = 0; i < 7; i++) statuses.push((await fresh.http().get('/v1/clusters').set(bearer(`apc_made-up-${i}`))).status);
        expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
        expect(statuses.slice(5)).toEqual([429, 429]);
      } finally {
        await fresh.close();
      }
    });
  });

  describe('auth bypass attempts', () => {
    it('HEAD, trailing slashes and encoded paths do not skip authentication', async () => {
      expect((await t.http().head('/v1/api-keys')).status).toBe(401);
      expect((await t.http().head('/v1/api-keys').set(bearer(reader))).status).toBe(403);
      for (const path of ['/v1/api-keys/', '/v1/api-keys?x=1', '/v1/%61pi-keys', '/v1/clusters/act/configs/1/render/']) {
        const res = keep(`bypass ${path}`, await t.http().get(path));
        expect([401, 404], path).toContain(res.status);
        if (res.status === 404) continue;
        const asReader = await t.http().get(path).set(bearer(reader));
        expect([200, 403, 404], path).toContain(asReader.status);
      }
      expect((await t.http().get('/v1/api-keys/').set(bearer(reader))).status).toBe(403);
    });
  });

  describe('secrets never leak', () => {
    // Every call that carries a secret, and its response.
    const calls: { what: string; res: Response }[] = [];
    const tokens = () => [ADMIN_TOKEN, bot, alice, reader, submitter];
    const record = (what: string, res: Response) => {
      calls.push({ what, res });
      keep(what, res);
      return res;
    };
    const b64Key = toBase64(certs.privateKeyPem);
    const b64Ec = toBase64(certs.ecPrivateKeyPem);

    /** The secret pieces a text holds (case-insensitive), by kind. */
    function leaks(text: string): string[] {
      const lower = text.toLowerCase();
      const found: string[] = [];
      if (RSA_FRAGMENTS.some((f) => lower.includes(f))) found.push('RSA private key');
      if (EC_FRAGMENTS.some((f) => lower.includes(f))) found.push('EC private key');
      for (const token of tokens()) {
        if (lower.includes(token.toLowerCase().slice(-24))) found.push(`token ${token.slice(0, 8)}…`);
        if (text.includes(createHash('sha256').update(token).digest('hex'))) found.push(`token hash ${token.slice(0, 8)}…`);
      }
      return found;
    }
    const responseText = (res: Response) => `${res.status}\n${JSON.stringify(res.headers)}\n${res.text}`;
    /** "what: kind in <the message or line that holds it>" for each leak of a response, to make failures readable. */
    function describeLeaks(what: string, res: Response): string[] {
      const found = leaks(responseText(res));
      if (found.length === 0) return [];
      const findings = (res.body?.findings ?? []) as { code: string; message: string }[];
      const where = findings.filter((f) => leaks(f.message).length > 0).map((f) => `${f.code}: ${f.message.slice(0, 160)}`);
      return [`${what} → ${found.join(', ')} in ${where.length ? where.join(' | ') : res.text.slice(0, 200)}`];
    }

    it('self-check: the fragments find the key in each form it is sent', () => {
      for (const sent of [certs.privateKeyPem, b64Key, toBase64(certs.caPem + certs.privateKeyPem), toBase64(certs.privateKeyPem + certs.caPem), JSON.stringify(certs.privateKeyPem)]) {
        expect(leaks(sent)).toContain('RSA private key');
      }
      for (const sent of [certs.ecPrivateKeyPem, b64Ec, toBase64(certs.caPem + certs.ecPrivateKeyPem + certs.ecPem), certs.ecPrivateKeyPem.toLowerCase()]) {
        expect(leaks(sent)).toContain('EC private key');
      }
      expect(leaks(certs.caPem + certs.caBase64 + certs.bundleBase64 + toBase64(certs.caPem + certs.ecPem))).toEqual([]);
      expect(leaks(`Bearer ${ADMIN_TOKEN}`)).toHaveLength(1);
    });

    it('a private key in trustedCa (raw, base64, in a bundle) is TRUSTED_CA_PRIVATE_KEY on /v1/validate, and is not in the normalized config', async () => {
      const cases: [string, string][] = [
        ['rsa base64', b64Key],
        ['rsa raw', certs.privateKeyPem],
        ['rsa in a bundle after a certificate', toBase64(certs.caPem + certs.privateKeyPem)],
        ['rsa in a bundle before a certificate', toBase64(certs.privateKeyPem + certs.caPem)],
        ['ec base64', b64Ec],
        ['ec raw', certs.ecPrivateKeyPem],
        ['ec between certificates', toBase64(certs.caPem + certs.ecPrivateKeyPem + certs.ecPem)],
        ['raw bundle', certs.caPem + certs.privateKeyPem],
      ];
      for (const [what, trustedCa] of cases) {
        const res = record(`validate trustedCa ${what}`, await t.http().post('/v1/validate?cluster=act').set(bearer(reader)).send({ ...config, trustedCa }));
        expect(res.status, what).toBe(200);
        expect(res.body.valid, what).toBe(false);
        expect(res.body.findings.map((f: { code: string }) => f.code), what).toContain('TRUSTED_CA_PRIVATE_KEY');
        const normalized = res.body.normalized.trustedCa;
        if (normalized !== undefined) expect(Buffer.from(normalized, 'base64').toString('latin1'), what).not.toContain('PRIVATE KEY');
      }
      // the certificates around a key are still described; the key is not
      const bundle = calls.find((c) => c.what.endsWith('between certificates'))!.res;
      expect(bundle.body.certificates).toHaveLength(2);
      // a double-encoded key is no PEM at all
      const twice = record('validate trustedCa double base64', await t.http().post('/v1/validate').set(bearer(reader)).send({ ...config, trustedCa: toBase64(b64Key) }));
      expect(twice.status).toBe(200);
      expect(twice.body.valid).toBe(false);
    });

    it('a private key in the other fields of a config is not echoed by /v1/validate', async () => {
      const cases: [string, Record<string, unknown>][] = [
        ['noProxy entries', { httpProxy: config.httpProxy, noProxy: [certs.privateKeyPem, b64Key, certs.ecPrivateKeyPem, b64Ec, body(certs.ecPrivateKeyPem)] }],
        ['noProxy string', { httpProxy: config.httpProxy, noProxy: `.corp.example,${b64Ec},${body(certs.ecPrivateKeyPem)}` }],
        ['httpProxy raw', { httpProxy: certs.ecPrivateKeyPem, httpsProxy: b64Ec }],
        ['httpProxy without scheme', { httpProxy: b64Ec, httpsProxy: body(certs.ecPrivateKeyPem) }],
        ['httpProxy rsa', { httpProxy: certs.privateKeyPem, httpsProxy: b64Key }],
        ['unknown field', { httpProxy: config.httpProxy, privateKey: certs.privateKeyPem, caKey: b64Ec }],
        ['wrapped', { httpProxyConfig: { httpProxy: config.httpProxy, trustedCa: b64Key, noProxy: [b64Ec] } }],
        ['field name case', { httpProxy: config.httpProxy, trustedCA: b64Ec }],
        ['duplicate field', { httpProxy: config.httpProxy, trustedCa: certs.caBase64, TRUSTEDCA: b64Key }],
        ['wrong type', { httpProxy: [certs.ecPrivateKeyPem], trustedCa: [b64Key], noProxy: { key: b64Ec } }],
      ];
      const leaking: string[] = [];
      for (const [what, cfg] of cases) {
        const res = record(`validate ${what}`, await t.http().post('/v1/validate').set(bearer(alice)).send(cfg));
        expect(res.status, what).toBe(200);
        expect(res.body.valid, what).toBe(false);
        leaking.push(...describeLeaks(what, res));
      }
      expect(leaking).toEqual([]);
    });

    it('a private key is not echoed by /v1/explain', async () => {
      const leaking: string[] = [];
      for (const [what, cfg] of [
        ['trustedCa', { ...config, trustedCa: b64Key }],
        ['bundle', { ...config, trustedCa: toBase64(certs.caPem + certs.ecPrivateKeyPem) }],
        ['noProxy', { ...config, noProxy: ['.corp.example', b64Ec, certs.privateKeyPem] }],
      ] as const) {
        const res = record(`explain ${what}`, await t.http().post('/v1/explain').set(bearer(reader)).send({ config: cfg, urls: ['https://mcr.microsoft.com/v2/'], cluster: 'act' }));
        expect(res.status, what).toBe(200);
        leaking.push(...describeLeaks(what, res));
      }
      expect(leaking).toEqual([]);
    });

    it('a submission with a private key is 422 CONFIG_INVALID, stores nothing and echoes nothing', async () => {
      await t.http().post('/v1/clusters').set(bearer(submitter)).send({ name: 'sec', resourceGroup: 'rg-sec' }).expect(201);
      const before = (await auditOf('')).length;
      const cases: [string, Record<string, unknown>][] = [
        ['trustedCa base64', { ...config, trustedCa: b64Key }],
        ['trustedCa raw', { ...config, trustedCa: certs.ecPrivateKeyPem }],
        ['bundle', { ...config, trustedCa: toBase64(certs.caPem + certs.privateKeyPem) }],
        ['bundle ec', { ...config, trustedCa: toBase64(certs.caPem + certs.ecPrivateKeyPem + certs.ecPem) }],
        ['noProxy', { ...config, noProxy: ['.corp.example', b64Ec, certs.privateKeyPem] }],
        ['httpProxy', { ...config, httpProxy: certs.ecPrivateKeyPem }],
      ];
      const leaking: string[] = [];
      for (const [what, cfg] of cases) {
        for (const headers of [{}, { 'idempotency-key': `secret-${what.replace(/\s/g, '-')}` }]) {
          const res = record(`submit ${what}`, await t.http().post('/v1/clusters/sec/configs').set(bearer(submitter)).set(headers).send({ config: cfg, reason: 'rotate CA', changeTicket: 'CHG-9' }));
          expect(res.status, what).toBe(422);
          expect(res.body.code, what).toBe('CONFIG_INVALID');
          expect(res.body.findings.length, what).toBeGreaterThan(0);
          leaking.push(...describeLeaks(what, res));
        }
      }
      const privateKey = calls.find((c) => c.what === 'submit trustedCa base64')!.res;
      expect(privateKey.body.findings.map((f: { code: string }) => f.code)).toContain('TRUSTED_CA_PRIVATE_KEY');

      // a key in the other fields of the request is a bad request, not echoed either
      const changeTicket = record('submit changeTicket', await t.http().post('/v1/clusters/sec/configs').set(bearer(submitter)).send({ config, reason: 'r', changeTicket: certs.privateKeyPem }));
      expect(changeTicket.status).toBe(400);
      const extra = record('submit extra member', await t.http().post('/v1/clusters/sec/configs').set(bearer(submitter)).send({ config, reason: 'r', privateKey: b64Ec }));
      expect(extra.status).toBe(400);
      const cluster = record('create cluster', await t.http().post('/v1/clusters').set(bearer(submitter)).send({ name: body(certs.ecPrivateKeyPem).slice(0, 60), resourceGroup: b64Ec }));
      expect(cluster.status).toBe(400);
      const malformed = record('malformed JSON', await t.http().post('/v1/validate').set(bearer(reader)).set('content-type', 'application/json').send(`{"trustedCa": "${b64Ec}" "x": 1}`));
      expect(malformed.status).toBe(400);
      for (const c of calls.slice(-4)) leaking.push(...describeLeaks(c.what, c.res));

      const history = await t.http().get('/v1/clusters/sec/configs').set(bearer(reader)).expect(200);
      expect(history.body.items).toEqual([]);
      expect((await auditOf('')).length).toBe(before);
      expect(leaking).toEqual([]);
    });

    it('tokens are not echoed: unknown, malformed, revoked and foreign tokens', async () => {
      const gone = await t.http().post('/v1/api-keys').set(bearer(ADMIN_TOKEN)).send({ name: 'gone', roles: ['reader'] }).expect(201);
      await t.http().delete(`/v1/api-keys/${gone.body.id}`).set(bearer(ADMIN_TOKEN)).expect(200);
      const probes: [string, Record<string, string>][] = [
        ['basic', { authorization: `Basic ${ADMIN_TOKEN}` }],
        ['bearer with junk', { authorization: `Bearer ${bot} junk` }],
        ['no scheme', { authorization: submitter }],
        ['revoked', bearer(gone.body.token)],
        ['acting for a token', { ...bearer(alice), 'x-acting-for': reader }],
      ];
      for (const [what, headers] of probes) {
        const res = record(`tokens ${what}`, await t.http().get('/v1/clusters').set(headers));
        expect(res.status, what).toBeGreaterThanOrEqual(200);
        expect(leaks(responseText(res)), what).toEqual([]);
        expect(responseText(res), what).not.toContain(gone.body.token.slice(-24));
      }
    });

    it('no response to any of those calls holds a private key or a token', () => {
      expect(calls.length).toBeGreaterThan(30);
      expect(calls.flatMap(({ what, res }) => describeLeaks(what, res))).toEqual([]);
    });

    it('no log line holds a private key or a token', async () => {
      expect(t.logs.length).toBeGreaterThan(calls.length);
      const leakingLines = t.logs.filter((line) => leaks(line).length > 0);
      expect(leakingLines.map((l) => `${leaks(l).join(', ')}: ${l.slice(0, 300)}`)).toEqual([]);
      for (const line of t.logs) expect(line).not.toMatch(/authorization/i);
    });

    it('no audit event and no stored version holds a private key or a token', async () => {
      const events: unknown[] = [];
      let cursor: string | null = null;
      do {
        const page: Response = await t
          .http()
          .get(`/v1/audit?limit=200${cursor ? `&cursor=${cursor}` : ''}`)
          .set(bearer(ADMIN_TOKEN))
          .expect(200);
        events.push(...page.body.items);
        cursor = page.body.nextCursor;
      } while (cursor);
      expect(events.length).toBeGreaterThan(5);
      const leakingEvents = events.filter((e) => leaks(JSON.stringify(e)).length > 0);
      expect(leakingEvents).toEqual([]);
      // nor anything stored on the versions
      const versions = await t.http().get('/v1/clusters/act/configs?limit=200').set(bearer(reader)).expect(200);
      expect(leaks(versions.text)).toEqual([]);
    });

    it('a private key in reason, changeTicket or a decision comment is 400 and stored nowhere', async () => {
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256', privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
      const slice = privateKey.split('\n')[2]!.slice(10, 50);
      const encoded = Buffer.from(privateKey).toString('base64');
      await t.http().post('/v1/clusters').set(bearer(submitter)).send({ name: 'reason-probe', resourceGroup: 'rg' }).expect(201);
      for (const body of [{ config, reason: privateKey }, { config, reason: `see ${encoded}` }, { config, reason: 'ok', changeTicket: privateKey }]) {
        const res = await t.http().post('/v1/clusters/reason-probe/configs').set(bearer(submitter)).send(body);
        expect(res.status).toBe(400);
        expect(res.body.code).toBe('BAD_REQUEST');
        expect(res.text).not.toContain(slice);
      }
      expect((await t.http().get('/v1/clusters/reason-probe/configs').set(bearer(reader))).body.items).toEqual([]);
      const audit = await t.http().get('/v1/audit?cluster=reason-probe').set(bearer(reader));
      expect(audit.text).not.toContain(slice);
      expect(t.logs.some((l) => l.includes(slice))).toBe(false);
    });
  });

  describe('errors', () => {
    it('401 responses carry WWW-Authenticate', async () => {
      for (const headers of [{}, { authorization: 'Bearer nope-nope-nope' }, { authorization: 'Basic abc' }]) {
        const res = keep('401', await t.http().post('/v1/validate').set(headers).send(config));
        expect(res.status).toBe(401);
        expect(res.headers['www-authenticate']).toMatch(/^Bearer\b/);
      }
      const invalid = await t.http().get('/v1/clusters').set(bearer('apc_unknown-token-value'));
      expect(invalid.headers['www-authenticate']).toMatch(/^Bearer\b.*error="invalid_token"/);
    });

    it('more error paths, none of them a 500', async () => {
      const h = bearer(ADMIN_TOKEN);
      const probes: [string, () => Promise<Response>][] = [
        ['unknown route', () => t.http().get('/v1/nope').set(h)],
        ['unknown method', () => t.http().put('/v1/clusters').set(h).send({})],
        ['unknown cluster', () => t.http().get('/v1/clusters/nope').set(h)],
        ['bad version', () => t.http().get('/v1/clusters/act/configs/0').set(h)],
        ['huge version', () => t.http().get('/v1/clusters/act/configs/99999999999999999999').set(h)],
        ['bad cursor', () => t.http().get('/v1/clusters?cursor=%7B%22name%22%3A1%7D').set(h)],
        ['bad limit', () => t.http().get('/v1/audit?limit=-1').set(h)],
        ['bad since', () => t.http().get('/v1/audit?since=yesterday').set(h)],
        ['bad render format', () => t.http().get('/v1/clusters/act/configs/1/render?format=exe').set(h)],
        ['not approved', () => t.http().get('/v1/clusters/act/configs/2/render').set(h)],
        ['bad api key id', () => t.http().delete('/v1/api-keys/not-a-uuid').set(h)],
        ['bad key roles', () => t.http().post('/v1/api-keys').set(h).send({ name: 'x', roles: ['root'] })],
        ['duplicate key', () => t.http().post('/v1/api-keys').set(h).send({ name: 'alice', roles: ['reader'] })],
        ['stale if-match', () => t.http().patch('/v1/clusters/act').set(h).set('if-match', '"r1"').send({ location: 'westeurope' })],
        ['garbage if-match', () => t.http().patch('/v1/clusters/act').set(h).set('if-match', 'garbage').send({ location: 'westeurope' })],
        ['bad patch body', () => t.http().patch('/v1/clusters/act').set(h).send({ requiredApprovals: 'two', nodePools: 'x' })],
        ['nested bad body', () => t.http().post('/v1/clusters').set(h).send({ name: 'n', resourceGroup: 'rg', nodePools: [{ name: 1 }], network: 'x' })],
        ['bad decision', () => t.http().post('/v1/clusters/act/configs/3/decisions').set(h).send({ decision: 'maybe' })],
        ['empty body', () => t.http().post('/v1/validate').set(h).set('content-type', 'application/json').send('')],
        ['deep JSON', () => t.http().post('/v1/validate').set(h).set('content-type', 'application/json').send('['.repeat(5000) + ']'.repeat(5000))],
        ['bad idempotency key', () => t.http().post('/v1/clusters/act/configs').set(h).set('idempotency-key', 'é').send({ config, reason: 'r' })],
        ['explain without urls', () => t.http().post('/v1/explain').set(h).send({ config })],
        ['explain version without url', () => t.http().get('/v1/clusters/act/configs/1/explain').set(h)],
        ['validate unknown cluster', () => t.http().post('/v1/validate?cluster=nope').set(h).send(config)],
      ];
      for (const [what, call] of probes) {
        const res = keep(what, await call());
        expect(res.status, `${what}: ${res.text.slice(0, 200)}`).toBeGreaterThanOrEqual(400);
        expect(res.status, `${what}: ${res.text.slice(0, 200)}`).toBeLessThan(500);
      }
    });

    it('a path Fastify itself refuses (bad percent-encoding, over-long parameter) is problem+json too, with the X-Request-Id echoed', async () => {
      const violations: string[] = [];
      for (const [what, path] of [
        ['bad percent-encoding', '/v1/clusters/%E0%A4%A'],
        ['over-long path parameter', `/v1/clusters/${'x'.repeat(300)}`],
        ['over-long version', `/v1/clusters/act/configs/${'9'.repeat(150)}`],
      ] as const) {
        const res = await t.http().get(path).set(bearer(reader)).set('x-request-id', 'framework-error-1');
        const label = `${what}: ${res.status} ${res.headers['content-type']} ${res.text.slice(0, 120)}`;
        if (res.status < 400 || res.status >= 500) violations.push(`status: ${label}`);
        if (!/^application\/problem\+json/.test(res.headers['content-type'] ?? '')) violations.push(`not problem+json: ${label}`);
        if (typeof res.body?.code !== 'string' || typeof res.body?.type !== 'string' || res.body?.status !== res.status) violations.push(`no problem document: ${label}`);
        if (res.headers['x-request-id'] !== 'framework-error-1') violations.push(`no X-Request-Id: ${label}`);
        if (res.headers['x-content-type-options'] !== 'nosniff' || !res.headers['content-security-policy']) violations.push(`no security headers: ${label}`);
      }
      expect(violations).toEqual([]);
    });

    it('every error this file saw is problem+json with a stable code and no stack trace', () => {
      expect(errors.length).toBeGreaterThan(60);
      const statuses = new Set(errors.map((e) => e.res.status));
      for (const s of [400, 401, 403, 404, 409, 412, 413, 415, 422, 429]) expect(statuses, `saw a ${s}`).toContain(s);
      const violations: string[] = [];
      for (const { what, res } of errors) {
        if (res.request?.method === 'HEAD') continue;
        const label = `${what} (${res.status}): ${res.text.slice(0, 160)}`;
        const body = res.body ?? {};
        if (!/^application\/problem\+json/.test(res.headers['content-type'] ?? '')) violations.push(`not problem+json (${res.headers['content-type']}): ${label}`);
        if (typeof body.type !== 'string' || typeof body.title !== 'string' || typeof body.detail !== 'string' || body.status !== res.status) {
          violations.push(`not an RFC 9457 document: ${label}`);
        }
        if (!/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/.test(String(body.code))) violations.push(`code not UPPER_SNAKE: ${label}`);
        if (/\bat [\w$.<>]+ \(|\n\s+at |at (async )?[\w$.]+ \(|\w+\.(ts|js|mjs|cjs):\d+/.test(res.text) || body.stack !== undefined) violations.push(`stack trace: ${label}`);
        if (/\/work\/|node_modules|\/src\/|\/dist\/|[A-Z]:\\\\/.test(res.text)) violations.push(`file path: ${label}`);
      }
      expect(violations).toEqual([]);
    });
  });
});
