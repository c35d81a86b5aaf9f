import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ClustersService } from '../src/clusters/clusters.service';
import { VersionsService } from '../src/versions/versions.service';
import { listenOnLoopback, rawRequest } from './support/raw-http';
import { ADMIN_TOKEN, bearer, DATABASE, startTestApp, type TestApp } from './support/test-app';

// Read-cache hits of a cluster's and a version's GET are answered before Nest's pipeline (src/http/cached-reads.ts).
// What a client sees must not tell the two ways apart: the same status, headers and body as the controller's answer,
// the same refusals, the same rate limit, the same request log line.
describe(`cached reads answered before the controller (${DATABASE})`, () => {
  let t: TestApp;
  let submitter: string;
  let approver: string;
  let reader: string;
  let bot: string;

  beforeAll(async () => {
    t = await startTestApp();
    submitter = await t.key('sub', ['submitter']);
    approver = await t.key('appr', ['approver']);
    reader = await t.key('Reader-Key', ['reader']);
    bot = await t.key('chat-bot', ['approver'], { canActFor: true });
    await t.http().put('/v1/people/carol').set(bearer(ADMIN_TOKEN)).send({ roles: ['reader'] }).expect(201);
    await t.http().post('/v1/clusters').set(bearer(submitter)).send({ name: 'cached', resourceGroup: 'rg' }).expect(201);
    const submit = (i: number) =>
      t.http().post('/v1/clusters/cached/configs').set(bearer(submitter)).send({ config: { httpProxy: `http://proxy-${i}.corp.example:3128` }, reason: `v${i}` }).expect(201);
    await submit(1);
    await t.http().post('/v1/clusters/cached/configs/1/decisions').set(bearer(approver)).send({ decision: 'approve' }).expect(201);
    await submit(2);
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await t?.close();
  });

  /** Status, headers (but the request id and date) and body, as a client sees them. */
  const seen = (res: { status: number; headers: Record<string, string>; text: string }) => {
    const { 'x-request-id': _id, date: _date, ...headers } = res.headers;
    return { status: res.status, headers, text: res.text };
  };

  it('answers hits without the controller, exactly as the controller answers them (200 and 304)', async () => {
    const versions = t.app.get(VersionsService);
    const clusters = t.app.get(ClustersService);
    const answers = [vi.spyOn(versions, 'answer'), vi.spyOn(clusters, 'answer')];
    const controllerCalls = () => answers.reduce((n, spy) => n + spy.mock.calls.length, 0);
    // The controller's answer: the hook's cache lookup misses once, so the request goes on to the controller (whose
    // own lookup of the same cache then answers it).
    const throughController = async <T>(send: () => Promise<T>): Promise<T> => {
      vi.spyOn(versions, 'cachedAnswer').mockReturnValueOnce(undefined);
      vi.spyOn(clusters, 'cachedAnswer').mockReturnValueOnce(undefined);
      const before = controllerCalls();
      const res = await send();
      expect(controllerCalls()).toBe(before + 1);
      vi.mocked(versions.cachedAnswer).mockRestore();
      vi.mocked(clusters.cachedAnswer).mockRestore();
      return res;
    };
    const paths = ['/v1/clusters/cached/configs/1', '/v1/clusters/cached/configs/2', '/v1/clusters/CACHED/configs/current', '/v1/clusters/cached/configs/latest', '/v1/clusters/cached'];
    for (const path of paths) {
      await t.http().get(path).set(bearer(reader)).expect(200); // fills the cache
      const reference = await throughController(() => t.http().get(path).set(bearer(reader)).expect(200));
      const before = controllerCalls();
      const hit = await t.http().get(path).set(bearer(reader)).expect(200);
      const notModified = await t.http().get(path).set(bearer(reader)).set('if-none-match', hit.headers.etag);
      expect(controllerCalls(), `${path} came from the cache`).toBe(before);
      expect(seen(hit), path).toEqual(seen(reference));
      expect(notModified.status).toBe(304);
      const notModifiedReference = await throughController(() => t.http().get(path).set(bearer(reader)).set('if-none-match', hit.headers.etag));
      expect(seen(notModified), path).toEqual(seen(notModifiedReference));
    }
    vi.restoreAllMocks();
  });

  it('logs a hit as the controller would: route, status and the key as actor', async () => {
    await t.http().get('/v1/clusters/cached/configs/1').set(bearer(reader)).expect(200);
    const res = await t.http().get('/v1/clusters/cached/configs/1').set(bearer(reader)).expect(200);
    await new Promise((resolve) => setTimeout(resolve, 120)); // log lines go out in batches of up to 50 ms
    const line = t.logs.join('').split('\n').find((l) => l.includes(res.headers['x-request-id']));
    expect(line && JSON.parse(line)).toMatchObject({ route: '/v1/clusters/:name/configs/:v', status: 200, actor: 'reader-key', msg: 'request' });
    const metrics = await t.http().get('/metrics').expect(200);
    expect(metrics.text).toMatch(/route="\/v1\/clusters\/:name\/configs\/:v",status="200"[^\n]* [1-9]/);
  });

  it('keeps every refusal while the answer is cached', async () => {
    const path = '/v1/clusters/cached/configs/current';
    await t.http().get(path).set(bearer(reader)).expect(200);
    const anonymous = await t.http().get(path).expect(401);
    expect(anonymous.body.code).toBe('UNAUTHENTICATED');
    expect(anonymous.headers['www-authenticate']).toBe('Bearer');
    const unknown = await t.http().get(path).set(bearer('apc_not-a-key-of-this-service')).expect(401);
    expect(unknown.body.code).toBe('UNAUTHENTICATED');
    // X-Acting-For is the guard's: an unknown person is refused, a known one is the actor
    const nobody = await t.http().get(path).set(bearer(bot)).set('x-acting-for', 'mallory').expect(403);
    expect(nobody.body.code).toBe('UNKNOWN_PERSON');
    const forCarol = await t.http().get(path).set(bearer(bot)).set('x-acting-for', 'carol').expect(200);
    await new Promise((resolve) => setTimeout(resolve, 120));
    const line = t.logs.join('').split('\n').find((l) => l.includes(forCarol.headers['x-request-id']));
    expect(line && JSON.parse(line)).toMatchObject({ actor: 'carol', via: 'chat-bot' });
    // bad parameters get the controller's answers, not a cache lookup
    expect((await t.http().get('/v1/clusters/cached/configs/007').set(bearer(reader)).expect(400)).body.code).toBe('BAD_REQUEST');
    expect((await t.http().get('/v1/clusters/-cached-/configs/1').set(bearer(reader)).expect(404)).body.code).toBe('CLUSTER_NOT_FOUND');
    expect((await t.http().get('/v1/clusters/cached/configs/1?unknown=1').set(bearer(reader)).expect(400)).body.code).toBe('BAD_REQUEST');
  });

  it('leaves a query behind a # (which the router reads as a query) to the controller, which refuses it', async () => {
    const port = await listenOnLoopback(t.app.getHttpServer());
    for (const path of ['/v1/clusters/cached', '/v1/clusters/cached/configs/latest']) {
      await t.http().get(path).set(bearer(reader)).expect(200);
      await t.http().get(path).set(bearer(reader)).expect(200); // a hit now
      const res = await rawRequest(port, `GET ${path}#limit=5 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${reader}\r\nConnection: close\r\n\r\n`);
      expect(res.status, path).toBe(400);
      expect(JSON.parse(res.body).code).toBe('BAD_REQUEST');
    }
  });

  it('refuses a revoked key at once, though its last answer is cached', async () => {
    const created = await t.http().post('/v1/api-keys').set(bearer(ADMIN_TOKEN)).send({ name: 'short-lived', roles: ['reader'] }).expect(201);
    await t.http().get('/v1/clusters/cached/configs/1').set(bearer(created.body.token)).expect(200);
    await t.http().get('/v1/clusters/cached/configs/1').set(bearer(created.body.token)).expect(200);
    await t.http().delete(`/v1/api-keys/${created.body.id}`).set(bearer(ADMIN_TOKEN)).expect(200);
    const refused = await t.http().get('/v1/clusters/cached/configs/1').set(bearer(created.body.token)).expect(401);
    expect(refused.body.code).toBe('UNAUTHENTICATED');
  });

  it('shows a decision in the next read once it is acknowledged', async () => {
    const pending = await t.http().get('/v1/clusters/cached/configs/2').set(bearer(reader)).expect(200);
    expect(pending.body.status).toBe('pending');
    await t.http().get('/v1/clusters/cached/configs/2').set(bearer(reader)).expect(200);
    const approved = await t.http().post('/v1/clusters/cached/configs/2/decisions').set(bearer(approver)).send({ decision: 'approve' }).expect(201);
    const after = await t.http().get('/v1/clusters/cached/configs/2').set(bearer(reader)).expect(200);
    expect(after.body.status).toBe('approved');
    expect(after.headers.etag).toBe(approved.headers.etag);
    const stale = await t.http().get('/v1/clusters/cached/configs/2').set(bearer(reader)).set('if-none-match', pending.headers.etag).expect(200);
    expect(stale.body.status).toBe('approved');
  });
});

describe(`cached reads and the rate limit (${DATABASE})`, () => {
  let t: TestApp;
  afterAll(async () => {
    await t?.close();
  });

  it('counts hits against the key like any request', async () => {
    t = await startTestApp({ env: { RATE_LIMIT_PER_MINUTE: '4' } });
    const reader = await t.key('limited', ['reader']);
    await t.http().post('/v1/clusters').set(bearer(ADMIN_TOKEN)).send({ name: 'limited', resourceGroup: 'rg' }).expect(201);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await t.http().get('/v1/clusters/limited').set(bearer(reader))).status);
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
    const over = await t.http().get('/v1/clusters/limited').set(bearer(reader)).expect(429);
    expect(over.body.code).toBe('RATE_LIMITED');
    expect(over.headers['retry-after']).toBeDefined();
  });
});
