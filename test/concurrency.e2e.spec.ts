import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatabaseService } from '../src/database/database.service';
import { ADMIN_TOKEN, bearer, DATABASE, startTestApp, type TestApp } from './support/test-app';

// Concurrent writers must never fork or break the audit chain, duplicate or skip a version number or lose an
// acknowledged write (../shared/API.md "Versions", "Audit"). On PostgreSQL two app instances share the database.
describe(`concurrent submissions and decisions (${DATABASE})`, () => {
  let a: TestApp;
  let b: TestApp; // a second "service process" on the same PostgreSQL database, or a itself on PGlite
  const submitters: string[] = [];
  const approvers: string[] = [];
  const SUBMISSIONS = 40;
  const DECISIONS = 30;

  beforeAll(async () => {
    a = await startTestApp();
    b = a.databaseUrl ? await startTestApp({ sharedDatabaseUrl: a.databaseUrl }) : a;
    for (const n of [1, 2, 3]) submitters.push(await a.key(`sub${n}`, ['submitter']));
    for (const n of [1, 2, 3]) approvers.push(await a.key(`appr${n}`, ['approver']));
    for (const name of ['busy', 'busy2']) {
      await a.http().post('/v1/clusters').set(bearer(ADMIN_TOKEN)).send({ name, resourceGroup: 'rg', requiredApprovals: 2 }).expect(201);
    }
  });
  afterAll(async () => {
    if (b !== a) await b?.close();
    await a?.close();
  });

  it('keeps version numbers gapless and unique, statuses consistent and the audit chain intact', async () => {
    const apps = [a, b];
    const acknowledged: { cluster: string; version: number; contentHash: string }[] = [];
    const submissions = Array.from({ length: SUBMISSIONS }, (_, i) => async () => {
      const cluster = i % 4 === 3 ? 'busy2' : 'busy';
      const res = await apps[i % 2]
        .http()
        .post(`/v1/clusters/${cluster}/configs`)
        .set(bearer(submitters[i % 3]))
        .send({ config: { httpProxy: `http://proxy-${i}.corp.example:3128` }, reason: `change ${i}` });
      expect([200, 201]).toContain(res.status);
      if (res.status === 201) acknowledged.push({ cluster, version: res.body.version, contentHash: res.body.contentHash });
    });
    const decisions = Array.from({ length: DECISIONS }, (_, i) => async () => {
      const cluster = i % 4 === 3 ? 'busy2' : 'busy';
      const res = await apps[(i + 1) % 2]
        .http()
        .post(`/v1/clusters/${cluster}/configs/latest/decisions`)
        .set(bearer(approvers[i % 3]))
        .send({ decision: i % 7 === 6 ? 'reject' : 'approve' });
      // racing a newer submission, or a version already decided, is a clean 4xx, never a 5xx
      expect([201, 403, 404, 409]).toContain(res.status);
    });
    const all = [...submissions, ...decisions].sort(() => Math.random() - 0.5);
    await Promise.all(all.map((run) => run()));

    const prisma = a.app.get(DatabaseService).prisma;
    for (const cluster of ['busy', 'busy2']) {
      const rows = await prisma.configVersion.findMany({ where: { cluster: { name: cluster } }, orderBy: { version: 'asc' }, include: { decisions: true } });
      expect(rows.map((r) => r.version)).toEqual(Array.from({ length: rows.length }, (_, i) => i + 1));
      expect(rows.filter((r) => r.status === 'pending').length).toBeLessThanOrEqual(1);
      expect(rows.filter((r) => r.status === 'approved').length).toBeLessThanOrEqual(1);
      for (const r of rows) {
        const approvals = r.decisions.filter((d) => d.decision === 'approve').length;
        if (r.approvedAt) expect(approvals).toBeGreaterThanOrEqual(r.requiredApprovals);
        if (r.status === 'pending') expect(approvals).toBeLessThan(r.requiredApprovals);
        expect(new Set(r.decisions.map((d) => d.actor)).size).toBe(r.decisions.length);
      }
      const cl = await prisma.cluster.findUniqueOrThrow({ where: { name: cluster } });
      expect(cl.lastVersion).toBe(rows.length);
    }
    for (const ack of acknowledged) {
      const row = await prisma.configVersion.findFirst({ where: { cluster: { name: ack.cluster }, version: ack.version } });
      expect(row?.contentHash).toBe(ack.contentHash);
    }
    const events = await prisma.auditEvent.findMany({ orderBy: { seq: 'asc' }, select: { seq: true } });
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: events.length }, (_, i) => i + 1));
    const submitted = await prisma.auditEvent.count({ where: { action: 'config.submitted' } });
    expect(submitted).toBe(await prisma.configVersion.count());

    const verify = await b.http().get('/v1/audit/verify').set(bearer(submitters[0]));
    expect(verify.body).toMatchObject({ ok: true, events: events.length });
  });
});
