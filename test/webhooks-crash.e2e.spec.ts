import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { BUILT, BuiltServices } from './support/built-service';
import { eventIdOf, type Receiver, startReceiver, verifyDelivery } from './support/receiver';

/**
 * At least once through kill -9 (API.md "Events and webhooks"): the BUILT service (dist/main.js) runs as a child
 * process; events are written while the receiver is down, the service is killed with SIGKILL with deliveries due
 * (and attempts in flight), the receiver comes back, the service restarts on the same data, and every event still
 * arrives, signed. Skipped when dist/ has not been built.
 */
const ADMIN = 'hooks-crash-admin-token-0123456789abcdef';
const services = new BuiltServices(ADMIN);
const DATABASE = process.env.DATABASE_URL ? 'postgres' : 'pglite';

const cleanup: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  services.killAll();
  for (const fn of cleanup.reverse()) await fn();
});



async function call(base: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(base + path, {
    method,
    headers: { authorization: `Bearer ${ADMIN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(20_000),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** A temp directory for DATA_DIR (PGlite, and the generated webhook key), plus a fresh database on DATABASE_URL's server. */
async function storage(): Promise<Record<string, string>> {
  const dir = mkdtempSync(join(tmpdir(), 'aks-proxy-hooks-crash-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const base = process.env.DATABASE_URL;
  if (!base) return { DATA_DIR: join(dir, 'data') };
  const name = `hooks_crash_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const admin = new Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  cleanup.push(async () => {
    const c = new Client({ connectionString: base });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await c.end();
  });
  const url = new URL(base);
  url.pathname = `/${name}`;
  return { DATA_DIR: join(dir, 'data'), DATABASE_URL: url.toString() };
}

describe.skipIf(!BUILT)(`webhook deliveries survive kill -9 of the built service (${DATABASE})`, () => {
  it('every event written before the kill arrives after the restart', { timeout: 180_000 }, async () => {
    const receiver: Receiver = await startReceiver(503); // down
    cleanup.push(() => receiver.close());
    const env = { ...(await storage()), WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_BACKOFF_BASE_MS: '100', WEBHOOK_TIMEOUT_MS: '1000', WEBHOOK_POLL_MS: '500' };
    let svc = await services.start(env);
    const hook = await call(svc.url, 'POST', '/v1/webhooks', { url: receiver.url, events: ['*'] });
    expect(hook.status).toBe(201);
    const approver = await call(svc.url, 'POST', '/v1/api-keys', { name: 'crash-approver', roles: ['approver'] });
    for (let i = 0; i < 4; i++) {
      expect((await call(svc.url, 'POST', '/v1/clusters', { name: `crash-${i}`, resourceGroup: 'rg' })).status).toBe(201);
      expect((await call(svc.url, 'POST', `/v1/clusters/crash-${i}/configs`, { config: { httpProxy: `http://proxy${i}.corp.example:3128/` }, reason: 'crash' })).status).toBe(201);
      const decided = await fetch(`${svc.url}/v1/clusters/crash-${i}/configs/1/decisions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${approver.body.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ decision: 'approve' }),
      });
      expect(decided.status).toBe(201);
    }
    // the receiver has refused some attempts: deliveries are due and being retried
    await receiver.waitFor((got) => got.length >= 10, 30_000, 'refused attempts');
    svc.proc.kill('SIGKILL');
    await svc.exited;
    const refusedBeforeKill = receiver.received.length;

    receiver.answer = 200; // back
    svc = await services.start(env);
    const audit = await call(svc.url, 'GET', '/v1/audit?limit=200');
    const firstSeq = audit.body.items.find((e: { action: string }) => e.action === 'webhook.created').seq as number;
    const expected = audit.body.items.filter((e: { seq: number }) => e.seq > firstSeq).map((e: { seq: number }) => `evt_${e.seq}`);
    expect(expected.length).toBeGreaterThanOrEqual(17); // key, 4 × (cluster, submitted, decided, approved)
    await receiver.waitFor(
      () => {
        const delivered = new Set(receiver.delivered().map(eventIdOf));
        return expected.every((id: string) => delivered.has(id));
      },
      60_000,
      'every event delivered after the restart',
    );
    expect(refusedBeforeKill).toBeGreaterThanOrEqual(10);
    for (const got of receiver.received) expect(() => verifyDelivery(hook.body.secret, got)).not.toThrow();
    // the receiver answered; the service records the attempt right after
    let ours: { eventId: string; status: string }[] = [];
    for (const end = Date.now() + 30_000; Date.now() < end; await new Promise((r) => setTimeout(r, 200))) {
      const deliveries = await call(svc.url, 'GET', `/v1/webhooks/${hook.body.id}/deliveries?limit=200`);
      ours = deliveries.body.items.filter((d: { eventId: string }) => expected.includes(d.eventId));
      if (ours.every((d) => d.status === 'delivered')) break;
    }
    expect(ours).toHaveLength(expected.length);
    expect(ours.filter((d) => d.status !== 'delivered')).toEqual([]);
    svc.proc.kill('SIGTERM');
    await svc.exited;
  });
});
