import { lookup } from 'node:dns/promises';
import { hostname } from 'node:os';
import { HTTP } from 'cloudevents';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testCertificates } from './support/certificates';
import { eventIdOf, type Receiver, startReceiver, verifyDelivery } from './support/receiver';
import { ADMIN_TOKEN, bearer, DATABASE, startTestApp, type TestApp } from './support/test-app';

// ../shared/API.md "Events and webhooks": real receivers on loopback, signatures checked with the standardwebhooks
// package, CloudEvents read back with the cloudevents package, Adaptive Cards parsed with adaptivecards.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const AdaptiveCards = require('adaptivecards/dist/adaptivecards.js') as typeof import('adaptivecards');

const FAST = {
  WEBHOOK_ALLOW_PRIVATE: 'true',
  WEBHOOK_BACKOFF_BASE_MS: '40',
  WEBHOOK_TIMEOUT_MS: '2000', // an answer later than this is retried: long enough that a loaded machine does not deliver twice
  WEBHOOK_POLL_MS: '500',
  PUBLIC_URL: 'https://proxy-config.example.com/',
};
const admin = bearer(ADMIN_TOKEN);

describe(`webhooks (${DATABASE})`, () => {
  let t: TestApp;
  let alice: string; // submitter
  let bob: string; // approver
  let reader: string;
  const receivers: Receiver[] = [];
  const certs = testCertificates();
  const config = {
    httpProxy: 'http://proxy.corp.example:3128/',
    httpsProxy: 'http://proxy.corp.example:3128/',
    noProxy: ['.corp.example', 'svc.cluster.local'],
    trustedCa: certs.caBase64,
  };

  async function receiver(answer: Receiver['answer'] = 200): Promise<Receiver> {
    const r = await startReceiver(answer);
    receivers.push(r);
    return r;
  }
  async function subscribe(body: object): Promise<{ id: string; secret: string }> {
    const res = await t.http().post('/v1/webhooks').set(admin).send(body);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body;
  }
  async function cluster(name: string, extra: object = {}): Promise<void> {
    await t.http().post('/v1/clusters').set(bearer(alice)).send({ name, resourceGroup: 'rg-hooks', ...extra }).expect(201);
  }
  const submit = (name: string, body: object) => t.http().post(`/v1/clusters/${name}/configs`).set(bearer(alice)).send(body);
  const approve = (name: string, v: number) => t.http().post(`/v1/clusters/${name}/configs/${v}/decisions`).set(bearer(bob)).send({ decision: 'approve', comment: 'lgtm' });
  const deliveries = async (id: string) => (await t.http().get(`/v1/webhooks/${id}/deliveries?limit=200`).set(admin).expect(200)).body.items as Record<string, any>[];
  async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string, timeoutMs = 15_000): Promise<T> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const v = await read();
      if (ok(v)) return v;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v).slice(0, 1500)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  beforeAll(async () => {
    t = await startTestApp({ clock: { now: () => certs.now }, env: FAST });
    [alice, bob, reader] = await Promise.all([t.key('alice', ['submitter']), t.key('bob', ['approver']), t.key('rita', ['reader'])]);
  });
  afterAll(async () => {
    await t?.close();
    await Promise.all(receivers.map((r) => r.close()));
  });

  it('subscriptions: create (secret once, Location), get, list, patch, rotate, delete; audited without the URL', async () => {
    const url = 'https://hooks.example.com/services/T000/B000/very-secret-token';
    const created = await t.http().post('/v1/webhooks').set(admin).send({ url, events: ['config.approved'], clusters: ['Prod-A'], description: 'deploy bot' });
    expect(created.status).toBe(201);
    expect(created.headers.location).toBe(`/v1/webhooks/${created.body.id}`);
    expect(created.headers['cache-control']).toBe('no-store');
    expect(created.body).toMatchObject({ url, events: ['config.approved'], clusters: ['prod-a'], format: 'cloudevents', enabled: true, description: 'deploy bot', createdBy: 'admin' });
    expect(created.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(created.body.secret.slice(6), 'base64')).toHaveLength(32);
    const id = created.body.id as string;

    const got = await t.http().get(`/v1/webhooks/${id}`).set(admin).expect(200);
    expect(got.body.secret).toBeUndefined();
    expect(got.text).not.toContain(created.body.secret.slice(6));
    const list = await t.http().get('/v1/webhooks').set(admin).expect(200);
    expect(list.body.items.map((w: { id: string }) => w.id)).toContain(id);
    expect(list.text).not.toContain('whsec_');

    const patched = await t.http().patch(`/v1/webhooks/${id}`).set(admin).send({ events: ['*'], enabled: false, format: 'slack' });
    expect(patched.status, 'format is not changeable').toBe(400);
    const patched2 = await t.http().patch(`/v1/webhooks/${id}`).set(admin).send({ events: ['config.submitted', '*'], enabled: false });
    expect(patched2.status).toBe(200);
    expect(patched2.body).toMatchObject({ events: ['*'], enabled: false });

    const rotated = await t.http().post(`/v1/webhooks/${id}/rotate-secret`).set(admin).expect(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(created.body.secret);

    await t.http().delete(`/v1/webhooks/${id}`).set(admin).expect(204);
    const gone = await t.http().get(`/v1/webhooks/${id}`).set(admin);
    expect(gone.status).toBe(404);
    expect(gone.body.code).toBe('WEBHOOK_NOT_FOUND');
    // an id that cannot be one names no webhook either
    const malformed = await t.http().get('/v1/webhooks/not-a-uuid').set(admin);
    expect([malformed.status, malformed.body.code]).toEqual([404, 'WEBHOOK_NOT_FOUND']);

    const audit = await t.http().get('/v1/audit?limit=200').set(bearer(reader)).expect(200);
    const mine = audit.body.items.filter((e: { action: string; details: { id?: string } }) => e.action.startsWith('webhook.') && e.details.id === id);
    expect(mine.map((e: { action: string }) => e.action)).toEqual(['webhook.created', 'webhook.updated', 'webhook.updated', 'webhook.deleted']);
    expect(JSON.stringify(mine)).not.toContain('very-secret-token');
    expect(JSON.stringify(mine)).not.toContain('whsec_');
    // the secret is not stored in plain text
    const db = (t.app.get((await import('../src/database/database.service')).DatabaseService) as { prisma: any }).prisma;
    const rows = await db.$queryRawUnsafe('SELECT secret_encrypted FROM webhooks');
    expect(JSON.stringify(rows)).not.toContain(rotated.body.secret.slice(6));
  });

  it('null for a field of PATCH, or a URL with a newline or a space, is 400 (never a 500); a route without a body takes a JSON Content-Type with no body', async () => {
    const r = await receiver();
    const { id } = await subscribe({ url: r.url, events: ['config.approved'] });
    for (const body of [{ events: null }, { enabled: null }, { description: null }, { url: null }]) {
      const res = await t.http().patch(`/v1/webhooks/${id}`).set(admin).send(body);
      expect([res.status, res.body.code], JSON.stringify(body)).toEqual([400, 'BAD_REQUEST']);
    }
    for (const url of [`${r.url}\nx`, `${r.url}/a b`, ` ${r.url}`, `${r.url}\t`]) {
      const created = await t.http().post('/v1/webhooks').set(admin).send({ url, events: ['*'] });
      expect([created.status, created.body.code], JSON.stringify(url)).toEqual([400, 'BAD_REQUEST']);
      const patched = await t.http().patch(`/v1/webhooks/${id}`).set(admin).send({ url });
      expect([patched.status, patched.body.code], JSON.stringify(url)).toEqual([400, 'BAD_REQUEST']);
    }
    const kept = await t.http().get(`/v1/webhooks/${id}`).set(admin).expect(200);
    expect(kept.body).toMatchObject({ url: r.url, events: ['config.approved'], enabled: true, description: '' });
    // clients that send Content-Type: application/json on every request, with no body
    const json = { ...admin, 'content-type': 'application/json' };
    expect((await t.http().post(`/v1/webhooks/${id}/ping`).set(json).send('')).status).toBe(202);
    expect((await t.http().post(`/v1/webhooks/${id}/rotate-secret`).set(json).send('')).status).toBe(200);
    const noDelivery = await t.http().post(`/v1/webhooks/${id}/deliveries/not-a-uuid/redeliver`).set(json).send('');
    expect([noDelivery.status, noDelivery.body.code]).toEqual([404, 'DELIVERY_NOT_FOUND']);
    // a route that needs a body still says so
    const empty = await t.http().post('/v1/webhooks').set(json).send('');
    expect([empty.status, empty.body.code]).toEqual([400, 'BAD_REQUEST']);
    expect((await t.http().delete(`/v1/webhooks/${id}`).set(json).send('')).status).toBe(204);
  });

  it('bad subscriptions are 400 BAD_REQUEST', async () => {
    for (const body of [
      { url: 'ftp://hooks.example.com/x', events: ['*'] },
      { url: 'https://user:pass@hooks.example.com/x', events: ['*'] },
      { url: 'not a url', events: ['*'] },
      { url: 'https://hooks.example.com/x', events: [] },
      { url: 'https://hooks.example.com/x', events: ['config.exploded'] },
      { url: 'https://hooks.example.com/x', events: ['*'], format: 'pigeon' },
      { url: 'https://hooks.example.com/x', events: ['*'], clusters: ['no spaces'] },
    ]) {
      const res = await t.http().post('/v1/webhooks').set(admin).send(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.code).toBe('BAD_REQUEST');
    }
  });

  it('one approval story: submitted, decided, approved arrive once each, signed, as CloudEvents, Slack and Teams', async () => {
    const ce = await receiver();
    const slack = await receiver();
    const teams = await receiver();
    const events = ['config.submitted', 'config.decided', 'config.approved'];
    const hookCe = await subscribe({ url: ce.url, events });
    const hookSlack = await subscribe({ url: slack.url, events, format: 'slack' });
    const hookTeams = await subscribe({ url: teams.url, events, format: 'teams' });
    await cluster('story');
    await submit('story', { config, reason: 'route registry through the proxy', changeTicket: 'CHG-1234' }).expect(201);
    await approve('story', 1).expect(201);

    for (const r of [ce, slack, teams]) await r.waitFor((got) => got.length >= 3, 15_000, 'three deliveries');
    await new Promise((r) => setTimeout(r, 300)); // nothing more arrives
    for (const [r, hook] of [[ce, hookCe], [slack, hookSlack], [teams, hookTeams]] as const) {
      expect(r.received).toHaveLength(3);
      for (const got of r.received) {
        expect(() => verifyDelivery(hook.secret, got)).not.toThrow();
        expect(got.headers['webhook-id']).toMatch(/^evt_\d+$/);
        expect(Math.abs(Number(got.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(60);
        expect(got.body).not.toContain(certs.caBase64);
        expect(got.body).not.toContain('BEGIN CERTIFICATE');
      }
      // a receiver with another secret would refuse it
      expect(() => verifyDelivery(`whsec_${Buffer.alloc(32, 1).toString('base64')}`, r.received[0])).toThrow();
      expect(new Set(r.received.map(eventIdOf)).size).toBe(3);
    }

    // CloudEvents, read back with the SDK
    const parsed = ce.received.map((r) => HTTP.toEvent({ headers: r.headers, body: r.body }) as any);
    expect(ce.received[0].headers['content-type']).toMatch(/^application\/cloudevents\+json/);
    expect(parsed.map((e) => e.type)).toEqual(['com.aksproxy.config.submitted', 'com.aksproxy.config.decided', 'com.aksproxy.config.approved']);
    for (const [i, e] of parsed.entries()) {
      expect(e.specversion).toBe('1.0');
      expect(e.id).toBe(ce.received[i].headers['webhook-id']);
      expect(e.id).toBe(`evt_${e.data.event.seq}`);
      expect(e.source).toBe('/v1/clusters/story');
      expect(e.subject).toBe('/v1/clusters/story/configs/1');
      expect(e.time).toBe(e.data.event.at);
      expect(e.data.event).toMatchObject({ cluster: 'story', version: 1, action: e.type.replace('com.aksproxy.', '') });
      expect(e.data.version).toMatchObject({ cluster: 'story', version: 1, reason: 'route registry through the proxy', changeTicket: 'CHG-1234' });
      expect(e.data.version.config.trustedCa).toBeUndefined();
      expect(e.data.version.certificates[0].sha256Fingerprint).toMatch(/^[0-9a-f]{64}$/);
    }
    expect(parsed[0].data.version.status).toBe('pending');
    expect(parsed[2].data.version).toMatchObject({ status: 'approved', decisions: [{ actor: 'bob', decision: 'approve' }] });
    // the delivery's eventId is the webhook-id
    const ceDeliveries = await deliveries(hookCe.id);
    expect(ceDeliveries.map((d) => d.eventId).sort()).toEqual(parsed.map((e) => e.id).sort());
    expect(ceDeliveries.every((d) => d.status === 'delivered' && d.attempts === 1 && d.lastStatus === 200 && d.deliveredAt && d.nextAttemptAt === null)).toBe(true);

    // Slack: text + Block Kit blocks naming cluster, version, actor, reason, ticket, approvals, diff summary, link
    const approvedSlack = slack.received.map((r) => JSON.parse(r.body)).at(-1);
    expect(approvedSlack.text).toContain('story v1 is approved');
    const slackText = JSON.stringify(approvedSlack.blocks);
    for (const part of ['story', 'CHG-1234', 'route registry through the proxy', 'alice', '1 of 1 (bob)', 'https://proxy-config.example.com/v1/clusters/story/configs/1']) {
      expect(slackText).toContain(part);
    }
    expect(approvedSlack.blocks[0]).toMatchObject({ type: 'header', text: { type: 'plain_text' } });
    expect(approvedSlack.blocks.some((b: { type: string; text?: { text: string } }) => b.type === 'section' && b.text?.text.startsWith('*Change:*'))).toBe(true);
    const submittedSlack = JSON.parse(slack.received[0].body);
    expect(submittedSlack.text).toContain('alice submitted story v1: waits for approval');

    // Teams: one Adaptive Card attachment that the adaptivecards library parses without complaint
    for (const r of teams.received) {
      const msg = JSON.parse(r.body);
      expect(msg.type).toBe('message');
      expect(msg.attachments).toHaveLength(1);
      expect(msg.attachments[0].contentType).toBe('application/vnd.microsoft.card.adaptive');
      const card = new AdaptiveCards.AdaptiveCard();
      const context = new AdaptiveCards.SerializationContext();
      card.parse(msg.attachments[0].content, context);
      expect(context.eventCount, 'adaptivecards reported problems').toBe(0);
      expect(card.validateProperties().validationEvents).toEqual([]);
      expect(card.toJSON()).toMatchObject({ type: 'AdaptiveCard', version: '1.4', body: msg.attachments[0].content.body });
    }
    const decided = JSON.stringify(JSON.parse(teams.received[1].body));
    for (const part of ['bob approved story v1', 'CHG-1234', 'Approvals', '1 of 1 (bob)', 'Action.OpenUrl']) expect(decided).toContain(part);
  });

  it('filters by event type and by cluster', async () => {
    const onlyApprovedA = await receiver();
    const allOfB = await receiver();
    const everything = await receiver();
    await cluster('filter-a');
    await cluster('filter-b');
    await subscribe({ url: onlyApprovedA.url, events: ['config.approved'], clusters: ['filter-a'] });
    await subscribe({ url: allOfB.url, events: ['*'], clusters: ['FILTER-B'] });
    const all = await subscribe({ url: everything.url, events: ['*'] });
    for (const name of ['filter-a', 'filter-b']) {
      await submit(name, { config: { httpProxy: 'http://proxy.corp.example:3128/' }, reason: 'filters' }).expect(201);
      await approve(name, 1).expect(201);
    }
    await t.key('filter-key', ['reader']); // apikey.created: no cluster
    await everything.waitFor((got) => got.some((r) => JSON.parse(r.body).type === 'com.aksproxy.apikey.created'), 15_000, 'apikey.created');
    await allOfB.waitFor((got) => got.length >= 3, 15_000, 'b events');
    await onlyApprovedA.waitFor((got) => got.length >= 1, 15_000, 'approved on a');
    await new Promise((r) => setTimeout(r, 300));
    const types = (r: Receiver) => r.received.map((x) => (HTTP.toEvent({ headers: x.headers, body: x.body }) as any)).map((e) => `${e.type}@${e.source}`);
    expect(types(onlyApprovedA)).toEqual(['com.aksproxy.config.approved@/v1/clusters/filter-a']);
    expect(types(allOfB).sort()).toEqual(
      ['com.aksproxy.config.approved', 'com.aksproxy.config.decided', 'com.aksproxy.config.submitted'].map((x) => `${x}@/v1/clusters/filter-b`).sort(),
    );
    expect(types(everything)).toContain('com.aksproxy.apikey.created@/v1');
    expect(types(everything)).toContain('com.aksproxy.config.submitted@/v1/clusters/filter-a');
    const apikey = everything.received.map((x) => HTTP.toEvent({ headers: x.headers, body: x.body }) as any).find((e) => e.type === 'com.aksproxy.apikey.created');
    expect(apikey.subject).toBeUndefined();
    expect(apikey.data.event.details.name).toBe('filter-key');
    // a webhook is not sent the event of its own creation, but gets the creation of later ones
    const created = everything.received.map((x) => HTTP.toEvent({ headers: x.headers, body: x.body }) as any).filter((e) => e.type === 'com.aksproxy.webhook.created');
    expect(created.map((e) => e.data.event.details.id)).not.toContain(all.id);
    const later = await subscribe({ url: onlyApprovedA.url, events: ['config.rejected'] });
    await everything.waitFor((got) => got.some((x) => x.body.includes(later.id)), 15_000, 'the later webhook.created');
  });

  it('a receiver down for a while (500, closed connection, no answer) then back: retried with backoff, delivered, every attempt recorded', async () => {
    const r = await receiver((n) => (n === 1 ? 500 : n === 2 ? 'close' : n === 3 ? 'hang' : 200));
    const hook = await subscribe({ url: r.url, events: ['cluster.created'] });
    await cluster('flaky');
    await r.waitFor((got) => got.length >= 4, 20_000, 'four attempts');
    const [d] = await until(() => deliveries(hook.id), (ds) => ds[0]?.status === 'delivered', 'delivered');
    expect(d).toMatchObject({ status: 'delivered', attempts: 4, lastStatus: 200, lastError: null });
    const one = await t.http().get(`/v1/webhooks/${hook.id}/deliveries/${d.id}`).set(admin).expect(200);
    expect(one.body.attemptLog.map((a: { statusCode: number | null }) => a.statusCode)).toEqual([500, null, null, 200]);
    expect(one.body.attemptLog[0].responseBody.length).toBeLessThanOrEqual(1024);
    expect(one.body.attemptLog[0].error).toMatch(/500/);
    expect(one.body.attemptLog[2].error).toMatch(/no complete answer within 2000 ms/);
    // the same event id and a valid signature on every attempt (timestamps per attempt)
    expect(new Set(r.received.map(eventIdOf)).size).toBe(1);
    for (const got of r.received) expect(() => verifyDelivery(hook.secret, got)).not.toThrow();
    // backoff: later attempts wait longer than the first retry
    const gaps = r.received.slice(1).map((x, i) => x.at - r.received[i].at);
    expect(gaps[0]).toBeGreaterThanOrEqual(15);
  });

  it('a delivery that never succeeds is failed after WEBHOOK_MAX_ATTEMPTS; a 410 disables the webhook', async () => {
    const failing = await startTestApp({ env: { ...FAST, WEBHOOK_MAX_ATTEMPTS: '3' } });
    try {
      const down = await receiver(503);
      const created = await failing.http().post('/v1/webhooks').set(admin).send({ url: down.url, events: ['cluster.created'] }).expect(201);
      await failing.http().post('/v1/clusters').set(admin).send({ name: 'never', resourceGroup: 'rg' }).expect(201);
      const list = await until(
        async () => (await failing.http().get(`/v1/webhooks/${created.body.id}/deliveries`).set(admin).expect(200)).body.items,
        (items: any[]) => items[0]?.status === 'failed',
        'failed',
      );
      expect(list[0]).toMatchObject({ status: 'failed', attempts: 3, lastStatus: 503, nextAttemptAt: null });
      expect(down.received).toHaveLength(3);
    } finally {
      await failing.close();
    }

    const gone = await receiver(410);
    const hook = await subscribe({ url: gone.url, events: ['cluster.created', 'cluster.updated'] });
    await cluster('gone-1');
    const [d] = await until(() => deliveries(hook.id), (ds) => ds[0]?.status === 'failed', 'failed on 410');
    expect(d).toMatchObject({ attempts: 1, lastStatus: 410 });
    const webhook = await t.http().get(`/v1/webhooks/${hook.id}`).set(admin).expect(200);
    expect(webhook.body.enabled).toBe(false);
    const audit = await t.http().get('/v1/audit?action=webhook.updated&limit=200').set(bearer(reader)).expect(200);
    expect(audit.body.items.find((e: { details: { id: string } }) => e.details.id === hook.id)).toMatchObject({ actor: 'system', details: { enabled: false } });
    await cluster('gone-2');
    await new Promise((r) => setTimeout(r, 300));
    expect(gone.received).toHaveLength(1);
    expect(await deliveries(hook.id)).toHaveLength(1);
  });

  it('a receiver that never answers holds at most WEBHOOK_CONCURRENCY attempts; requests keep being served', async () => {
    const bounded = await startTestApp({ env: { ...FAST, WEBHOOK_CONCURRENCY: '2', WEBHOOK_TIMEOUT_MS: '5000' } });
    try {
      const silent = await receiver('hang');
      await bounded.http().post('/v1/webhooks').set(admin).send({ url: silent.url, events: ['cluster.created'] }).expect(201);
      for (let i = 0; i < 6; i++) await bounded.http().post('/v1/clusters').set(admin).send({ name: `silent-${i}`, resourceGroup: 'rg' }).expect(201);
      await silent.waitFor((got) => got.length >= 2, 15_000, 'two attempts');
      const started = silent.received.length;
      for (let i = 0; i < 5; i++) await bounded.http().get('/v1/clusters?limit=10').set(admin).expect(200);
      await new Promise((r) => setTimeout(r, 500));
      expect(started).toBe(2);
      expect(silent.received).toHaveLength(2); // the other four wait for a free slot
    } finally {
      await bounded.close();
    }
  });

  it('redeliver sends the same event again (same webhook-id); ping sends com.aksproxy.ping', async () => {
    const r = await receiver();
    const hook = await subscribe({ url: r.url, events: ['cluster.created'] });
    await cluster('again');
    await r.waitFor((got) => got.length === 1);
    const [first] = await until(() => deliveries(hook.id), (ds) => ds[0]?.status === 'delivered', 'delivered');
    const again = await t.http().post(`/v1/webhooks/${hook.id}/deliveries/${first.id}/redeliver`).set(admin);
    expect(again.status).toBe(202);
    expect(again.body).toMatchObject({ eventId: first.eventId, status: 'pending', type: 'com.aksproxy.cluster.created' });
    expect(again.body.id).not.toBe(first.id);
    await r.waitFor((got) => got.length === 2);
    expect(r.received.map(eventIdOf)).toEqual([first.eventId, first.eventId]);
    expect(r.received[1].body).toBe(r.received[0].body);
    expect(() => verifyDelivery(hook.secret, r.received[1])).not.toThrow();
    const missing = await t.http().post(`/v1/webhooks/${hook.id}/deliveries/00000000-0000-4000-8000-000000000000/redeliver`).set(admin);
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('DELIVERY_NOT_FOUND');

    const ping = await t.http().post(`/v1/webhooks/${hook.id}/ping`).set(admin);
    expect(ping.status).toBe(202);
    expect(ping.body.eventId).toMatch(/^evt_ping_/);
    await r.waitFor((got) => got.length === 3);
    const event = HTTP.toEvent({ headers: r.received[2].headers, body: r.received[2].body }) as any;
    expect(event).toMatchObject({ id: ping.body.eventId, type: 'com.aksproxy.ping', source: '/v1' });
    expect(eventIdOf(r.received[2])).toBe(ping.body.eventId);
    expect(() => verifyDelivery(hook.secret, r.received[2])).not.toThrow();
    // newest first
    const list = await deliveries(hook.id);
    expect(list.map((d) => d.id)).toEqual([ping.body.id, again.body.id, first.id]);
    const paged = await t.http().get(`/v1/webhooks/${hook.id}/deliveries?limit=2`).set(admin).expect(200);
    expect(paged.body.items).toHaveLength(2);
    expect(paged.headers.link).toContain('cursor=');
    const next = await t.http().get(`/v1/webhooks/${hook.id}/deliveries?limit=2&cursor=${paged.body.nextCursor}`).set(admin).expect(200);
    expect(next.body.items.map((d: { id: string }) => d.id)).toEqual([first.id]);

    // a rotated secret signs the next attempt
    const rotated = await t.http().post(`/v1/webhooks/${hook.id}/rotate-secret`).set(admin).expect(200);
    await t.http().post(`/v1/webhooks/${hook.id}/ping`).set(admin).expect(202);
    await r.waitFor((got) => got.length === 4);
    expect(() => verifyDelivery(rotated.body.secret, r.received[3])).not.toThrow();
    expect(() => verifyDelivery(hook.secret, r.received[3])).toThrow();
  });

  it('metrics: attempts by outcome, attempt duration and latency histograms, oldest pending age', async () => {
    const res = await t.http().get('/metrics').expect(200);
    expect(res.text).toMatch(/^aksproxy_webhook_delivery_attempts_total\{outcome="delivered"\} [1-9]/m);
    expect(res.text).toMatch(/^aksproxy_webhook_delivery_attempts_total\{outcome="retry"\} [1-9]/m);
    expect(res.text).toMatch(/^aksproxy_webhook_delivery_attempt_duration_seconds_bucket\{/m);
    expect(res.text).toMatch(/^aksproxy_webhook_delivery_latency_seconds_count [1-9]/m);
    expect(res.text).toMatch(/^aksproxy_webhook_oldest_pending_delivery_age_seconds \d/m);
  });

  it('the inbox: GET /v1/configs across clusters, newest first, filtered, paginated; unknown status is 400', async () => {
    const plain = (n: number) => ({ httpProxy: `http://proxy${n}.corp.example:3128/` });
    const inboxApp = await startTestApp({ env: FAST });
    try {
      const s = await inboxApp.key('sue', ['submitter']);
      const r = await inboxApp.key('rex', ['reader']);
      for (const name of ['inbox-a', 'inbox-b', 'inbox-c']) await inboxApp.http().post('/v1/clusters').set(bearer(s)).send({ name, resourceGroup: 'rg' }).expect(201);
      const order: string[] = [];
      for (const [i, name] of ['inbox-a', 'inbox-b', 'inbox-c', 'inbox-a'].entries()) {
        await inboxApp.http().post(`/v1/clusters/${name}/configs`).set(bearer(i === 2 ? ADMIN_TOKEN : s)).send({ config: plain(i), reason: 'inbox', changeTicket: i === 1 ? 'CHG-9' : undefined }).expect(201);
        order.push(`${name}/${i === 3 ? 2 : 1}`);
        await new Promise((res) => setTimeout(res, 5));
      }
      const get = (q: string) => inboxApp.http().get(`/v1/configs${q}`).set(bearer(r));
      const all = await get('').expect(200);
      expect(all.body.items.map((v: { cluster: string; version: number }) => `${v.cluster}/${v.version}`)).toEqual([...order].reverse());
      const pending = await get('?status=pending').expect(200);
      // inbox-a v1 was superseded by v2
      expect(pending.body.items.map((v: { cluster: string; version: number }) => `${v.cluster}/${v.version}`)).toEqual(['inbox-a/2', 'inbox-c/1', 'inbox-b/1']);
      expect((await get('?cluster=INBOX-A').expect(200)).body.items.map((v: { version: number }) => v.version)).toEqual([2, 1]);
      expect((await get('?submittedBy=admin').expect(200)).body.items.map((v: { cluster: string }) => v.cluster)).toEqual(['inbox-c']);
      expect((await get('?changeTicket=CHG-9').expect(200)).body.items.map((v: { cluster: string }) => v.cluster)).toEqual(['inbox-b']);
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const p: any = await get(`?limit=1${cursor ? `&cursor=${cursor}` : ''}`).expect(200);
        seen.push(...p.body.items.map((v: { cluster: string; version: number }) => `${v.cluster}/${v.version}`));
        if (p.body.nextCursor) expect(p.headers.link).toContain('rel="next"');
        cursor = p.body.nextCursor;
      } while (cursor);
      expect(seen).toEqual([...order].reverse());
      const bad = await get('?status=waiting');
      expect(bad.status).toBe(400);
      expect(bad.body.code).toBe('BAD_REQUEST');
      expect((await get('?cursor=garbage')).status).toBe(400);
      expect((await inboxApp.http().get('/v1/configs')).status).toBe(401);
    } finally {
      await inboxApp.close();
    }
  });
});

describe(`webhook address guard (${DATABASE})`, () => {
  let t: TestApp;
  const receivers: Receiver[] = [];
  beforeAll(async () => {
    t = await startTestApp({ env: { WEBHOOK_BACKOFF_BASE_MS: '40', WEBHOOK_POLL_MS: '500' } });
  });
  afterAll(async () => {
    await t?.close();
    await Promise.all(receivers.map((r) => r.close()));
  });

  it('refuses loopback, private, link-local and metadata literals unless WEBHOOK_ALLOW_PRIVATE', async () => {
    for (const url of [
      'http://127.0.0.1:8080/hook',
      'http://localhost/hook',
      'http://LOCALHOST./hook',
      'http://[::1]/hook',
      'http://10.1.2.3/hook',
      'http://192.168.0.10/hook',
      'http://172.16.5.5/hook',
      'http://169.254.169.254/metadata/instance',
      'http://168.63.129.16/',
      'http://[fd00:ec2::254]/',
      'http://[::ffff:127.0.0.1]/',
      'http://0.0.0.0/',
      'http://100.64.0.1/',
      'http://[fe80::1]/',
    ]) {
      const res = await t.http().post('/v1/webhooks').set(admin).send({ url, events: ['*'] });
      expect(res.status, url).toBe(400);
      expect(res.body.code).toBe('BAD_REQUEST');
    }
    // (events that never happen here: no test traffic leaves loopback, not even a DNS query)
    await t.http().post('/v1/webhooks').set(admin).send({ url: 'https://hooks.example.com/x', events: ['apikey.revoked'] }).expect(201);
    // changing the URL is checked the same way
    const created = await t.http().post('/v1/webhooks').set(admin).send({ url: 'https://8.8.8.8/x', events: ['apikey.revoked'] }).expect(201);
    expect((await t.http().patch(`/v1/webhooks/${created.body.id}`).set(admin).send({ url: 'http://10.0.0.1/' })).status).toBe(400);
  });

  it('checks a host name after resolution, at delivery: a name that resolves to loopback gets nothing', async (ctx) => {
    const name = hostname();
    const resolved = await lookup(name).catch(() => null);
    if (!resolved || !['127.0.0.1', '::1'].includes(resolved.address) && !resolved.address.startsWith('127.')) ctx.skip();
    const r = await startReceiver();
    receivers.push(r);
    const url = r.url.replace('127.0.0.1', name);
    const created = await t.http().post('/v1/webhooks').set(admin).send({ url, events: ['cluster.created'] });
    expect(created.status).toBe(201); // a name: checked when delivering
    await t.http().post('/v1/clusters').set(admin).send({ name: 'rebind', resourceGroup: 'rg' }).expect(201);
    const until = Date.now() + 10_000;
    let d: any;
    for (;;) {
      const res = await t.http().get(`/v1/webhooks/${created.body.id}/deliveries`).set(admin).expect(200);
      d = res.body.items[0];
      if (d?.attempts >= 2 || Date.now() > until) break;
      await new Promise((res2) => setTimeout(res2, 50));
    }
    expect(d.status).toBe('pending');
    expect(d.lastError).toMatch(/resolves to a loopback address/);
    expect(r.received).toHaveLength(0);
  });
});
