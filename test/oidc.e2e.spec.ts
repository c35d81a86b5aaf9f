import { exportSPKI, SignJWT, UnsecuredJWT } from 'jose';
import type { Response } from 'supertest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AUDIENCE, signingKey, type SigningKey, TestIssuer } from './support/oidc-issuer';
import { ADMIN_TOKEN, bearer, DATABASE, startTestApp, type TestApp } from './support/test-app';

// API.md "Conventions / Identity" and "People and sign-in": OIDC access tokens from a real OpenID Provider
// (oidc-provider, client credentials grant with a resource indicator), and every forgery we could think of.

const ROLE_MAP = 'ProxyConfig.Read=reader,ProxyConfig.Submit=submitter,ProxyConfig.Approve=approver,ProxyConfig.Admin=admin';
const CLIENTS = {
  'reader-app': { preferred_username: 'Rita@Contoso.com', roles: ['ProxyConfig.Read'] },
  'submitter-app': { preferred_username: 'sam@contoso.com', roles: ['ProxyConfig.Submit', 'Unrelated.Role'] },
  'approver-app': { preferred_username: 'abby@contoso.com', roles: ['ProxyConfig.Approve'] },
  // no preferred_username: the person is the upn
  'admin-app': { upn: 'Ada@Contoso.com', roles: ['ProxyConfig.Admin'] },
  'norole-app': { preferred_username: 'nobody@contoso.com', roles: ['Other.App.Role'] },
  'string-roles-app': { preferred_username: 'mallory@contoso.com', roles: 'ProxyConfig.Admin' },
  // no user name claim at all: the person is the sub, here the client id, as identity providers spell subject ids
  'Auth0|Pipeline-7': { roles: ['ProxyConfig.Read'] },
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const oidcEnv = (issuer: string) => ({
  OIDC_ISSUER: issuer,
  OIDC_AUDIENCE: AUDIENCE,
  OIDC_ROLE_MAP: ROLE_MAP,
  // small, so that the test sees the key set age out and an unknown kid refetch it
  OIDC_JWKS_MAX_AGE_S: '2',
  OIDC_JWKS_COOLDOWN_S: '1',
});

function expectInvalidToken(res: Response, what: string) {
  expect(res.status, `${what}: ${res.status} ${res.text.slice(0, 300)}`).toBe(401);
  expect(res.body.code, what).toBe('UNAUTHENTICATED');
  expect(res.headers['www-authenticate'], what).toBe('Bearer error="invalid_token"');
  expect(res.headers['content-type'], what).toMatch(/^application\/problem\+json/);
}

describe(`OIDC bearer tokens (${DATABASE})`, () => {
  let t: TestApp;
  let issuer: TestIssuer;
  let key1: SigningKey;
  /** Every token this file used: none may appear in a log line or a response. */
  const seen: string[] = [];
  const responses: string[] = [];
  const call = async (token: string, path = '/v1/clusters') => {
    seen.push(token);
    const res = await t.http().get(path).set(bearer(token));
    responses.push(JSON.stringify(res.headers) + res.text);
    return res;
  };
  const token = async (client: keyof typeof CLIENTS, resource?: string) => {
    const tk = await issuer.token(client, resource);
    seen.push(tk);
    return tk;
  };
  /** A token signed with `key` (the provider's own key unless said otherwise), claims and header as given. */
  const forge = async (claims: Record<string, unknown>, options: { key?: SigningKey; header?: Record<string, unknown>; crit?: Record<string, boolean> } = {}) => {
    const key = options.key ?? key1;
    const now = Math.floor(Date.now() / 1000);
    const tk = await new SignJWT({ preferred_username: 'forger@contoso.com', roles: ['ProxyConfig.Admin'], ...claims })
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt', ...options.header })
      .setIssuer((claims.iss as string) ?? issuer.issuer)
      .setAudience((claims.aud as string) ?? AUDIENCE)
      .setIssuedAt(now)
      .setExpirationTime((claims.exp as number) ?? now + 300)
      .sign(key.privateKey, options.crit ? { crit: options.crit } : undefined);
    seen.push(tk);
    return tk;
  };

  beforeAll(async () => {
    key1 = await signingKey('key-1');
    issuer = await TestIssuer.create(CLIENTS, { keys: [key1] });
    t = await startTestApp({ env: oidcEnv(issuer.issuer) });
  });
  afterAll(async () => {
    await t?.close();
    await issuer?.stop();
  });

  it('a token from the provider works for its role, and the person is recorded with the roles the map gives', async () => {
    const reader = await token('reader-app');
    expect(reader.split('.')).toHaveLength(3);
    expect((await call(reader)).status).toBe(200);
    const denied = await t.http().post('/v1/clusters').set(bearer(reader)).send({ name: 'by-rita', resourceGroup: 'rg' });
    expect(denied.status).toBe(403);
    expect(denied.body.code).toBe('FORBIDDEN');

    const submitter = await token('submitter-app');
    const created = await t.http().post('/v1/clusters').set(bearer(submitter)).send({ name: 'oidc-prod', resourceGroup: 'rg' });
    expect(created.status).toBe(201);
    const config = { httpProxy: 'http://proxy.corp.example:3128/', noProxy: ['.corp.example'] };
    const v1 = await t.http().post('/v1/clusters/oidc-prod/configs').set(bearer(submitter)).send({ config, reason: 'signed in with Entra ID' });
    expect(v1.status).toBe(201);
    expect(v1.body).toMatchObject({ submittedBy: 'sam@contoso.com', submittedVia: null });
    // the submitter's own token cannot approve (no approver role), the approver's can
    expect((await t.http().post('/v1/clusters/oidc-prod/configs/1/decisions').set(bearer(submitter)).send({ decision: 'approve' })).status).toBe(403);
    const approver = await token('approver-app');
    const decided = await t.http().post('/v1/clusters/oidc-prod/configs/1/decisions').set(bearer(approver)).send({ decision: 'approve', comment: 'ok' });
    expect(decided.status).toBe(201);
    expect(decided.body.status).toBe('approved');
    expect(decided.body.decisions).toEqual([expect.objectContaining({ actor: 'abby@contoso.com', via: null })]);

    const admin = await token('admin-app');
    const people = await t.http().get('/v1/people').set(bearer(admin));
    expect(people.status).toBe(200);
    const byName = Object.fromEntries(people.body.items.map((p: { name: string }) => [p.name, p]));
    expect(byName['rita@contoso.com']).toMatchObject({ roles: ['reader'], source: 'oidc', lastSeenAt: expect.any(String) });
    expect(byName['sam@contoso.com']).toMatchObject({ roles: ['submitter'], source: 'oidc' });
    expect(byName['abby@contoso.com']).toMatchObject({ roles: ['approver'], source: 'oidc' });
    expect(byName['ada@contoso.com']).toMatchObject({ roles: ['admin'], source: 'oidc' });

    // the audit names the people; a sign-in is audited once (roles unchanged afterwards)
    const audit = await t.http().get('/v1/audit?limit=200').set(bearer(reader)).expect(200);
    const events = audit.body.items as { actor: string; via: string | null; action: string; details: { name?: string } }[];
    expect(events.find((e) => e.action === 'cluster.created' && e.actor === 'sam@contoso.com')).toBeDefined();
    expect(events.find((e) => e.action === 'config.approved')).toMatchObject({ actor: 'abby@contoso.com', via: null });
    const signIns = events.filter((e) => e.action === 'person.updated' && e.details.name === 'sam@contoso.com');
    expect(signIns).toHaveLength(1);
  });

  it('a person named only by a subject id such as auth0|... (no user name claim) signs in as that id, lower-cased', async () => {
    const tk = await token('Auth0|Pipeline-7');
    const claims = JSON.parse(Buffer.from(tk.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    expect(claims).toMatchObject({ sub: 'Auth0|Pipeline-7' });
    expect(claims).not.toHaveProperty('preferred_username');
    const res = await call(tk);
    expect(res.status, res.text).toBe(200);
    const admin = await token('admin-app');
    const person = await t.http().get(`/v1/people/${encodeURIComponent('auth0|pipeline-7')}`).set(bearer(admin));
    expect(person.status, person.text).toBe(200);
    expect(person.body).toMatchObject({ name: 'auth0|pipeline-7', roles: ['reader'], source: 'oidc' });
  });

  it('a valid token without a role of the service is 403 FORBIDDEN; a roles claim that is a string is 401', async () => {
    const none = await call(await token('norole-app'));
    expect(none.status).toBe(403);
    expect(none.body.code).toBe('FORBIDDEN');
    expectInvalidToken(await call(await token('string-roles-app')), 'roles as a string');
    expectInvalidToken(await call(await forge({ roles: [1, 2] })), 'roles as numbers');
    expectInvalidToken(await call(await forge({ roles: { admin: true } })), 'roles as an object');
  });

  it('a token for another audience is refused (a real token of the provider, for another resource)', async () => {
    expectInvalidToken(await call(await token('admin-app', 'https://other-api.example')), 'wrong aud');
    expectInvalidToken(await call(await forge({ aud: 'api://someone-else' })), 'forged wrong aud');
  });

  it('a token from another issuer, signed with the right key, is refused', async () => {
    expectInvalidToken(await call(await forge({ iss: 'https://login.microsoftonline.com/another-tenant/v2.0' })), 'wrong iss');
    expectInvalidToken(await call(await forge({ iss: `${issuer.issuer}/` })), 'iss with a trailing slash');
  });

  it('exp and nbf are checked with 60 s of leeway', async () => {
    const now = Math.floor(Date.now() / 1000);
    expectInvalidToken(await call(await forge({ exp: now - 120 })), 'expired');
    expect((await call(await forge({ exp: now - 20 }))).status).toBe(200);
    expectInvalidToken(await call(await forge({ nbf: now + 120 })), 'not yet valid');
    expect((await call(await forge({ nbf: now + 20 }))).status).toBe(200);
    // a token without exp is refused
    const noExp = await new SignJWT({ preferred_username: 'forger@contoso.com', roles: ['ProxyConfig.Admin'] })
      .setProtectedHeader({ alg: 'RS256', kid: key1.kid })
      .setIssuer(issuer.issuer)
      .setAudience(AUDIENCE)
      .sign(key1.privateKey);
    expectInvalidToken(await call(noExp), 'no exp');
  });

  it('a token signed by another key is refused, with the provider kid or its own', async () => {
    const other = await signingKey(key1.kid);
    expectInvalidToken(await call(await forge({}, { key: other })), 'other key, same kid');
    const otherKid = await signingKey('attacker-key');
    expectInvalidToken(await call(await forge({}, { key: otherKid })), 'other key, own kid');
    const ec = await signingKey('attacker-ec', 'ES256');
    expectInvalidToken(await call(await forge({}, { key: ec })), 'other EC key');
  });

  it('alg none and an HS256 token keyed with the public key (the confusion attack) are refused', async () => {
    const now = Math.floor(Date.now() / 1000);
    const claims = { preferred_username: 'forger@contoso.com', roles: ['ProxyConfig.Admin'] };
    const none = new UnsecuredJWT(claims).setIssuer(issuer.issuer).setAudience(AUDIENCE).setIssuedAt(now).setExpirationTime(now + 300).encode();
    seen.push(none);
    expectInvalidToken(await call(none), 'alg none');
    // the same with a kid, and with "None"
    const [, body] = none.split('.');
    for (const header of [{ alg: 'none', kid: key1.kid }, { alg: 'None', kid: key1.kid }, { alg: 'NONE' }]) {
      const forged = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${body}.`;
      seen.push(forged);
      expectInvalidToken(await call(forged), `alg ${header.alg}`);
    }

    const pem = await exportSPKI((await import('node:crypto')).createPublicKey({ key: key1.publicJwk as never, format: 'jwk' }) as never);
    for (const [what, secret] of [
      ['PEM', pem],
      ['JWK JSON', JSON.stringify(key1.publicJwk)],
      ['modulus', String(key1.publicJwk.n)],
    ] as const) {
      for (const alg of ['HS256', 'HS384', 'HS512']) {
        const hs = await new SignJWT(claims)
          .setProtectedHeader({ alg, kid: key1.kid })
          .setIssuer(issuer.issuer)
          .setAudience(AUDIENCE)
          .setIssuedAt(now)
          .setExpirationTime(now + 300)
          .sign(new TextEncoder().encode(secret));
        seen.push(hs);
        expectInvalidToken(await call(hs), `${alg} keyed with the public key as ${what}`);
      }
    }
    // a token the service accepts, made the same way but signed properly: the checks above refused the forgery only
    expect((await call(await forge({}))).status).toBe(200);
  });

  it('bad input is a 401 with a code, never a 500: not a JWT, garbage JWTs, a huge header, a 10 KB kid', async () => {
    const huge = Buffer.from(JSON.stringify({ alg: 'RS256', kid: key1.kid, x: 'A'.repeat(11_000) })).toString('base64url');
    const valid = await forge({});
    const [, payload, signature] = valid.split('.');
    const cases: [string, string][] = [
      ['not a JWT nor a key', 'hello-this-is-no-token'],
      ['two dots of nothing', 'a.b.c'],
      ['header not JSON', `${Buffer.from('not json').toString('base64url')}.${payload}.${signature}`],
      ['header a JSON array', `${Buffer.from('[1]').toString('base64url')}.${payload}.${signature}`],
      ['payload not JSON', `${valid.split('.')[0]}.${Buffer.from('{{{').toString('base64url')}.${signature}`],
      ['huge header', `${huge}.${payload}.${signature}`],
      ['kid of 10 KB', await forge({}, { header: { kid: 'k'.repeat(10_240) } })],
      ['kid a number', await forge({}, { header: { kid: 12345 } })],
      ['crit header', await forge({}, { header: { crit: ['exp'], exp: 1 }, crit: { exp: true } })],
      ['JWE-shaped', 'eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ.a.b.c.d'],
      ['five parts', `${valid}.x.y`],
    ];
    for (const [what, tk] of cases) {
      seen.push(tk);
      expectInvalidToken(await call(tk), what);
    }
    const health = await t.http().get('/healthz');
    expect(health.status).toBe(200);
  });

  it('key rotation at the provider: a new kid works without a restart; the old key is refused once removed and the cache aged out', async () => {
    const oldToken = await token('reader-app');
    expect((await call(oldToken)).status).toBe(200);
    const key2 = await signingKey('key-2');
    await issuer.start([key2, key1]); // the provider now signs with key-2 and still publishes key-1
    const newToken = await token('reader-app');
    expect(JSON.parse(Buffer.from(newToken.split('.')[0], 'base64url').toString()).kid).toBe('key-2');
    await sleep(1100); // past the cooldown of the last fetch: an unknown kid fetches the keys at once
    expect((await call(newToken)).status).toBe(200);
    expect((await call(oldToken)).status).toBe(200);

    await issuer.start([key2]); // key-1 withdrawn
    await sleep(2200); // the cached key set ages out (OIDC_JWKS_MAX_AGE_S=2)
    expectInvalidToken(await call(oldToken), 'token of a removed key');
    expect((await call(newToken)).status).toBe(200);
    key1 = key2; // forged tokens from here on use the key the provider publishes
  });

  it('the provider going down: tokens are refused (401), API keys keep working, /readyz stays ready; back up, tokens work again', async () => {
    const tk = await token('reader-app');
    await issuer.stop();
    await sleep(2200); // the cached keys age out; the refetch fails
    expectInvalidToken(await call(tk), 'provider down');
    await t.http().get('/v1/clusters').set(bearer(ADMIN_TOKEN)).expect(200);
    await t.http().get('/readyz').expect(200);
    const metrics = await t.http().get('/metrics').expect(200);
    expect(metrics.text).toMatch(/^aksproxy_oidc_issuer_up 0$/m);
    expect(metrics.text).toMatch(/^aksproxy_oidc_key_fetches_total\{what="jwks",outcome="error"\} [1-9]/m);
    expect(t.logs.join('')).toContain('OIDC issuer not reachable');
    await issuer.start();
    expect((await call(tk)).status).toBe(200);
    expect((await t.http().get('/metrics')).text).toMatch(/^aksproxy_oidc_issuer_up 1$/m);
  });

  it('a token cannot act for someone (X-Acting-For is for keys with canActFor)', async () => {
    const admin = await token('admin-app');
    const res = await t.http().get('/v1/clusters').set(bearer(admin)).set('x-acting-for', 'rita@contoso.com');
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('FORBIDDEN');
  });

  it('no token appears in a log line or a response, not even its signature', async () => {
    const logs = t.logs.join('');
    const all = responses.join('\n');
    expect(seen.length).toBeGreaterThan(30);
    for (const tk of seen) {
      const parts = tk.split('.');
      for (const fragment of [tk, parts[2]].filter((f) => f && f.length >= 16)) {
        expect(logs).not.toContain(fragment);
        expect(all).not.toContain(fragment);
      }
    }
    expect(logs).toContain('bearer token refused');
  });
});

describe(`OIDC issuer down at start-up (${DATABASE})`, () => {
  let t: TestApp;
  let issuer: TestIssuer;

  beforeAll(async () => {
    issuer = await TestIssuer.create({ 'reader-app': CLIENTS['reader-app'] }, { start: false });
    t = await startTestApp({ env: oidcEnv(issuer.issuer) });
  });
  afterAll(async () => {
    await t?.close();
    await issuer?.stop();
  });

  it('the service starts and is ready; tokens are 401 and API keys work until the provider is back, then tokens work without a restart', async () => {
    await t.http().get('/readyz').expect(200);
    await t.http().get('/healthz').expect(200);
    const now = Math.floor(Date.now() / 1000);
    const [key] = issuer.keys;
    const tk = await new SignJWT({ preferred_username: 'rita@contoso.com', roles: ['ProxyConfig.Read'] })
      .setProtectedHeader({ alg: 'RS256', kid: key.kid })
      .setIssuer(issuer.issuer)
      .setAudience(AUDIENCE)
      .setIssuedAt(now)
      .setExpirationTime(now + 600)
      .sign(key.privateKey);
    expectInvalidToken(await t.http().get('/v1/clusters').set(bearer(tk)), 'provider not up yet');
    await sleep(1100);
    expectInvalidToken(await t.http().get('/v1/clusters').set(bearer(tk)), 'provider still not up');
    await t.http().get('/v1/clusters').set(bearer(ADMIN_TOKEN)).expect(200);
    const metrics = await t.http().get('/metrics').expect(200);
    expect(metrics.text).toMatch(/^aksproxy_oidc_issuer_up 0$/m);
    expect(metrics.text).toMatch(/^aksproxy_oidc_key_fetches_total\{what="discovery",outcome="error"\} [1-9]/m);
    expect(t.logs.join('')).toContain('OIDC issuer not reachable');

    await issuer.start();
    await sleep(1100); // the cooldown since the last failed discovery
    const back = await t.http().get('/v1/clusters').set(bearer(tk));
    expect(back.status, back.text).toBe(200);
    // a real token of the provider too
    const real = await issuer.token('reader-app');
    expect((await t.http().get('/v1/clusters').set(bearer(real))).status).toBe(200);
    expect(t.logs.join('')).not.toContain(tk.split('.')[2]);
  });
});

describe(`verified tokens are remembered, within their exp and the key set (${DATABASE})`, () => {
  // The service verifies a token once and remembers what it carries (by a hash of it), but never past the token's
  // exp, and never beyond the key set it was verified with: a fetch of the keys (here: a token naming a new kid, with
  // no cooldown) forgets what was verified before, so a withdrawn key stops working at once.
  let t: TestApp;
  let issuer: TestIssuer;
  let key1: SigningKey;
  const sign = async (key: SigningKey, exp: number) =>
    new SignJWT({ preferred_username: 'rita@contoso.com', roles: ['ProxyConfig.Read'] })
      .setProtectedHeader({ alg: 'RS256', kid: key.kid })
      .setIssuer(issuer.issuer)
      .setAudience(AUDIENCE)
      .setIssuedAt(Math.floor(Date.now() / 1000))
      .setExpirationTime(exp)
      .sign(key.privateKey);

  beforeAll(async () => {
    key1 = await signingKey('key-1');
    issuer = await TestIssuer.create({ 'reader-app': CLIENTS['reader-app'] }, { keys: [key1] });
    t = await startTestApp({ env: { ...oidcEnv(issuer.issuer), OIDC_JWKS_MAX_AGE_S: '600', OIDC_JWKS_COOLDOWN_S: '0' } });
  });
  afterAll(async () => {
    vi.useRealTimers();
    await t?.close();
    await issuer?.stop();
  });

  it('a token accepted (and remembered) moments ago is refused once past its exp and the leeway', async () => {
    const now = Date.now();
    const tk = await sign(key1, Math.floor(now / 1000) + 30);
    await t.http().get('/v1/clusters').set(bearer(tk)).expect(200);
    await t.http().get('/v1/clusters').set(bearer(tk)).expect(200);
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(now + 20_000); // before exp: still fine
      await t.http().get('/v1/clusters').set(bearer(tk)).expect(200);
      vi.setSystemTime(now + 95_000); // exp + 60 s of leeway are behind; the keys (600 s) are still fresh
      const res = await t.http().get('/v1/clusters').set(bearer(tk));
      expectInvalidToken(res, 'expired after it was remembered');
      expect(res.body.detail).toBe('The token has expired.');
    } finally {
      vi.useRealTimers();
    }
  });

  it('a key withdrawn at the provider stops its remembered tokens as soon as the service fetches the keys again', async () => {
    const exp = Math.floor(Date.now() / 1000) + 600;
    const old = await sign(key1, exp);
    await t.http().get('/v1/clusters').set(bearer(old)).expect(200);
    await t.http().get('/v1/clusters').set(bearer(old)).expect(200);
    const key2 = await signingKey('key-2');
    await issuer.start([key2]); // key-1 withdrawn
    // still within the max age of the keys fetched before: as without remembering, the old key is trusted until a fetch
    await t.http().get('/v1/clusters').set(bearer(old)).expect(200);
    // a token naming the new kid makes the service fetch the keys (no cooldown here)
    await t.http().get('/v1/clusters').set(bearer(await sign(key2, exp))).expect(200);
    expectInvalidToken(await t.http().get('/v1/clusters').set(bearer(old)), 'token of a withdrawn key');
  });
});

describe(`rate limits with OIDC tokens (${DATABASE})`, () => {
  let t: TestApp;
  let issuer: TestIssuer;

  beforeAll(async () => {
    issuer = await TestIssuer.create({ 'reader-app': CLIENTS['reader-app'], 'approver-app': CLIENTS['approver-app'] });
    t = await startTestApp({ env: { ...oidcEnv(issuer.issuer), RATE_LIMIT_PER_MINUTE: '3' } });
  });
  afterAll(async () => {
    await t?.close();
    await issuer?.stop();
  });

  it('a valid token counts per person (users of one portal do not share a limit); forged tokens count per address', async () => {
    const rita = await issuer.token('reader-app');
    const ritaAgain = await issuer.token('reader-app'); // another token of the same person: the same budget
    for (const tk of [rita, rita, ritaAgain]) expect((await t.http().get('/v1/clusters').set(bearer(tk))).status).toBe(200);
    const over = await t.http().get('/v1/clusters').set(bearer(rita));
    expect(over.status).toBe(429);
    expect(over.body.code).toBe('RATE_LIMITED');
    const abby = await issuer.token('approver-app');
    expect((await t.http().get('/v1/clusters').set(bearer(abby))).status).toBe(200);
    // made-up JWTs all count against the client address: after 3, even new ones are 429
    const [key] = issuer.keys;
    const codes: number[] = [];
    for (let i = 0; i < 5; i++) {
      const forged = await new SignJWT({ preferred_username: `mallory${i}`, roles: ['ProxyConfig.Admin'] })
        .setProtectedHeader({ alg: 'RS256', kid: key.kid })
        .setIssuer('https://evil.example')
        .setAudience(AUDIENCE)
        .setExpirationTime('5m')
        .sign(key.privateKey);
      codes.push((await t.http().get('/v1/clusters').set(bearer(forged))).status);
    }
    expect(codes).toEqual([401, 401, 401, 429, 429]);
  });
});
