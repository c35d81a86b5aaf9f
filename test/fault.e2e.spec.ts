import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { BUILT, BuiltServices, MAIN } from './support/built-service';

/**
 * The CI-sized crash check (the long one is `npm run fault`): the BUILT service (dist/main.js) runs as a child
 * process on a temp PGlite directory (or a fresh database on the server of DATABASE_URL), clients submit and
 * approve in parallel, the service is killed with SIGKILL mid-load and restarted, and then every write it
 * acknowledged must be there, version numbers must be 1..N per cluster and the audit chain must verify.
 * Skipped when dist/ has not been built.
 */
const ADMIN = 'fault-e2e-admin-token-0123456789abcdef';
const services = new BuiltServices(ADMIN);
const LOAD_MS = 2_500;
const CLIENTS = 6;
const CLUSTERS = ['crash-a', 'crash-b', 'crash-c'];

if (!BUILT) console.warn(`test/fault.e2e.spec.ts is skipped: ${MAIN} does not exist (run npm run build first).`);

interface Reply {
  status: number;
  body: any;
  replayed: boolean;
}

async function call(base: string, method: string, path: string, token: string, body?: unknown, key?: string): Promise<Reply> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (key) headers['idempotency-key'] = key;
  const res = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(20_000) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, replayed: res.headers.get('idempotent-replayed') === 'true' };
}





interface Acked {
  cluster: string;
  version: number;
  contentHash: string;
}

let cleanup: Array<() => Promise<void> | void> = [];

afterAll(async () => {
  services.killAll();
  for (const fn of cleanup.reverse()) await fn();
  cleanup = [];
});

/** A temp PGlite directory, or a fresh database on the server of DATABASE_URL. */
async function storage(): Promise<Record<string, string>> {
  const dir = mkdtempSync(join(tmpdir(), 'aks-proxy-fault-e2e-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const base = process.env.DATABASE_URL;
  if (!base) return { DATA_DIR: join(dir, 'data') };
  const name = `fault_e2e_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
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

describe.skipIf(!BUILT)('crash safety of the built service (kill -9 under write load)', () => {
  it('keeps every acknowledged write, numbers versions 1..N and keeps the audit chain valid', async () => {
    const env = await storage();
    let svc = await services.start(env);

    const key = async (name: string, roles: string[]) => {
      const res = await call(svc.url, 'POST', '/v1/api-keys', ADMIN, { name, roles });
      expect(res.status).toBe(201);
      return res.body.token as string;
    };
    const submitter = await key('crash-submitter', ['submitter', 'reader']);
    const approver = await key('crash-approver', ['approver', 'reader']);
    for (const name of CLUSTERS) expect((await call(svc.url, 'POST', '/v1/clusters', ADMIN, { name, resourceGroup: 'rg' })).status).toBe(201);

    const acked: Acked[] = [];
    const approved: Acked[] = [];
    const inFlight: Array<{ path: string; body: unknown; key: string }> = [];
    const unexpected: string[] = [];
    let stop = false;

    const client = async (id: number) => {
      for (let seq = 0; !stop && seq < 10_000; seq++) {
        const cluster = CLUSTERS[(id + seq) % CLUSTERS.length];
        const path = `/v1/clusters/${cluster}/configs`;
        const body = { config: { httpProxy: 'http://proxy.corp.example:3128', noProxy: ['.corp.example', `h-${id}-${seq}.svc.example`] }, reason: `crash ${id}/${seq}` };
        const idem = `crash-${id}-${seq}`;
        let res: Reply;
        try {
          res = await call(svc.url, 'POST', path, submitter, body, idem);
        } catch {
          inFlight.push({ path, body, key: idem }); // no answer: the outcome is unknown
          return;
        }
        if (res.status !== 201) {
          unexpected.push(`submit ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
          continue;
        }
        const version: Acked = { cluster, version: res.body.version, contentHash: res.body.contentHash };
        acked.push(version);
        if (seq % 2 === 1) continue;
        try {
          const d = await call(svc.url, 'POST', `${path}/${version.version}/decisions`, approver, { decision: 'approve', comment: 'ok' });
          if (d.status === 201) approved.push(version);
          else if (!(d.status === 409 && d.body?.code === 'NOT_PENDING')) unexpected.push(`decide ${d.status} ${JSON.stringify(d.body).slice(0, 200)}`);
        } catch {
          return;
        }
      }
    };

    const clients = Array.from({ length: CLIENTS }, (_, i) => client(i));
    await new Promise((r) => setTimeout(r, LOAD_MS));
    svc.proc.kill('SIGKILL');
    await svc.exited;
    stop = true;
    await Promise.all(clients);
    expect(unexpected).toEqual([]);
    expect(acked.length).toBeGreaterThan(0);

    svc = await services.start(env);

    // Writes cut off by the kill: the same Idempotency-Key either replays the committed answer or applies it now.
    for (const f of inFlight) {
      const res = await call(svc.url, 'POST', f.path, submitter, f.body, f.key);
      expect(res.status).toBe(201);
      acked.push({ cluster: f.path.split('/')[3], version: res.body.version, contentHash: res.body.contentHash });
    }

    for (const cluster of CLUSTERS) {
      const items: Array<{ version: number; contentHash: string; approvedAt: string | null }> = [];
      let cursor: string | null = null;
      do {
        const page: Reply = await call(svc.url, 'GET', `/v1/clusters/${cluster}/configs?limit=200${cursor ? `&cursor=${cursor}` : ''}`, approver);
        expect(page.status).toBe(200);
        items.push(...page.body.items);
        cursor = page.body.nextCursor;
      } while (cursor);
      const numbers = items.map((v) => v.version).sort((a, b) => a - b);
      expect(numbers).toEqual(numbers.map((_, i) => i + 1));
      expect(new Set(items.map((v) => v.contentHash)).size).toBe(items.length);
      const byNumber = new Map(items.map((v) => [v.version, v]));
      for (const a of acked.filter((x) => x.cluster === cluster)) expect(byNumber.get(a.version)?.contentHash, `${cluster}/${a.version}`).toBe(a.contentHash);
      for (const a of approved.filter((x) => x.cluster === cluster)) expect(byNumber.get(a.version)?.approvedAt, `${cluster}/${a.version} approval`).not.toBeNull();
    }

    const verify = await call(svc.url, 'GET', '/v1/audit/verify', approver);
    expect(verify.status).toBe(200);
    expect(verify.body.ok).toBe(true);

    svc.proc.kill('SIGTERM');
    await svc.exited;
  }, 120_000);
});
