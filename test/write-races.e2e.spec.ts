import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { untilLockWaiters } from './support/lock-waiters';
import { ADMIN_TOKEN, bearer, startTestApp, type TestApp } from './support/test-app';

// A submission or decision that had to wait for the cluster's row lock must act on what the writer it waited for
// left, not on what it saw when it began waiting (its first statement locks and reads in one go). Made certain here:
// a third connection holds the row lock while two requests queue behind it, then lets go, so one of them waits for
// the other. PostgreSQL only (PGlite runs one transaction at a time).
describe.skipIf(!process.env.DATABASE_URL)('writes that waited for the cluster lock (postgres)', () => {
  let t: TestApp;
  let u: TestApp; // a second service process on the same database: each request through its own
  let holder: Client;
  let submitter: string;
  const approvers: string[] = [];

  beforeAll(async () => {
    t = await startTestApp();
    u = await startTestApp({ sharedDatabaseUrl: t.databaseUrl! });
    holder = new Client({ connectionString: t.databaseUrl! });
    await holder.connect();
    submitter = await t.key('sub', ['submitter', 'reader']);
    for (const n of [1, 2]) approvers.push(await t.key(`appr${n}`, ['approver']));
    await t.http().post('/v1/clusters').set(bearer(ADMIN_TOKEN)).send({ name: 'queue', resourceGroup: 'rg', requiredApprovals: 2 }).expect(201);
    // Warm both apps up for every caller (route, key cache), so the queued requests reach the database promptly.
    for (const app of [t, u]) for (const token of [submitter, ...approvers]) await app.http().get('/v1/clusters/queue/configs/latest').set(bearer(token));
  });
  afterAll(async () => {
    await holder?.end();
    await u?.close();
    await t?.close();
  });


  /**
   * Holds a row lock (by default the cluster's) while `requests` start one after the other, each once the ones before
   * it wait; then lets go and awaits them.
   */
  async function queued<T>(requests: (() => Promise<T>)[], lock = `SELECT id FROM clusters WHERE name = 'queue' FOR UPDATE`): Promise<T[]> {
    await holder.query('BEGIN');
    await holder.query(lock);
    const running: Promise<T>[] = [];
    for (const r of requests) {
      running.push(Promise.resolve(r())); // supertest sends once then() is called
      await untilLockWaiters(holder, running.length);
    }
    await holder.query('COMMIT');
    return Promise.all(running);
  }

  const submit = (app: () => TestApp, tag: string) => () =>
    app()
      .http().post('/v1/clusters/queue/configs').set(bearer(submitter)).send({ config: { httpProxy: `http://${tag}.corp.example:3128` }, reason: tag });

  it('a submission that waited for another supersedes the pending version the other created', { timeout: 120_000 }, async () => {
    const [a, b] = await queued([submit(() => t, 'one'), submit(() => u, 'two')]);
    expect([a.status, b.status]).toEqual([201, 201]);
    const history = await t.http().get('/v1/clusters/queue/configs').set(bearer(submitter)).expect(200);
    const statuses = Object.fromEntries(history.body.items.map((v: { version: number; status: string }) => [v.version, v.status]));
    expect(statuses).toEqual({ 1: 'superseded', 2: 'pending' });
  });

  it('an approval that waited for another counts it: two approvals of two approve the version', { timeout: 120_000 }, async () => {
    const approve = (app: TestApp, token: string) => () => app.http().post('/v1/clusters/queue/configs/2/decisions').set(bearer(token)).send({ decision: 'approve' });
    const results = await queued([approve(t, approvers[0]), approve(u, approvers[1])]);
    expect(results.map((r) => r.status)).toEqual([201, 201]);
    const version = await t.http().get('/v1/clusters/queue/configs/2').set(bearer(submitter)).expect(200);
    expect(version.body.status).toBe('approved');
    expect(version.body.decisions).toHaveLength(2);
    const verify = await t.http().get('/v1/audit/verify').set(bearer(ADMIN_TOKEN)).expect(200);
    expect(verify.body.ok).toBe(true);
  });

  it('deleting a webhook while a write delivers to it: both answered, no deadlock', { timeout: 120_000 }, async () => {
    const admin = bearer(ADMIN_TOKEN);
    const hook = (await t.http().post('/v1/webhooks').set(admin).send({ url: 'https://hooks.example.com/x', events: ['config.submitted'] }).expect(201)).body;
    await submit(() => u, 'warm')(); // u has read the subscriptions since the webhook exists
    // ... and its dispatchers have tried that delivery (the host does not resolve here) and recorded the attempt
    for (let i = 0; ; i++) {
      const items = (await t.http().get(`/v1/webhooks/${hook.id}/deliveries`).set(admin).expect(200)).body.items as { attempts: number }[];
      if (items.length === 1 && items[0]!.attempts >= 1) break;
      if (i > 500) throw new Error(`the delivery of the first submission was never tried: ${JSON.stringify(items)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, 200));
    // The submission waits for the chain head first, then the deletion queues behind it.
    const [submitted, deleted] = await queued(
      [submit(() => u, 'three'), () => t.http().delete(`/v1/webhooks/${hook.id}`).set(admin)],
      'SELECT seq FROM audit_head WHERE id = 1 FOR UPDATE',
    );
    expect([submitted.status, deleted.status]).toEqual([201, 204]);
    expect((await t.http().get(`/v1/webhooks/${hook.id}`).set(admin)).status).toBe(404);
  });
});
