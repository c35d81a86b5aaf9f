import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
    const calls = Array.from({ length: 60 }, (_, i) => render(readers[i % readers.length]!.token, `race-${i}`).then((r) => r));
    const created = t
      .http()
      .post('/v1/webhooks')
      .set(admin)
      .send({ url: 'http://127.0.0.1:9/render-hook', events: ['config.rendered'] })
      .then((r) => r);
    const more = Array.from({ length: 60 }, (_, i) => render(readers[i % readers.length]!.token, `race-late-${i}`).then((r) => r));
    const [hook, ...answers] = await Promise.all([created, ...calls, ...more]);
    expect(hook!.status).toBe(201);
    expect(answers.every((a) => a.status === 200)).toBe(true);
    const createdSeq = (await auditOf(t, 'webhook.created')).find((e) => e.details.id === hook!.body.id)!.seq;
    const rendered = (await auditOf(t, 'config.rendered')).filter((e) => e.requestId.startsWith('race-'));
    expect(rendered).toHaveLength(120);
    const after = rendered.filter((e) => e.seq > createdSeq).map((e) => e.seq);
    expect(await deliveredSeqs(t, hook!.body.id)).toEqual(after);
    // and every render from now on
    await render(readers[1]!.token, 'race-after').expect(200);
    const last = (await auditOf(t, 'config.rendered')).find((e) => e.requestId === 'race-after')!.seq;
    expect((await deliveredSeqs(t, hook!.body.id)).at(-1)).toBe(last);
    const verify = await t.http().get('/v1/audit/verify').set(admin).expect(200);
    expect(verify.body.ok).toBe(true);
  });
});

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
    await a.http().post('/v1/clusters').set(admin).send({ name: 'shared', resourceGroup: 'rg' }).expect(201);
    await a.http().post('/v1/clusters/shared/configs').set(bearer(submitter)).send({ config: { httpProxy: 'http://p.corp.example:3128' }, reason: 'x' }).expect(201);
    await a.http().post('/v1/clusters/shared/configs/1/decisions').set(bearer(approver)).send({ decision: 'approve', comment: 'ok' }).expect(201);
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  const render = (app: TestApp, requestId: string) =>
    app.http().get('/v1/clusters/shared/configs/current/render?format=cli').set(bearer(reader)).set('x-request-id', requestId).then((r) => r);

  it('renders through both processes racing a webhook creation through one of them', async () => {
    // both have cached the (empty) subscriptions
    await render(a, 'warm-a');
    await render(b, 'warm-b');
    const early = Array.from({ length: 40 }, (_, i) => render(i % 2 ? a : b, `x-${i}`));
    const created = a.http().post('/v1/webhooks').set(admin).send({ url: 'http://127.0.0.1:9/x-hook', events: ['config.rendered'] }).then((r) => r);
    const late = Array.from({ length: 40 }, (_, i) => render(i % 2 ? a : b, `x-late-${i}`));
    const [hook, ...answers] = await Promise.all([created, ...early, ...late]);
    expect(hook!.status).toBe(201);
    expect(answers.every((r) => r.status === 200)).toBe(true);
    const createdSeq = (await auditOf(a, 'webhook.created')).find((e) => e.details.id === hook!.body.id)!.seq;
    const rendered = (await auditOf(a, 'config.rendered')).filter((e) => e.requestId.startsWith('x-'));
    expect(rendered).toHaveLength(80);
    expect(new Set(rendered.map((e) => e.requestId)).size).toBe(80);
    expect(await deliveredSeqs(a, hook!.body.id)).toEqual(rendered.filter((e) => e.seq > createdSeq).map((e) => e.seq));
    expect((await b.http().get('/v1/audit/verify').set(admin).expect(200)).body.ok).toBe(true);
  });
});
