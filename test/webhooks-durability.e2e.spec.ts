import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { eventIdOf, type Receiver, startReceiver, verifyDelivery } from './support/receiver';
import { ADMIN_TOKEN, bearer, DATABASE, startTestApp, type TestApp } from './support/test-app';

// At least once, across restarts and processes (API.md "Events and webhooks"): the key that seals the secrets,
// SIGTERM with an attempt in flight, and on PostgreSQL two processes sharing the work without sending an attempt twice.
const admin = bearer(ADMIN_TOKEN);
const FAST = { WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_BACKOFF_BASE_MS: '40', WEBHOOK_TIMEOUT_MS: '2000', WEBHOOK_POLL_MS: '300' };

const dirs: string[] = [];
const receivers: Receiver[] = [];
const apps: TestApp[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hooks-'));
  dirs.push(dir);
  return dir;
}
async function receiver(answer: Receiver['answer'] = 200): Promise<Receiver> {
  const r = await startReceiver(answer);
  receivers.push(r);
  return r;
}
async function start(options: Parameters<typeof startTestApp>[0]): Promise<TestApp> {
  const t = await startTestApp(options);
  apps.push(t);
  return t;
}
/** Stops an app without dropping its database (another app may still use it; the first app's close drops it later). */
const stopOnly = (t: TestApp) => t.app.close();

afterAll(async () => {
  for (const t of apps.reverse()) await t.close().catch(() => undefined);
  await Promise.all(receivers.map((r) => r.close()));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v).slice(0, 1000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe(`webhook durability (${DATABASE})`, { timeout: 180_000 }, () => {
  it('without WEBHOOK_SECRET_KEY the key is generated into DATA_DIR (0600) and reused; a wrong key stops start-up naming WEBHOOK_SECRET_KEY', async () => {
    const dataDir = tempDir();
    const r = await receiver();
    const first = await start({ env: { ...FAST, DATA_DIR: dataDir } });
    const keyFile = join(dataDir, 'webhook-secret.key');
    expect(existsSync(keyFile), 'no key file before the first webhook').toBe(false);
    const hook = (await first.http().post('/v1/webhooks').set(admin).send({ url: r.url, events: ['cluster.created'] }).expect(201)).body;
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const shared = first.databaseUrl ? { sharedDatabaseUrl: first.databaseUrl } : {};
    if (!first.databaseUrl) await stopOnly(first); // PGlite: one process per data directory

    // the same DATA_DIR: the same key, the stored secret still signs
    const second = await start({ env: { ...FAST, DATA_DIR: dataDir }, ...shared });
    await second.http().post('/v1/clusters').set(admin).send({ name: 'after-restart', resourceGroup: 'rg' }).expect(201);
    await r.waitFor((got) => got.length >= 1);
    expect(() => verifyDelivery(hook.secret, r.received[0])).not.toThrow();
    if (!first.databaseUrl) await stopOnly(second);

    // another key cannot read the stored secrets: start-up stops and says which variable to fix
    const wrongKey = randomBytes(32).toString('base64');
    const refused = await startTestApp({ env: { ...FAST, DATA_DIR: first.databaseUrl ? tempDir() : dataDir, WEBHOOK_SECRET_KEY: wrongKey }, ...shared }).then(
      (t) => {
        apps.push(t);
        return null;
      },
      (e: Error) => e,
    );
    expect(refused?.message).toMatch(/^WEBHOOK_SECRET_KEY: .*cannot decrypt 1 of 1 stored webhook secrets/);
    if (!first.databaseUrl) {
      // the refused start released the directory: the right key starts again
      const again = await start({ env: { ...FAST, DATA_DIR: dataDir } });
      await stopOnly(again);
      // a lost key file: no key at all for the stored secrets also stops start-up, naming the variable
      rmSync(keyFile);
      const lost = await startTestApp({ env: { ...FAST, DATA_DIR: dataDir } }).then(
        (t) => {
          apps.push(t);
          return null;
        },
        (e: Error) => e,
      );
      expect(lost?.message).toMatch(/^WEBHOOK_SECRET_KEY: 1 webhook secrets are stored but there is no key/);
    }
  });

  it('SIGTERM with an attempt in flight: the attempt is cut after a short grace, left due, and the next process delivers it', async () => {
    const dataDir = tempDir();
    const key = randomBytes(32).toString('base64');
    const r = await receiver((n) => (n === 1 ? 'hang' : 200));
    const env = { ...FAST, WEBHOOK_TIMEOUT_MS: '30000', DATA_DIR: dataDir, WEBHOOK_SECRET_KEY: key };
    const first = await start({ env });
    const hook = (await first.http().post('/v1/webhooks').set(admin).send({ url: r.url, events: ['cluster.created'] }).expect(201)).body;
    await first.http().post('/v1/clusters').set(admin).send({ name: 'in-flight', resourceGroup: 'rg' }).expect(201);
    await r.waitFor((got) => got.length === 1);
    const next = first.databaseUrl ? await start({ env: { ...env, DATA_DIR: tempDir() }, sharedDatabaseUrl: first.databaseUrl }) : null;
    const t0 = Date.now();
    await stopOnly(first);
    expect(Date.now() - t0).toBeLessThan(8_000); // not the 30 s attempt timeout
    const survivor = next ?? (await start({ env }));
    await r.waitFor((got) => got.length === 2, 20_000, 'the second attempt');
    expect(eventIdOf(r.received[1])).toBe(eventIdOf(r.received[0]));
    expect(() => verifyDelivery(hook.secret, r.received[1])).not.toThrow();
    const [d] = await until(
      async () => (await survivor.http().get(`/v1/webhooks/${hook.id}/deliveries`).set(admin).expect(200)).body.items,
      (items: any[]) => items[0]?.status === 'delivered',
      'delivered',
    );
    const attempts = (await survivor.http().get(`/v1/webhooks/${hook.id}/deliveries/${d.id}`).set(admin).expect(200)).body.attemptLog;
    expect(attempts).toHaveLength(2);
    expect(attempts[0]).toMatchObject({ number: 1, statusCode: null, error: expect.stringMatching(/shutdown/) });
    expect(attempts[1]).toMatchObject({ number: 2, statusCode: 200 });
    if (!first.databaseUrl) await stopOnly(survivor);
  });

  it.runIf(DATABASE === 'postgres')('two processes on one database: 200 events, each delivered once, no attempt sent twice', { timeout: 180_000 }, async () => {
    const key = randomBytes(32).toString('base64');
    const r = await receiver();
    const env = { ...FAST, WEBHOOK_SECRET_KEY: key, WEBHOOK_POLL_MS: '30000' };
    const a = await start({ env });
    const b = await start({ env, sharedDatabaseUrl: a.databaseUrl! });
    const hook = (await a.http().post('/v1/webhooks').set(admin).send({ url: r.url, events: ['cluster.created'] }).expect(201)).body;
    const N = 200;
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < N) {
          const i = next++;
          await (i % 2 ? a : b).http().post('/v1/clusters').set(admin).send({ name: `pair-${i}`, resourceGroup: 'rg' }).expect(201);
        }
      }),
    );
    await r.waitFor((got) => new Set(got.map(eventIdOf)).size >= N, 60_000, `${N} events`);
    await new Promise((res) => setTimeout(res, 1_000)); // any duplicate would arrive meanwhile
    const ids = r.received.map(eventIdOf);
    expect(new Set(ids).size).toBe(N);
    expect(ids).toHaveLength(N); // no attempt twice
    for (const got of r.received) expect(() => verifyDelivery(hook.secret, got)).not.toThrow();
    const audit = await a.http().get('/v1/audit?action=cluster.created&limit=200').set(admin).expect(200);
    const expected = audit.body.items.filter((e: { cluster: string }) => e.cluster.startsWith('pair-')).map((e: { seq: number }) => `evt_${e.seq}`);
    expect(ids.sort()).toEqual(expected.sort());
    const delivered = async (t: TestApp) => Number(/^aksproxy_webhook_delivery_attempts_total\{outcome="delivered"\} (\d+)/m.exec((await t.http().get('/metrics')).text)?.[1] ?? 0);
    const [byA, byB] = [await delivered(a), await delivered(b)];
    expect(byA + byB).toBe(N);
    expect(byA, 'both processes shared the work').toBeGreaterThan(0);
    expect(byB, 'both processes shared the work').toBeGreaterThan(0);
    await stopOnly(b);
  });
});
