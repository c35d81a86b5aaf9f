import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DatabaseService } from '../src/database/database.service';
import { ADMIN_TOKEN, bearer, DATABASE, startTestApp, type TestApp } from './support/test-app';

// ../shared/API.md "Audit": `GET /v1/audit/verify` → { ok, events, head }, or ok: false with the first bad `seq`.
// The trigger refuses UPDATE and DELETE, but whoever owns the database can switch it off: these tests do exactly
// that, as an attacker with database access would, and check that verify notices.
describe(`audit chain tampering is detected (${DATABASE})`, () => {
  let t: TestApp;
  let sql: (query: string) => Promise<unknown>;

  beforeAll(async () => {
    t = await startTestApp();
    const prisma = t.app.get(DatabaseService).prisma;
    sql = (query) => prisma.$executeRawUnsafe(query);
    const alice = await t.key('alice', ['submitter']);
    expect((await t.http().post('/v1/clusters').set(bearer(alice)).send({ name: 'c1', resourceGroup: 'rg' })).status).toBe(201);
    for (const host of ['a', 'b', 'c']) {
      const res = await t
        .http()
        .post('/v1/clusters/c1/configs')
        .set(bearer(alice))
        .send({ config: { httpProxy: `http://${host}.corp.example:3128` }, reason: `proxy ${host}` });
      expect(res.status).toBe(201);
    }
  });
  afterAll(async () => {
    await t?.close();
  });
  // Each test undoes its tampering (rows are put back exactly as they were), so the next one starts from a good chain.
  let undo: string[] = [];
  afterEach(async () => {
    await sql('ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_delete');
    for (const query of undo.reverse()) await sql(query);
    await sql('ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update_delete');
    undo = [];
    expect((await verify()).ok).toBe(true);
  });
  /** Saves event `seq` into a side table so that afterEach can put it back. */
  const keep = async (seq: number) => {
    await sql(`CREATE TABLE IF NOT EXISTS kept_events AS SELECT * FROM audit_events WHERE false`);
    await sql(`DELETE FROM kept_events WHERE seq = ${seq}`);
    await sql(`INSERT INTO kept_events SELECT * FROM audit_events WHERE seq = ${seq}`);
    // undone last-pushed first: the tampered row goes, then the kept one comes back
    undo.push(`INSERT INTO audit_events SELECT * FROM kept_events WHERE seq = ${seq}`, `DELETE FROM audit_events WHERE seq = ${seq}`);
  };

  const verify = async () => {
    const res = await t.http().get('/v1/audit/verify').set(bearer(ADMIN_TOKEN));
    expect(res.status).toBe(200);
    return res.body as { ok: boolean; events: number; head: string; seq?: number; reason?: string };
  };
  const withoutTrigger = async (query: string) => {
    await sql('ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_delete');
    await sql(query);
    await sql('ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update_delete');
  };

  it('an untouched chain verifies', async () => {
    const result = await verify();
    expect(result).toMatchObject({ ok: true, events: expect.any(Number), head: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(result.seq).toBeUndefined();
  });

  it('the trigger refuses an UPDATE while it is on', async () => {
    await expect(sql(`UPDATE audit_events SET actor = 'mallory' WHERE seq = 2`)).rejects.toThrow();
    expect((await verify()).ok).toBe(true);
  });

  it('an edited event is reported by its seq', async () => {
    const { events } = await verify();
    const target = events - 2;
    await keep(target);
    await withoutTrigger(`UPDATE audit_events SET details = jsonb_set(details, '{reason}', '"nothing to see"') WHERE seq = ${target}`);
    const result = await verify();
    expect(result).toMatchObject({ ok: false, seq: target });
    expect(result.reason).toMatch(/hash/);
  });

  it('a deleted event in the middle breaks the chain at its seq', async () => {
    await keep(3);
    await withoutTrigger('DELETE FROM audit_events WHERE seq = 3');
    expect(await verify()).toMatchObject({ ok: false, seq: 3 });
  });

  it('deleting the newest event is noticed through the head', async () => {
    const { events } = await verify();
    await keep(events);
    await withoutTrigger(`DELETE FROM audit_events WHERE seq = ${events}`);
    expect(await verify()).toMatchObject({ ok: false, seq: events });
  });

  it('an event appended past the head without moving it is noticed', async () => {
    const { events, head } = await verify();
    undo.push(`DELETE FROM audit_events WHERE seq = ${events + 1}`);
    await sql(
      `INSERT INTO audit_events (seq, at, actor, action, details, prev_hash, hash)
       VALUES (${events + 1}, now(), 'mallory', 'config.approved', '{}', '${head}', '${'f'.repeat(64)}')`,
    );
    expect(await verify()).toMatchObject({ ok: false, seq: events + 1 });
  });
});
