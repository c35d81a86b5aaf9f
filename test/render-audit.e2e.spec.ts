import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { untilLockWaiters } from './support/lock-waiters';
import { ADMIN_TOKEN, bearer, DATABASE, startTestApp, type TestApp } from './support/test-app';

// A render changes nothing but the audit trail: its config.rendered event is appended on every call, grouped with
// the events of concurrent renders in one statement (each keeping its own actor, requestId and time), and the
// rendering is answered only once its event is committed. The rendering itself is kept in the read cache until a
// write changes the cluster or its versions.
const ENV = {
  WEBHOOK_ALLOW_PRIVATE: 'true',
  WEBHOOK_SECRET_KEY: 'cd'.repeat(32),
  WEBHOOK_BACKOFF_BASE_MS: '60000',
  WEBHOOK_TIMEOUT_MS: '500',
};

interface AuditItem {
  seq: number;
  actor: string;
  via: string | null;
  action: string;
  cluster: string | null;
  version: number | null;
  requestId: string;
  details: Record<string, unknown>;
}

const admin = bearer(ADMIN_TOKEN);
/** The cluster both describes render. */
const CLUSTER = 'rendered';

/** Every audit event of `action` (all pages). */
async function auditOf(app: TestApp, action: string): Promise<AuditItem[]> {
  const items: AuditItem[] = [];
  let cursor: string | null = null;
  do {
    const res: { body: { items: AuditItem[]; nextCursor: string | null } } = await app
      .http()
      .get(`/v1/audit?action=${action}&limit=200${cursor ? `&cursor=${cursor}` : ''}`)
      .set(admin)
      .expect(200);
    items.push(...res.body.items);
    cursor = res.body.nextCursor;
  } while (cursor);
  return items;
}

async function deliveredSeqs(app: TestApp, hookId: string): Promise<number[]> {
  const res = await app.http().get(`/v1/webhooks/${hookId}/deliveries?limit=200`).set(admin).expect(200);
  return (res.body.items as { eventId: string }[]).map((d) => Number(d.eventId.replace('evt_', ''))).sort((x, y) => x - y);
}

describe(`render audit (${DATABASE})`, () => {
  let t: TestApp;
  const readers: { token: string; actor: string }[] = [];
  let submitter: string;
  let approver: string;
  let n = 0;

  const render = (token: string, requestId: string, path = '/v1/clusters/rendered/configs/current/render?format=cli') =>
    t.http().get(path).set(bearer(token)).set('x-request-id', requestId);
  const submitAndApprove = async (proxy: string) => {
    const v = (
      await t
        .http()
        .post('/v1/clusters/rendered/configs')
        .set(bearer(submitter))
        .send({ config: { httpProxy: proxy, httpsProxy: proxy }, reason: 'render test' })
        .expect(201)
    ).body.version as number;
    await t.http().post(`/v1/clusters/rendered/configs/${v}/decisions`).set(bearer(approver)).send({ decision: 'approve', comment: 'ok' }).expect(201);
    return v;
  };

  beforeAll(async () => {
    t = await startTestApp({ env: ENV });
    submitter = await t.key('sub', ['submitter']);
    approver = await t.key('app', ['approver']);
    for (let i = 0; i < 5; i++) readers.push({ token: await t.key(`reader-${i}`, ['reader']), actor: '' });
    await t
      .http()
      .post('/v1/clusters')
      .set(admin)
      .send({ name: 'rendered', resourceGroup: 'rg', nodePools: [{ name: 'system', osType: 'Linux', type: 'VirtualMachineScaleSets' }] })
      .expect(201);
    await submitAndApprove('http://proxy-0.corp.example:3128');
    // Each reader's actor as the audit trail names it.
    for (const [i, r] of readers.entries()) {
      await render(r.token, `who-${i}`).expect(200);
      r.actor = (await auditOf(t, 'config.rendered')).find((e) => e.requestId === `who-${i}`)!.actor;
    }
  });
  afterAll(async () => {
    await t?.close();
  });

  it('audits each of 50 concurrent renders exactly once, with its own actor and requestId, and the chain verifies', async () => {
    const before = (await auditOf(t, 'config.rendered')).length;
    const calls = Array.from({ length: 50 }, (_, i) => ({ reader: readers[i % readers.length]!, requestId: `burst-${n}-${i}` }));
    n += 1;
    const answers = await Promise.all(calls.map((c) => render(c.reader.token, c.requestId)));
    const bodies = new Set(answers.map((a) => a.text));
    expect(answers.map((a) => a.status)).toEqual(calls.map(() => 200));
    expect(bodies.size).toBe(1);
    const events = await auditOf(t, 'config.rendered');
    expect(events).toHaveLength(before + 50);
    for (const c of calls) {
      const mine = events.filter((e) => e.requestId === c.requestId);
      expect(mine, c.requestId).toHaveLength(1);
      expect(mine[0]).toMatchObject({ actor: c.reader.actor, via: null, cluster: 'rendered', version: 1, details: { format: 'cli' } });
    }
    const seqs = events.map((e) => e.seq);
    expect(new Set(seqs).size).toBe(seqs.length);
    const verify = await t.http().get('/v1/audit/verify').set(admin).expect(200);
    expect(verify.body.ok).toBe(true);
  });

  it('an answered render has its event committed already', async () => {
    for (let i = 0; i < 5; i++) {
      const requestId = `answered-${i}`;
      // Others in flight, so this one may be grouped with them.
      const others = Array.from({ length: 5 }, (_, j) => render(readers[j]!.token, `${requestId}-other-${j}`).then((r) => r));
      await render(readers[0]!.token, requestId).expect(200);
      expect((await auditOf(t, 'config.rendered')).filter((e) => e.requestId === requestId)).toHaveLength(1);
      await Promise.all(others);
    }
  });

  it('a render after a write to the cluster or its versions shows that write (the cached rendering goes)', async () => {
    const first = await render(readers[0]!.token, 'cache-1').expect(200);
    expect(first.text).toContain('proxy-0.corp.example');
    // a newly approved version becomes current
    const v = await submitAndApprove('http://proxy-1.corp.example:3128');
    const second = await render(readers[0]!.token, 'cache-2').expect(200);
    expect(second.text).toContain('proxy-1.corp.example');
    expect((await auditOf(t, 'config.rendered')).find((e) => e.requestId === 'cache-2')).toMatchObject({ version: v });
    // a Windows pool makes it unusable
    await t
      .http()
      .patch('/v1/clusters/rendered')
      .set(admin)
      .send({ nodePools: [{ name: 'w', osType: 'Windows', type: 'VirtualMachineScaleSets' }] })
      .expect(200);
    expect((await render(readers[0]!.token, 'cache-3').expect(422)).body.code).toBe('CONFIG_INVALID');
    await t
      .http()
      .patch('/v1/clusters/rendered')
      .set(admin)
      .send({ nodePools: [{ name: 'system', osType: 'Linux', type: 'VirtualMachineScaleSets' }] })
      .expect(200);
    // the network's proxy addresses are part of the istio rendering
    const istio = '/v1/clusters/rendered/configs/current/render?format=istio';
    expect((await render(readers[0]!.token, 'cache-4', istio).expect(409)).body.code).toBe('RENDER_UNSUPPORTED');
    await t.http().patch('/v1/clusters/rendered').set(admin).send({ network: { proxyAddresses: ['10.50.0.4'] } }).expect(200);
    const withAddress = await render(readers[0]!.token, 'cache-5', istio).expect(200);
    expect(withAddress.text).toContain('10.50.0.4');
    await t.http().patch('/v1/clusters/rendered').set(admin).send({ network: { proxyAddresses: ['10.50.0.5'] } }).expect(200);
    const moved = await render(readers[0]!.token, 'cache-6', istio).expect(200);
    expect(moved.text).toContain('10.50.0.5');
    expect(moved.text).not.toContain('10.50.0.4');
    // a refused render is audited never, a cached one every time
    const events = await auditOf(t, 'config.rendered');
    expect(events.filter((e) => e.requestId.startsWith('cache-')).map((e) => e.requestId)).toEqual(['cache-1', 'cache-2', 'cache-5', 'cache-6']);
  });

  it('renders racing a webhook creation: the webhook gets every config.rendered appended after its creation, and none before', async () => {
    const { hookId, rendered } = await race(t, [t], 'race');
    const createdSeq = (await auditOf(t, 'webhook.created')).find((e) => e.details.id === hookId)!.seq;
    const after = rendered.filter((e) => e.seq > createdSeq).map((e) => e.seq);
    expect(after.length).toBeGreaterThanOrEqual(30); // each worker's renders after the creation was answered
    expect(after.length).toBeLessThan(rendered.length); // and some before
    expect(await deliveredSeqs(t, hookId)).toEqual(after);
    const verify = await t.http().get('/v1/audit/verify').set(admin).expect(200);
    expect(verify.body.ok).toBe(true);
  });
});

/**
 * 10 workers render in a loop through `apps` (in turn) while a webhook for config.rendered is created through the
 * first app once 20 renders were answered; each worker goes on for 3 renders after the creation was answered.
 * Returns the webhook's id and the config.rendered events of these renders.
 */
async function race(t: TestApp, apps: TestApp[], prefix: string): Promise<{ hookId: string; rendered: AuditItem[] }> {
  const reader = await t.key(`${prefix}-reader`, ['reader']);
  let created = false;
  let answered = 0;
  const worker = async (w: number) => {
    const statuses: number[] = [];
    for (let i = 0, after = 0; !created || after < 3; i++) {
      const app = apps[(w + i) % apps.length]!;
      const res = await app.http().get(`/v1/clusters/${CLUSTER}/configs/current/render?format=cli`).set(bearer(reader)).set('x-request-id', `${prefix}-${w}-${i}`);
      statuses.push(res.status);
      answered += 1;
      if (created) after += 1;
    }
    return statuses;
  };
  const workers = Array.from({ length: 10 }, (_, w) => worker(w));
  while (answered < 20) await new Promise((resolve) => setTimeout(resolve, 2));
  const hook = await t.http().post('/v1/webhooks').set(admin).send({ url: `http://127.0.0.1:9/${prefix}`, events: ['config.rendered'] }).expect(201);
  created = true;
  const statuses = (await Promise.all(workers)).flat();
  expect(statuses.every((s) => s === 200)).toBe(true);
  const rendered = (await auditOf(t, 'config.rendered')).filter((e) => e.requestId.startsWith(`${prefix}-`));
  expect(rendered).toHaveLength(statuses.length);
  expect(new Set(rendered.map((e) => e.requestId)).size).toBe(statuses.length);
  return { hookId: hook.body.id as string, rendered };
}

// Two processes on one database: the renders of each are grouped per process, and a webhook created through one
// still gets every render through the other appended after its creation.
describe.skipIf(!process.env.DATABASE_URL)('render audit across processes (postgres)', () => {
  let a: TestApp;
  let b: TestApp;
  let reader: string;

  beforeAll(async () => {
    a = await startTestApp({ env: ENV });
    b = await startTestApp({ env: ENV, sharedDatabaseUrl: a.databaseUrl! });
    reader = await a.key('reader', ['reader']);
    const submitter = await a.key('sub', ['submitter']);
    const approver = await a.key('app', ['approver']);
    await a.http().post('/v1/clusters').set(admin).send({ name: CLUSTER, resourceGroup: 'rg' }).expect(201);
    await a.http().post(`/v1/clusters/${CLUSTER}/configs`).set(bearer(submitter)).send({ config: { httpProxy: 'http://p.corp.example:3128' }, reason: 'x' }).expect(201);
    await a.http().post(`/v1/clusters/${CLUSTER}/configs/1/decisions`).set(bearer(approver)).send({ decision: 'approve', comment: 'ok' }).expect(201);
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  const render = (app: TestApp, requestId: string) =>
    app.http().get(`/v1/clusters/${CLUSTER}/configs/current/render?format=cli`).set(bearer(reader)).set('x-request-id', requestId).then((r) => r);

  it('renders that queued while the chain head was held are appended together, each with its own actor and requestId', async () => {
    const holder = new Client({ connectionString: a.databaseUrl! });
    await holder.connect();
    try {
      const tokens = [reader, await a.key('reader-2', ['reader']), await a.key('reader-3', ['reader'])];
      for (const token of tokens) await a.http().get(`/v1/clusters/${CLUSTER}/configs/current/render?format=cli`).set(bearer(token)).expect(200);
      await holder.query('BEGIN');
      await holder.query('SELECT seq FROM audit_head WHERE id = 1 FOR UPDATE');
      const send = (i: number) =>
        a.http().get(`/v1/clusters/${CLUSTER}/configs/current/render?format=cli`).set(bearer(tokens[i % 3]!)).set('x-request-id', `held-${i}`).then((r) => r);
      const first = send(0);
      await untilLockWaiters(holder, 1); // the first render waits for the chain head
      const rest = Array.from({ length: 30 }, (_, i) => send(i + 1));
      await new Promise((resolve) => setTimeout(resolve, 1000)); // they queue behind the group in flight
      await holder.query('COMMIT');
      const answers = await Promise.all([first, ...rest]);
      expect(answers.map((r) => r.status)).toEqual(answers.map(() => 200));
      const { rows } = await holder.query<{ xmin: string; actor: string; request_id: string }>(
        `SELECT xmin::text, actor, request_id FROM audit_events WHERE request_id LIKE 'held-%' ORDER BY seq`,
      );
      expect(rows).toHaveLength(31);
      expect(new Set(rows.map((r) => r.request_id)).size).toBe(31);
      // one statement (one transaction id) for the first, and few for the 30 that queued meanwhile
      expect(new Set(rows.map((r) => r.xmin)).size).toBeLessThanOrEqual(4);
      const actors = Object.fromEntries((await auditOf(a, 'config.rendered')).filter((e) => e.requestId.startsWith('held-')).map((e) => [e.requestId, e.actor]));
      const actorOf = (i: number) => actors[`held-${i % 3}`];
      expect(new Set([0, 1, 2].map(actorOf)).size).toBe(3);
      for (let i = 0; i < 31; i++) expect(actors[`held-${i}`]).toBe(actorOf(i));
      expect((await a.http().get('/v1/audit/verify').set(admin).expect(200)).body.ok).toBe(true);
    } finally {
      await holder.end();
    }
  });

  it('renders through both processes racing a webhook creation through one of them', async () => {
    // both have cached the (empty) subscriptions
    await render(a, 'warm-a');
    await render(b, 'warm-b');
    const { hookId, rendered } = await race(a, [a, b], 'x');
    const createdSeq = (await auditOf(a, 'webhook.created')).find((e) => e.details.id === hookId)!.seq;
    const after = rendered.filter((e) => e.seq > createdSeq).map((e) => e.seq);
    expect(after.length).toBeGreaterThanOrEqual(30);
    expect(after.length).toBeLessThan(rendered.length);
    expect(await deliveredSeqs(a, hookId)).toEqual(after);
    expect((await b.http().get('/v1/audit/verify').set(admin).expect(200)).body.ok).toBe(true);
  });
});
