import { createHash } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiClient, createApiClient, type paths } from '../src/client';
import { testCertificates } from './support/certificates';
import { AUDIENCE, TestIssuer } from './support/oidc-issuer';
import { type Receiver, startReceiver } from './support/receiver';
import { ADMIN_TOKEN, bearer, DATABASE, startTestApp, type TestApp } from './support/test-app';

// ../shared/API.md "Conventions" (Auth) and "API keys": every /v1 route × every kind of caller.
// reader: all GETs (and POST /v1/validate, /v1/explain); submitter: clusters, submissions, withdraw;
// approver: decisions; admin: everything, API keys. submitter and approver also read. Missing, malformed,
// unknown or revoked token: 401 UNAUTHENTICATED; role lacking: 403 FORBIDDEN.
// Every role is tried with an API key and with an OIDC access token of a real OpenID Provider (tok*): a token
// without a role of the service is 403 everywhere, an expired one 401.

type Caller =
  | 'none'
  | 'malformed'
  | 'unknown'
  | 'revoked'
  | 'tokExpired'
  | 'reader'
  | 'submitter'
  | 'approver'
  | 'admin'
  | 'adminKey'
  | 'tokReader'
  | 'tokSubmitter'
  | 'tokApprover'
  | 'tokAdmin'
  | 'tokNoRole';
type Need = 'reader' | 'submitter' | 'approver' | 'admin';
type TokenCaller = 'tokReader' | 'tokSubmitter' | 'tokApprover' | 'tokAdmin' | 'tokNoRole';

const CALLERS: Caller[] = [
  'none',
  'malformed',
  'unknown',
  'revoked',
  'tokExpired',
  'reader',
  'submitter',
  'approver',
  'admin',
  'adminKey',
  'tokReader',
  'tokSubmitter',
  'tokApprover',
  'tokAdmin',
  'tokNoRole',
];
const UNAUTHENTICATED: Caller[] = ['none', 'malformed', 'unknown', 'revoked', 'tokExpired'];
const ALLOWED: Record<Need, Caller[]> = {
  reader: ['reader', 'submitter', 'approver', 'admin', 'adminKey', 'tokReader', 'tokSubmitter', 'tokApprover', 'tokAdmin'],
  submitter: ['submitter', 'admin', 'adminKey', 'tokSubmitter', 'tokAdmin'],
  approver: ['approver', 'admin', 'adminKey', 'tokApprover', 'tokAdmin'],
  admin: ['admin', 'adminKey', 'tokAdmin'],
};
/** The OIDC clients of the provider and what their tokens say (Entra ID-like app role values, mapped). */
const TOKEN_CLIENTS: Record<TokenCaller, Record<string, unknown>> = {
  tokReader: { preferred_username: 'tok-rita', roles: ['Proxy.Read'] },
  tokSubmitter: { preferred_username: 'tok-sam', roles: ['Proxy.Submit'] },
  tokApprover: { preferred_username: 'tok-abby', roles: ['Proxy.Approve'] },
  tokAdmin: { preferred_username: 'tok-ada', roles: ['Proxy.Admin'] },
  tokNoRole: { preferred_username: 'tok-nobody', roles: ['Something.Else'] },
};

/** Key names: they are the actors the audit records. */
const NAMES = { reader: 'rita', submitter: 'sam', approver: 'abby', adminKey: 'root-key', revoked: 'gone-admin', victim: 'victim' } as const;

/** What a call through the typed client answered: the status, the parsed body (data or problem) and the headers. */
interface Answer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  headers: Headers;
}

/** A typed client's result as an Answer. */
async function answered(call: Promise<{ data?: unknown; error?: unknown; response: globalThis.Response }>): Promise<Answer> {
  const { data, error, response } = await call;
  return { status: response.status, body: data ?? error, headers: response.headers };
}

/** A typed client's result, which must have the status `status`; its body. */
async function expectStatus<T>(call: Promise<{ data?: T; error?: unknown; response: globalThis.Response }>, status: number): Promise<T> {
  const { data, error, response } = await call;
  expect(response.status, JSON.stringify(error ?? data)).toBe(status);
  return data as T;
}

interface Route {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** The route as API.md and /openapi.json write it (and the typed client types it). */
  path: keyof paths;
  need: Need;
  /** The status an allowed caller gets (fixtures are set up so that the call really succeeds). */
  ok: number;
  /**
   * Makes the call through the typed client generated from /openapi.json (`api`: as `who`, with its Authorization
   * header); allowed callers get their own fixtures where the call changes state.
   */
  call: (who: Caller, api: ApiClient) => Promise<Answer>;
}

describe(`role matrix (${DATABASE})`, () => {
  let t: TestApp;
  let issuer: TestIssuer;
  const certs = testCertificates();
  const tokens: Partial<Record<Caller | 'victim', string>> = {};
  let victimId = '';
  // webhooks: a fixture subscription (to a receiver on loopback) and one of its deliveries
  let receiver: Receiver;
  let hookId = '';
  let deliveryId = '';

  const config1 = {
    httpProxy: 'http://proxy.corp.example:3128/',
    httpsProxy: 'http://proxy.corp.example:3128/',
    noProxy: ['.corp.example', 'svc.cluster.local'],
    trustedCa: certs.caBase64,
  };
  const config2 = { ...config1, noProxy: ['.corp.example'] };
  const config3 = { httpProxy: 'http://proxy3.corp.example:8080/' };

  const as = (token: string) => bearer(token);
  let baseUrl = '';
  /** The typed client, calling with `headers` (an Authorization header, or none). */
  const client = (headers: Record<string, string>) => createApiClient(baseUrl, null, { headers });
  /** The typed client, calling with a Bearer token. */
  const asToken = (token: string) => createApiClient(baseUrl, token);
  const sub = () => asToken(tokens.submitter!);
  const admin = () => asToken(ADMIN_TOKEN);

  /** A cluster owned by the submitter key, with a pending version 1 submitted by it. */
  async function clusterWithPending(name: string): Promise<void> {
    await expectStatus(sub().POST('/v1/clusters', { body: { name, resourceGroup: 'rg-matrix' } }), 201);
    await expectStatus(sub().POST('/v1/clusters/{name}/configs', { params: { path: { name } }, body: { config: config1, reason: 'matrix fixture' } }), 201);
  }

  function authFor(who: Caller): Record<string, string> {
    switch (who) {
      case 'none':
        return {};
      case 'malformed':
        // A valid admin token, but not as a Bearer token.
        return { authorization: `Basic ${Buffer.from(`admin:${ADMIN_TOKEN}`).toString('base64')}` };
      case 'unknown':
        return as('apc_' + 'x'.repeat(43));
      case 'admin':
        return as(ADMIN_TOKEN);
      default:
        return as(tokens[who]!);
    }
  }

  const allowed = (route: Route, who: Caller) => ALLOWED[route.need].includes(who);

  const ROUTES: Route[] = [
    {
      method: 'POST',
      path: '/v1/validate',
      need: 'reader',
      ok: 200,
      call: (_who, api) => answered(api.POST('/v1/validate', { params: { query: { cluster: 'fx' } }, body: config1 })),
    },
    {
      method: 'POST',
      path: '/v1/explain',
      need: 'reader',
      ok: 200,
      call: (_who, api) => answered(api.POST('/v1/explain', { body: { config: config1, urls: ['https://mcr.microsoft.com/v2/'], cluster: 'fx' } })),
    },
    {
      method: 'POST',
      path: '/v1/clusters',
      need: 'submitter',
      ok: 201,
      call: (who, api) => answered(api.POST('/v1/clusters', { body: { name: `new-${who}`, resourceGroup: 'rg-new' } })),
    },
    { method: 'GET', path: '/v1/clusters', need: 'reader', ok: 200, call: (_who, api) => answered(api.GET('/v1/clusters')) },
    {
      method: 'GET',
      path: '/v1/clusters/{name}',
      need: 'reader',
      ok: 200,
      call: (_who, api) => answered(api.GET('/v1/clusters/{name}', { params: { path: { name: 'fx' } } })),
    },
    {
      method: 'PATCH',
      path: '/v1/clusters/{name}',
      need: 'submitter',
      ok: 200,
      call: (_who, api) => answered(api.PATCH('/v1/clusters/{name}', { params: { path: { name: 'fx' } }, body: { location: 'westeurope' } })),
    },
    {
      method: 'POST',
      path: '/v1/clusters/{name}/configs',
      need: 'submitter',
      ok: 201,
      call: async (who, api) => {
        let cluster = 'fx';
        if (allowed(ROUTES[6]!, who)) {
          cluster = `sub-${who}`;
          await expectStatus(sub().POST('/v1/clusters', { body: { name: cluster, resourceGroup: 'rg-sub' } }), 201);
        }
        return answered(api.POST('/v1/clusters/{name}/configs', { params: { path: { name: cluster } }, body: { config: config3, reason: `submitted by ${who}` } }));
      },
    },
    {
      method: 'GET',
      path: '/v1/clusters/{name}/configs',
      need: 'reader',
      ok: 200,
      call: (_who, api) => answered(api.GET('/v1/clusters/{name}/configs', { params: { path: { name: 'fx' } } })),
    },
    {
      method: 'GET',
      path: '/v1/clusters/{name}/configs/{v}',
      need: 'reader',
      ok: 200,
      call: (_who, api) => answered(api.GET('/v1/clusters/{name}/configs/{v}', { params: { path: { name: 'fx', v: '1' } } })),
    },
    {
      method: 'POST',
      path: '/v1/clusters/{name}/configs/{v}/decisions',
      need: 'approver',
      ok: 201,
      call: async (who, api) => {
        let cluster = 'fx';
        let v = 2;
        if (allowed(ROUTES[9]!, who)) {
          // a version the submitter key submitted: the decision is by someone else, so it really succeeds
          cluster = `dec-${who}`;
          v = 1;
          await clusterWithPending(cluster);
        }
        return answered(
          api.POST('/v1/clusters/{name}/configs/{v}/decisions', { params: { path: { name: cluster, v: String(v) } }, body: { decision: 'approve', comment: `by ${who}` } }),
        );
      },
    },
    {
      method: 'POST',
      path: '/v1/clusters/{name}/configs/{v}/withdraw',
      need: 'submitter',
      ok: 200,
      call: async (who, api) => {
        let cluster = 'fx';
        let v = 2;
        if (allowed(ROUTES[10]!, who)) {
          // submitted by the submitter key: the submitter withdraws its own, the admins anyone's
          cluster = `wd-${who}`;
          v = 1;
          await clusterWithPending(cluster);
          if (who === 'tokSubmitter') {
            // the token's person withdraws what it submitted itself
            await expectStatus(api.POST('/v1/clusters/{name}/configs', { params: { path: { name: cluster } }, body: { config: config2, reason: 'own' } }), 201);
            v = 2;
          }
        }
        return answered(api.POST('/v1/clusters/{name}/configs/{v}/withdraw', { params: { path: { name: cluster, v: String(v) } } }));
      },
    },
    {
      method: 'GET',
      path: '/v1/clusters/{name}/configs/{v}/diff',
      need: 'reader',
      ok: 200,
      call: (_who, api) => answered(api.GET('/v1/clusters/{name}/configs/{v}/diff', { params: { path: { name: 'fx', v: '2' } } })),
    },
    {
      method: 'GET',
      path: '/v1/clusters/{name}/configs/{v}/render',
      need: 'reader',
      ok: 200,
      // the cli rendering is a shell script (text/plain), not JSON
      call: (_who, api) => answered(api.GET('/v1/clusters/{name}/configs/{v}/render', { params: { path: { name: 'fx', v: '1' }, query: { format: 'cli' } }, parseAs: 'text' })),
    },
    {
      method: 'GET',
      path: '/v1/clusters/{name}/configs/{v}/explain',
      need: 'reader',
      ok: 200,
      call: (_who, api) =>
        answered(api.GET('/v1/clusters/{name}/configs/{v}/explain', { params: { path: { name: 'fx', v: 'current' }, query: { url: ['https://mcr.microsoft.com/v2/'] } } })),
    },
    { method: 'GET', path: '/v1/audit', need: 'reader', ok: 200, call: (_who, api) => answered(api.GET('/v1/audit', { params: { query: { limit: 5 } } })) },
    { method: 'GET', path: '/v1/audit/verify', need: 'reader', ok: 200, call: (_who, api) => answered(api.GET('/v1/audit/verify')) },
    {
      method: 'POST',
      path: '/v1/api-keys',
      need: 'admin',
      ok: 201,
      call: (who, api) => answered(api.POST('/v1/api-keys', { body: { name: `k-${who}`, roles: ['reader'] } })),
    },
    { method: 'GET', path: '/v1/api-keys', need: 'admin', ok: 200, call: (_who, api) => answered(api.GET('/v1/api-keys')) },
    {
      method: 'DELETE',
      path: '/v1/api-keys/{id}',
      need: 'admin',
      ok: 200,
      call: async (who, api) => {
        let id = victimId; // a live key: callers that may not revoke must leave it working
        if (allowed(ROUTES[18]!, who)) {
          id = (await expectStatus(admin().POST('/v1/api-keys', { body: { name: `tmp-${who}`, roles: ['reader'] } }), 201)).id;
        }
        return answered(api.DELETE('/v1/api-keys/{id}', { params: { path: { id } } }));
      },
    },
    { method: 'GET', path: '/v1/configs', need: 'reader', ok: 200, call: (_who, api) => answered(api.GET('/v1/configs', { params: { query: { status: 'pending' } } })) },
    {
      method: 'POST',
      path: '/v1/webhooks',
      need: 'admin',
      ok: 201,
      call: (who, api) => answered(api.POST('/v1/webhooks', { body: { url: receiver.url, events: ['config.approved'], description: `by ${who}` } })),
    },
    { method: 'GET', path: '/v1/webhooks', need: 'admin', ok: 200, call: (_who, api) => answered(api.GET('/v1/webhooks')) },
    {
      method: 'GET',
      path: '/v1/webhooks/{id}',
      need: 'admin',
      ok: 200,
      call: (_who, api) => answered(api.GET('/v1/webhooks/{id}', { params: { path: { id: hookId } } })),
    },
    {
      method: 'PATCH',
      path: '/v1/webhooks/{id}',
      need: 'admin',
      ok: 200,
      call: (who, api) => answered(api.PATCH('/v1/webhooks/{id}', { params: { path: { id: hookId } }, body: { description: `changed by ${who}` } })),
    },
    {
      method: 'DELETE',
      path: '/v1/webhooks/{id}',
      need: 'admin',
      ok: 204,
      call: async (who, api) => {
        let id = hookId; // the fixture: callers that may not delete must leave it in place
        if (ALLOWED.admin.includes(who)) {
          id = (await expectStatus(admin().POST('/v1/webhooks', { body: { url: receiver.url, events: ['config.approved'] } }), 201)).id;
        }
        return answered(api.DELETE('/v1/webhooks/{id}', { params: { path: { id } } }));
      },
    },
    {
      method: 'POST',
      path: '/v1/webhooks/{id}/rotate-secret',
      need: 'admin',
      ok: 200,
      call: (_who, api) => answered(api.POST('/v1/webhooks/{id}/rotate-secret', { params: { path: { id: hookId } } })),
    },
    {
      method: 'POST',
      path: '/v1/webhooks/{id}/ping',
      need: 'admin',
      ok: 202,
      call: (_who, api) => answered(api.POST('/v1/webhooks/{id}/ping', { params: { path: { id: hookId } } })),
    },
    {
      method: 'GET',
      path: '/v1/webhooks/{id}/deliveries',
      need: 'admin',
      ok: 200,
      call: (_who, api) => answered(api.GET('/v1/webhooks/{id}/deliveries', { params: { path: { id: hookId } } })),
    },
    {
      method: 'GET',
      path: '/v1/webhooks/{id}/deliveries/{deliveryId}',
      need: 'admin',
      ok: 200,
      call: (_who, api) => answered(api.GET('/v1/webhooks/{id}/deliveries/{deliveryId}', { params: { path: { id: hookId, deliveryId } } })),
    },
    {
      method: 'POST',
      path: '/v1/webhooks/{id}/deliveries/{deliveryId}/redeliver',
      need: 'admin',
      ok: 202,
      call: (_who, api) => answered(api.POST('/v1/webhooks/{id}/deliveries/{deliveryId}/redeliver', { params: { path: { id: hookId, deliveryId } } })),
    },
    {
      method: 'POST',
      path: '/v1/clusters/{name}/observations',
      need: 'submitter',
      ok: 201,
      call: (_who, api) =>
        answered(
          api.POST('/v1/clusters/{name}/observations', {
            params: { path: { name: 'fx' } },
            body: { name: 'fx', provisioningState: 'Succeeded', httpProxyConfig: { ...config1, noProxy: [...config1.noProxy, 'localhost'] } },
          }),
        ),
    },
    {
      method: 'GET',
      path: '/v1/clusters/{name}/observations',
      need: 'reader',
      ok: 200,
      call: (_who, api) => answered(api.GET('/v1/clusters/{name}/observations', { params: { path: { name: 'fx' } } })),
    },
    {
      method: 'GET',
      path: '/v1/reports/trusted-ca',
      need: 'reader',
      ok: 200,
      call: (_who, api) => answered(api.GET('/v1/reports/trusted-ca', { params: { query: { expiringWithin: 400 } } })),
    },
    {
      method: 'GET',
      path: '/v1/api-keys/{id}',
      need: 'admin',
      ok: 200,
      call: (_who, api) => answered(api.GET('/v1/api-keys/{id}', { params: { path: { id: victimId } } })),
    },
    { method: 'GET', path: '/v1/people', need: 'admin', ok: 200, call: (_who, api) => answered(api.GET('/v1/people')) },
    {
      method: 'GET',
      path: '/v1/people/{name}',
      need: 'admin',
      ok: 200,
      call: (_who, api) => answered(api.GET('/v1/people/{name}', { params: { path: { name: 'fx-person' } } })),
    },
    {
      method: 'PUT',
      path: '/v1/people/{name}',
      need: 'admin',
      ok: 201,
      call: (who, api) => answered(api.PUT('/v1/people/{name}', { params: { path: { name: `p-${who}` } }, body: { roles: ['approver'] } })),
    },
  ];

  beforeAll(async () => {
    receiver = await startReceiver(200);
    issuer = await TestIssuer.create(TOKEN_CLIENTS);
    t = await startTestApp({
      clock: { now: () => certs.now },
      env: {
        WEBHOOK_ALLOW_PRIVATE: 'true',
        OIDC_ISSUER: issuer.issuer,
        OIDC_AUDIENCE: AUDIENCE,
        OIDC_ROLE_MAP: 'Proxy.Read=reader,Proxy.Submit=submitter,Proxy.Approve=approver,Proxy.Admin=admin',
      },
    });
    for (const who of Object.keys(TOKEN_CLIENTS) as TokenCaller[]) tokens[who] = await issuer.token(who);
    const [signing] = issuer.keys;
    const past = Math.floor(Date.now() / 1000) - 3600;
    tokens.tokExpired = await new SignJWT({ preferred_username: 'tok-late', roles: ['Proxy.Admin'] })
      .setProtectedHeader({ alg: signing.alg, kid: signing.kid })
      .setIssuer(issuer.issuer)
      .setAudience(AUDIENCE)
      .setIssuedAt(past - 600)
      .setExpirationTime(past)
      .sign(signing.privateKey);
    baseUrl = await t.url();
    await expectStatus(admin().PUT('/v1/people/{name}', { params: { path: { name: 'fx-person' } }, body: { roles: ['reader'] } }), 201);
    const [reader, submitter, approver, adminKey, revoked, victim] = await Promise.all([
      t.key(NAMES.reader, ['reader']),
      t.key(NAMES.submitter, ['submitter']),
      t.key(NAMES.approver, ['approver']),
      t.key(NAMES.adminKey, ['admin']),
      t.key(NAMES.revoked, ['admin']),
      t.key(NAMES.victim, ['reader']),
    ]);
    Object.assign(tokens, { reader, submitter, approver, adminKey, revoked, victim });

    const keys = await expectStatus(admin().GET('/v1/api-keys', { params: { query: { limit: 200 } } }), 200);
    const byName = (name: string) => keys.items.find((k) => k.name === name)!.id;
    victimId = byName(NAMES.victim);
    await expectStatus(admin().DELETE('/v1/api-keys/{id}', { params: { path: { id: byName(NAMES.revoked) } } }), 200);

    // fx: version 1 approved (current, renders), version 2 pending (the target of denied decisions and withdrawals)
    await expectStatus(
      sub().POST('/v1/clusters', {
        body: {
          name: 'fx',
          resourceGroup: 'rg-fx',
          network: { serviceCidr: '10.0.0.0/16', podCidr: '10.244.0.0/16', nodeSubnetCidrs: ['10.224.0.0/16'], apiServerFqdn: 'fx.hcp.westeurope.azmk8s.io' },
        },
      }),
      201,
    );
    const fx = { path: { name: 'fx' } };
    await expectStatus(sub().POST('/v1/clusters/{name}/configs', { params: fx, body: { config: config1, reason: 'v1' } }), 201);
    await expectStatus(asToken(approver).POST('/v1/clusters/{name}/configs/{v}/decisions', { params: { path: { name: 'fx', v: '1' } }, body: { decision: 'approve' } }), 201);
    await expectStatus(sub().POST('/v1/clusters/{name}/configs', { params: fx, body: { config: config2, reason: 'v2' } }), 201);

    hookId = (await expectStatus(admin().POST('/v1/webhooks', { body: { url: receiver.url, events: ['config.approved'] } }), 201)).id;
    deliveryId = (await expectStatus(admin().POST('/v1/webhooks/{id}/ping', { params: { path: { id: hookId } } }), 202)).id;
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
    await issuer?.stop();
  });

  it('the table covers every /v1 route that /openapi.json documents, and nothing else', async () => {
    const res = await t.http().get('/openapi.json').expect(200);
    const documented: string[] = [];
    for (const [path, item] of Object.entries(res.body.paths as Record<string, Record<string, unknown>>)) {
      if (!path.startsWith('/v1/')) continue;
      for (const method of Object.keys(item)) {
        if (['get', 'post', 'patch', 'put', 'delete'].includes(method)) documented.push(`${method.toUpperCase()} ${path}`);
      }
    }
    expect(ROUTES.map((r) => `${r.method} ${r.path}`).sort()).toEqual(documented.sort());
  });

  describe.each(ROUTES.map((r) => [`${r.method} ${r.path}`, r] as const))('%s', (_label, route) => {
    it.each(CALLERS)('as %s', async (who) => {
      const res = await route.call(who, client(authFor(who)));
      const summary = `${route.method} ${route.path} as ${who}: ${res.status} ${JSON.stringify(res.body)?.slice(0, 300)}`;
      if (UNAUTHENTICATED.includes(who)) {
        expect(res.status, summary).toBe(401);
        expect(res.body.code, summary).toBe('UNAUTHENTICATED');
        expect(res.headers.get('www-authenticate'), summary).toMatch(/^Bearer\b/);
        expect(res.headers.get('content-type'), summary).toMatch(/^application\/problem\+json/);
      } else if (allowed(route, who)) {
        expect(res.status, summary).not.toBe(401);
        expect(res.status, summary).not.toBe(403);
        expect(res.status, summary).toBe(route.ok);
      } else {
        expect(res.status, summary).toBe(403);
        expect(res.body.code, summary).toBe('FORBIDDEN');
        expect(res.headers.get('content-type'), summary).toMatch(/^application\/problem\+json/);
      }
    });
  });

  it('denied callers changed nothing: the pending version is still pending, the victim key still works', async () => {
    const reader = asToken(tokens.reader!);
    const v2 = await expectStatus(reader.GET('/v1/clusters/{name}/configs/{v}', { params: { path: { name: 'fx', v: '2' } } }), 200);
    expect(v2).toMatchObject({ status: 'pending', decisions: [] });
    await expectStatus(asToken(tokens.victim!).GET('/v1/clusters'), 200);
    for (const who of ['none', 'malformed', 'unknown', 'revoked', 'tokExpired', 'reader', 'approver', 'tokReader', 'tokApprover', 'tokNoRole']) {
      const created = await reader.GET('/v1/clusters/{name}', { params: { path: { name: `new-${who}` } } });
      expect(created.response.status, `new-${who}`).toBe(404);
    }
    const hook = await expectStatus(admin().GET('/v1/webhooks/{id}', { params: { path: { id: hookId } } }), 200);
    expect(hook.description).toMatch(/^changed by (admin|adminKey|tokAdmin)$/);
    const keys = await expectStatus(admin().GET('/v1/api-keys', { params: { query: { limit: 200 } } }), 200);
    const names = keys.items.map((k) => k.name);
    expect(names).toEqual(expect.arrayContaining(['k-admin', 'k-adminKey', 'k-tokAdmin']));
    expect(names.filter((n) => n.startsWith('k-'))).toHaveLength(3);
    const people = await expectStatus(admin().GET('/v1/people', { params: { query: { limit: 200 } } }), 200);
    const named = people.items.map((p) => p.name).filter((n) => n.startsWith('p-'));
    expect(named.sort()).toEqual(['p-admin', 'p-adminkey', 'p-tokadmin']);
  });

  it('other malformed Authorization headers are 401 UNAUTHENTICATED with WWW-Authenticate', async () => {
    const headers = [
      'Bearer',
      'Bearer ',
      `Bearer ${ADMIN_TOKEN} extra`,
      `Bearer${ADMIN_TOKEN}`,
      ADMIN_TOKEN,
      `Token ${ADMIN_TOKEN}`,
      `Bearer ${ADMIN_TOKEN.slice(0, -1)}`,
      `Bearer ${ADMIN_TOKEN}x`,
      `Bearer ${tokens.reader!.toUpperCase()}`,
    ];
    // (sent raw: fetch, and so the typed client, would trim "Bearer " to "Bearer")
    for (const authorization of headers) {
      const res = await t.http().get('/v1/clusters').set('authorization', authorization);
      expect(res.status, authorization).toBe(401);
      expect(res.body.code, authorization).toBe('UNAUTHENTICATED');
      expect(res.headers['www-authenticate'], authorization).toMatch(/^Bearer\b/);
    }
    // the scheme is case-insensitive (RFC 7235): "bearer" works
    await expectStatus(client({ authorization: `bearer ${tokens.reader}` }).GET('/v1/clusters'), 200);
  });

  it('/healthz, /readyz, /metrics, /docs and /openapi.json need no token (and ignore a bad one)', async () => {
    for (const auth of [{}, { authorization: 'Bearer apc_not-a-real-token' }, { authorization: `Bearer ${tokens.revoked}` }]) {
      const health = await t.http().get('/healthz').set(auth);
      expect(health.status).toBe(200);
      const ready = await t.http().get('/readyz').set(auth);
      expect(ready.status).toBe(200);
      const metrics = await t.http().get('/metrics').set(auth);
      expect(metrics.status).toBe(200);
      expect(metrics.headers['content-type']).toMatch(/^text\/plain/);
      const docs = await t.http().get('/docs').set(auth).redirects(3);
      expect(docs.status).toBe(200);
      expect(docs.headers['content-type']).toMatch(/^text\/html/);
      const openapi = await t.http().get('/openapi.json').set(auth);
      expect(openapi.status).toBe(200);
      expect(openapi.body.openapi).toMatch(/^3\./);
    }
  });

  it('revocation works at once: the key works, DELETE /v1/api-keys/{id}, the next request is 401', async () => {
    const created = await expectStatus(admin().POST('/v1/api-keys', { body: { name: 'short-lived', roles: ['submitter'] } }), 201);
    const shortLived = asToken(created.token);
    await expectStatus(shortLived.GET('/v1/clusters'), 200);
    await expectStatus(shortLived.POST('/v1/clusters', { body: { name: 'by-short-lived', resourceGroup: 'rg' } }), 201);

    const revoked = await answered(asToken(tokens.adminKey!).DELETE('/v1/api-keys/{id}', { params: { path: { id: created.id } } }));
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ id: created.id, name: 'short-lived', revokedAt: expect.any(String) });
    expect(revoked.body.token).toBeUndefined();

    for (const res of [
      await answered(shortLived.GET('/v1/clusters')),
      await answered(shortLived.POST('/v1/clusters', { body: { name: 'after-revoke', resourceGroup: 'rg' } })),
    ]) {
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('UNAUTHENTICATED');
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer\b/);
    }
    await expectStatus(asToken(tokens.reader!).GET('/v1/clusters/{name}', { params: { path: { name: 'after-revoke' } } }), 404);

    const audit = await expectStatus(asToken(tokens.reader!).GET('/v1/audit', { params: { query: { action: 'apikey.revoked', limit: 200 } } }), 200);
    const event = audit.items.find((e) => e.details.id === created.id);
    expect(event).toMatchObject({ actor: NAMES.adminKey, action: 'apikey.revoked', details: { name: 'short-lived' } });

    const unknown = await answered(admin().DELETE('/v1/api-keys/{id}', { params: { path: { id: '00000000-0000-4000-8000-000000000000' } } }));
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('API_KEY_NOT_FOUND');
  });

  it('the token is shown once: POST answers it, GET /v1/api-keys never returns tokens or hashes', async () => {
    const posted = await answered(admin().POST('/v1/api-keys', { body: { name: 'shown-once', roles: ['reader', 'approver'] } }));
    expect(posted.status).toBe(201);
    const created = posted.body as { id: string; token: string; tokenHash?: unknown };
    expect(created.token).toMatch(/^apc_[A-Za-z0-9_-]{20,}$/);
    expect(created.tokenHash).toBeUndefined();
    expect(posted.headers.get('cache-control')).toBe('no-store');
    expect(posted.headers.get('location')).toBe(`/v1/api-keys/${created.id}`);

    const all = [created.token, ...Object.values(tokens)] as string[];
    const secrets = [...all, ...all.map((tk) => createHash('sha256').update(tk).digest('hex')), createHash('sha256').update(ADMIN_TOKEN).digest('hex')];
    const items: Record<string, unknown>[] = [];
    let cursor: string | undefined;
    do {
      // as text: the secrets must not be anywhere in what is sent
      const text = await expectStatus(asToken(tokens.adminKey!).GET('/v1/api-keys', { params: { query: { limit: 3, cursor } }, parseAs: 'text' }), 200);
      for (const secret of secrets) expect(text).not.toContain(secret);
      const page = JSON.parse(text) as { items: Record<string, unknown>[]; nextCursor: string | null };
      items.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(items.length).toBeGreaterThanOrEqual(8);
    for (const item of items) {
      expect(Object.keys(item).sort()).toEqual([
        'canActFor',
        'createdAt',
        'createdBy',
        'expiresAt',
        'id',
        'lastUsedAt',
        'name',
        'revokedAt',
        'roles',
        'tokenPrefix',
      ]);
      expect(String(item.tokenPrefix).length).toBeLessThan(16);
    }
    const shown = items.find((k) => k.name === 'shown-once')!;
    expect(shown).toMatchObject({ roles: ['approver', 'reader'], canActFor: false, createdBy: 'admin', revokedAt: null });
    expect(created.token.startsWith(String(shown.tokenPrefix))).toBe(true);
    expect(items.find((k) => k.name === NAMES.revoked)?.revokedAt).toEqual(expect.any(String));
  });

  it("the audit records the key's name as the actor", async () => {
    type AuditQuery = NonNullable<paths['/v1/audit']['get']['parameters']['query']>;
    const read = async (query: AuditQuery) => (await expectStatus(asToken(tokens.reader!).GET('/v1/audit', { params: { query: { ...query, limit: 200 } } }), 200)).items;
    const keyEvents = await read({ action: 'apikey.created' });
    const createdBy = Object.fromEntries(keyEvents.map((e) => [String(e.details.name), e.actor]));
    expect(createdBy).toMatchObject({
      [NAMES.reader]: 'admin',
      [NAMES.submitter]: 'admin',
      [NAMES.adminKey]: 'admin',
      'k-admin': 'admin',
      'k-adminKey': NAMES.adminKey,
    });
    expect(JSON.stringify(keyEvents)).not.toMatch(/apc_/);

    const clusterEvents = await read({ action: 'cluster.created' });
    const clusterBy = Object.fromEntries(clusterEvents.map((e) => [e.cluster, e.actor]));
    expect(clusterBy).toMatchObject({
      fx: NAMES.submitter,
      'new-submitter': NAMES.submitter,
      'new-admin': 'admin',
      'new-adminkey': NAMES.adminKey, // created as "new-adminKey": cluster names are kept lower-cased
      'by-short-lived': 'short-lived',
    });

    const decided = await read({ action: 'config.decided', cluster: 'dec-adminKey' });
    expect(decided).toHaveLength(1);
    expect(decided[0]).toMatchObject({ actor: NAMES.adminKey, version: 1 });
    const withdrawn = await read({ action: 'config.withdrawn', cluster: 'wd-submitter' });
    expect(withdrawn[0]).toMatchObject({ actor: NAMES.submitter });
    const submitted = await read({ action: 'config.submitted', cluster: 'sub-adminKey' });
    expect(submitted).toHaveLength(1);
    expect(submitted[0]).toMatchObject({ actor: NAMES.adminKey, version: 1 });
    // on fx only the submitter key ever submitted: denied callers left no trace
    const onFx = await read({ cluster: 'fx' });
    expect(onFx.filter((e) => e.action === 'config.submitted').map((e) => e.actor)).toEqual([NAMES.submitter, NAMES.submitter]);
    // (reading is no change; rendering is audited as config.rendered by whoever rendered)
    const changes = onFx.filter((e) => e.action !== 'config.rendered');
    expect(changes.map((e) => e.actor)).not.toContain(NAMES.reader);
    expect(onFx.filter((e) => e.action === 'config.rendered').map((e) => e.actor)).toEqual(
      expect.arrayContaining([NAMES.reader, NAMES.submitter, NAMES.approver, 'admin', NAMES.adminKey]),
    );

    const verify = await expectStatus(asToken(tokens.approver!).GET('/v1/audit/verify'), 200);
    expect(verify.ok).toBe(true);
  });
});
