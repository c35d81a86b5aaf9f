import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, bearer, startTestApp, type TestApp } from './support/test-app';

// Each process caches the enabled webhook subscriptions (the outbox matches events against them), kept with the
// chain head's webhooks_version, which every webhook change moves on. A write uses the cache only when its append
// finds the head at that version, so a change answered through one process holds for the very next write through
// the other: no notification to wait for. PostgreSQL only: two processes on one database.
const ENV = {
  WEBHOOK_ALLOW_PRIVATE: 'true',
  WEBHOOK_SECRET_KEY: 'ab'.repeat(32),
  WEBHOOK_BACKOFF_BASE_MS: '60000',
  WEBHOOK_TIMEOUT_MS: '500',
};

describe.skipIf(!process.env.DATABASE_URL)('webhook subscriptions across processes (postgres)', () => {
  let a: TestApp;
  let b: TestApp;
  let submitter: string;
  let n = 0;
  const admin = bearer(ADMIN_TOKEN);

  beforeAll(async () => {
    a = await startTestApp({ env: ENV });
    b = await startTestApp({ env: ENV, sharedDatabaseUrl: a.databaseUrl! });
    submitter = await a.key('sub', ['submitter']);
    await a.http().post('/v1/clusters').set(admin).send({ name: 'hooked', resourceGroup: 'rg' }).expect(201);
    // an approved version to render
    const approver = await a.key('app', ['approver']);
    await submit(a);
    await a.http().post('/v1/clusters/hooked/configs/1/decisions').set(bearer(approver)).send({ decision: 'approve', comment: 'ok' }).expect(201);
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  /** A new pending version of `hooked` through `app`. */
  const submit = (app: TestApp) =>
    app
      .http()
      .post('/v1/clusters/hooked/configs')
      .set(bearer(submitter))
      .send({ config: { httpProxy: `http://proxy-${n++}.corp.example:3128` }, reason: 'hook test' })
      .expect(201);
  const deliveries = async (id: string) => (await a.http().get(`/v1/webhooks/${id}/deliveries?limit=200`).set(admin).expect(200)).body.items as unknown[];

  const render = (app: TestApp) => app.http().get('/v1/clusters/hooked/configs/current/render?format=cli').set(bearer(submitter)).expect(200);

  it('a webhook created through one process gets the very next event of a write through the other', async () => {
    await submit(b); // b has read (and cached) the subscriptions: none
    await render(b); // and a render through b is appended alone (no transaction): nothing wants it
    const hook = (await a.http().post('/v1/webhooks').set(admin).send({ url: 'http://127.0.0.1:9/hook', events: ['config.submitted', 'config.rendered'] }).expect(201)).body;
    await submit(b);
    expect(await deliveries(hook.id)).toHaveLength(1);
    await render(b);
    expect(await deliveries(hook.id)).toHaveLength(2);
  });

  it('a webhook narrowed through one process gets no event it left out from the next write through the other', async () => {
    const hook = (await a.http().post('/v1/webhooks').set(admin).send({ url: 'http://127.0.0.1:9/hook3', events: ['config.submitted'] }).expect(201)).body;
    await submit(b);
    expect(await deliveries(hook.id)).toHaveLength(1); // b has it in its subscriptions now
    await a.http().patch(`/v1/webhooks/${hook.id}`).set(admin).send({ events: ['config.approved'] }).expect(200);
    await submit(b);
    expect(await deliveries(hook.id)).toHaveLength(1);
  });

  it('a webhook deleted through one process never breaks a write through the other', async () => {
    const hook = (await a.http().post('/v1/webhooks').set(admin).send({ url: 'http://127.0.0.1:9/hook2', events: ['config.submitted'] }).expect(201)).body;
    await submit(b);
    expect(await deliveries(hook.id)).toHaveLength(1); // b has it in its subscriptions now
    await a.http().delete(`/v1/webhooks/${hook.id}`).set(admin).expect(204);
    for (let i = 0; i < 5; i++) await submit(b);
    expect((await a.http().get(`/v1/webhooks/${hook.id}`).set(admin)).status).toBe(404);
    const verify = await b.http().get('/v1/audit/verify').set(admin).expect(200);
    expect(verify.body.ok).toBe(true);
  });
});
