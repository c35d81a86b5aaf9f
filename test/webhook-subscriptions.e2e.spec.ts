import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, bearer, startTestApp, type TestApp } from './support/test-app';

// Each process caches the enabled webhook subscriptions (the outbox matches events against them). A webhook change
// made through another process reaches this one through NOTIFY webhooks_changed; until then a write here must still
// succeed (a deleted webhook gets no delivery row, never a 500). PostgreSQL only: two processes on one database.
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

  /** Submits through b until the webhook gets a delivery (b has learnt of it); the number of deliveries. */
  async function untilDelivered(id: string): Promise<number> {
    const deadline = Date.now() + 20_000;
    let got = 0;
    while (got === 0 && Date.now() < deadline) {
      await submit(b);
      got = (await deliveries(id)).length;
      if (got === 0) await new Promise((r) => setTimeout(r, 100));
    }
    return got;
  }

  it('a webhook created through one process gets the events of writes made through the other', async () => {
    await submit(b); // b has read (and cached) the subscriptions: none
    const hook = (await a.http().post('/v1/webhooks').set(admin).send({ url: 'http://127.0.0.1:9/hook', events: ['config.submitted'] }).expect(201)).body;
    // b learns of it through NOTIFY (tens of milliseconds): a submission through b soon gets a delivery.
    expect(await untilDelivered(hook.id)).toBeGreaterThan(0);
  });

  it('a webhook deleted through one process never breaks a write through the other', async () => {
    const hook = (await a.http().post('/v1/webhooks').set(admin).send({ url: 'http://127.0.0.1:9/hook2', events: ['config.submitted'] }).expect(201)).body;
    expect(await untilDelivered(hook.id)).toBeGreaterThan(0); // b has it in its subscriptions now
    await a.http().delete(`/v1/webhooks/${hook.id}`).set(admin).expect(204);
    // At once, whether or not b has heard of the deletion yet: 201, not a 500 from a delivery row with no webhook.
    for (let i = 0; i < 5; i++) await submit(b);
    expect((await a.http().get(`/v1/webhooks/${hook.id}`).set(admin)).status).toBe(404);
    const verify = await b.http().get('/v1/audit/verify').set(admin).expect(200);
    expect(verify.body.ok).toBe(true);
  });
});
