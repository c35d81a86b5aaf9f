import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DatabaseService, type Tx } from '../src/database/database.service';
import { DirectSql } from '../src/database/direct-sql';
import { Prisma } from '../src/generated/prisma/client';
import { VersionsRepository } from '../src/repositories/versions.repository';
import { ADMIN_TOKEN, bearer, startTestApp, type TestApp } from './support/test-app';

// The hot raw statements of a write go straight through its transaction's pg connection on PostgreSQL
// (src/database/direct-sql.ts). What must hold: each transaction's statements run on its own connection and in its own
// transaction, never on another's, not even under concurrency or once it has ended; they commit and roll back with
// it; results and errors are what $queryRaw gives. PGlite has no pg connection: rawQuery is $queryRaw there.
describe.runIf(process.env.DATABASE_URL)('raw statements straight through the transaction connection (PostgreSQL)', () => {
  let t: TestApp;
  let db: DatabaseService;
  const whoAmI = Prisma.sql`SELECT pg_backend_pid() AS pid, txid_current()::text AS xid`;

  beforeAll(async () => {
    t = await startTestApp({ env: { DATABASE_POOL_SIZE: '4' } });
    db = t.app.get(DatabaseService);
    await db.prisma.$executeRawUnsafe('CREATE TABLE direct_sql_probe (id int PRIMARY KEY, note text)');
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await t?.close();
  });

  it('runs each transaction statement on that transaction connection, 40 at once on a pool of 4', async () => {
    const direct = vi.spyOn(DirectSql.prototype, 'query');
    const runs = await Promise.all(
      Array.from({ length: 40 }, () =>
        db.transaction(async (tx) => {
          const [mine] = await db.rawQuery<{ pid: number; xid: string }>(tx, whoAmI);
          await new Promise((resolve) => setTimeout(resolve, Math.random() * 5));
          const [prismas] = await tx.$queryRaw<{ pid: number; xid: string }[]>(whoAmI);
          const [again] = await db.rawQuery<{ pid: number; xid: string }>(tx, whoAmI);
          return { mine, prismas, again };
        }),
      ),
    );
    expect(direct).toHaveBeenCalledTimes(80);
    direct.mockRestore();
    for (const { mine, prismas, again } of runs) {
      expect(mine).toEqual(prismas);
      expect(again).toEqual(prismas);
    }
    // 40 transactions, 40 transaction ids: no two shared one.
    expect(new Set(runs.map((r) => r.mine.xid)).size).toBe(40);
  });

  it('gives a transaction opened inside another one its own connection', async () => {
    await db.transaction(async (outer) => {
      const [before] = await db.rawQuery<{ pid: number; xid: string }>(outer, whoAmI);
      const inner = await db.transaction(async (tx) => (await db.rawQuery<{ pid: number; xid: string }>(tx, whoAmI))[0]);
      const [after] = await db.rawQuery<{ pid: number; xid: string }>(outer, whoAmI);
      expect(inner.pid).not.toBe(before.pid);
      expect(inner.xid).not.toBe(before.xid);
      expect(after).toEqual(before);
    });
  });

  it('commits and rolls back with the transaction', async () => {
    await db.transaction((tx) => db.rawQuery(tx, Prisma.sql`INSERT INTO direct_sql_probe VALUES (1, 'kept') RETURNING id`));
    await expect(
      db.transaction(async (tx) => {
        await db.rawQuery(tx, Prisma.sql`INSERT INTO direct_sql_probe VALUES (2, 'rolled back') RETURNING id`);
        throw new Error('the work failed after its statement');
      }),
    ).rejects.toThrow('the work failed');
    const rows = await db.prisma.$queryRaw<{ id: number; note: string }[]>`SELECT id, note FROM direct_sql_probe ORDER BY id`;
    expect(rows).toEqual([{ id: 1, note: 'kept' }]);
  });

  it('refuses a statement sent after its transaction ended, instead of running it on a connection someone else may hold', async () => {
    let ended: Tx | undefined;
    await db.transaction(async (tx) => {
      ended = tx;
      await db.rawQuery(tx, whoAmI);
    });
    await expect(db.rawQuery(ended!, Prisma.sql`INSERT INTO direct_sql_probe VALUES (3, 'too late') RETURNING id`)).rejects.toThrow(/already closed/);
    const [{ n }] = await db.prisma.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM direct_sql_probe WHERE id = 3`;
    expect(n).toBe(0);
  });

  it("reports a database error as $queryRaw does: P2010 with PostgreSQL's code", async () => {
    const duplicate = Prisma.sql`INSERT INTO direct_sql_probe VALUES (1, 'again') RETURNING id`;
    const errorOf = (run: (tx: Tx) => Promise<unknown>) => db.transaction(run).then(() => null, (err: unknown) => err);
    const direct = (await errorOf((tx) => db.rawQuery(tx, duplicate))) as Prisma.PrismaClientKnownRequestError;
    const prismas = (await errorOf((tx) => tx.$queryRaw(duplicate))) as Prisma.PrismaClientKnownRequestError;
    const cause = (e: Prisma.PrismaClientKnownRequestError) => (e.meta as { driverAdapterError: { cause: { originalCode: string } } }).driverAdapterError.cause;
    expect(direct).toBeInstanceOf(Prisma.PrismaClientKnownRequestError);
    expect(prismas).toBeInstanceOf(Prisma.PrismaClientKnownRequestError);
    expect(direct.code).toBe(prismas.code);
    expect(cause(direct).originalCode).toBe('23505');
    expect(cause(prismas).originalCode).toBe('23505');
  });

  it("reads what a write locks exactly as Prisma's $queryRaw reads it", async () => {
    const admin = bearer(ADMIN_TOKEN);
    await t.http().post('/v1/clusters').set(admin).send({ name: 'direct', resourceGroup: 'rg', requiredApprovals: 1 }).expect(201);
    const config = (n: number) => ({ httpProxy: 'http://proxy.corp.example:3128', noProxy: [`h${n}.corp.example`] });
    await t.http().post('/v1/clusters/direct/configs').set(admin).send({ config: config(1), reason: 'one' }).expect(201);
    const approver = bearer(await t.key('abe', ['approver']));
    await t.http().post('/v1/clusters/direct/configs/1/decisions').set(approver).send({ decision: 'approve', comment: 'ok' }).expect(201);
    await t.http().post('/v1/clusters/direct/configs').set(admin).send({ config: config(2), reason: 'two' }).expect(201);
    const versions = t.app.get(VersionsRepository);
    const direct = vi.spyOn(DirectSql.prototype, 'query');
    // Inside a transaction the statements go straight through; with the shared client (no transaction) through Prisma.
    const straight = await db.transaction(async (tx) => ({
      submit: await versions.lockForSubmit(tx, 'direct'),
      decide: await versions.lockForDecision(tx, 'direct', 'latest'),
      current: await versions.forDecision((await versions.lockForSubmit(tx, 'direct')).cluster.id, 'current', tx),
      both: await versions.currentAndPending((await versions.lockForSubmit(tx, 'direct')).cluster.id, tx),
    }));
    const viaPrisma = {
      submit: await versions.lockForSubmit(db.prisma, 'direct'),
      decide: await versions.lockForDecision(db.prisma, 'direct', 'latest'),
      current: await versions.forDecision(straight.submit.cluster.id, 'current'),
      both: await versions.currentAndPending(straight.submit.cluster.id),
    };
    expect(direct).toHaveBeenCalledTimes(6);
    direct.mockRestore();
    expect(straight).toEqual(viaPrisma);
    expect(straight.submit.current?.version).toBe(1);
    expect(straight.submit.pending?.version).toBe(2);
    expect(straight.submit.current?.approvedAt).toBeInstanceOf(Date);
    expect(straight.decide.version?.decisions.map((d) => d.decision)).toEqual([]);
    expect(straight.current?.decisions.map((d) => d.decision)).toEqual(['approve']);
  });

  describe('the COMMIT sent with the last statement', () => {
    const probeCount = async (id: number) =>
      (await db.prisma.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM direct_sql_probe WHERE id = ${id}`)[0].n;

    it('commits with the statement: durable before the work goes on, and nothing more runs in that transaction', async () => {
      await db.transaction(async (tx) => {
        await db.rawQuery(tx, whoAmI);
        expect(db.canCommitWith(tx)).toBe(true);
        await db.rawQuery(tx, Prisma.sql`INSERT INTO direct_sql_probe VALUES (10, 'with its commit') RETURNING id`, { commit: true });
        // Another connection sees it already: committed, not waiting for the transaction's end.
        expect(await probeCount(10)).toBe(1);
        expect(db.canCommitWith(tx)).toBe(false);
        await expect(db.rawQuery(tx, Prisma.sql`INSERT INTO direct_sql_probe VALUES (11, 'after') RETURNING id`)).rejects.toThrow(/already closed/);
        await expect(tx.$queryRaw`INSERT INTO direct_sql_probe VALUES (12, 'after, through Prisma') RETURNING id`).rejects.toThrow();
      });
      expect(await probeCount(11)).toBe(0);
      expect(await probeCount(12)).toBe(0);
    });

    it('rolls back when the statement fails, and commits nothing', async () => {
      await expect(
        db.transaction(async (tx) => {
          await db.rawQuery(tx, Prisma.sql`INSERT INTO direct_sql_probe VALUES (20, 'before') RETURNING id`);
          await db.rawQuery(tx, Prisma.sql`INSERT INTO direct_sql_probe VALUES (1, 'duplicate') RETURNING id`, { commit: true });
        }),
      ).rejects.toMatchObject({ code: 'P2010' });
      expect(await probeCount(20)).toBe(0);
    });

    it("reports a COMMIT that fails as the statement's error, and commits nothing; the pool serves on", async () => {
      await db.prisma.$executeRawUnsafe(
        'CREATE TABLE direct_sql_deferred (id int, CONSTRAINT direct_sql_deferred_id UNIQUE (id) DEFERRABLE INITIALLY DEFERRED)',
      );
      await expect(
        db.transaction(async (tx) => {
          await db.rawQuery(tx, Prisma.sql`INSERT INTO direct_sql_deferred VALUES (1) RETURNING id`);
          // Succeeds as a statement; its COMMIT checks the deferred constraint and fails.
          await db.rawQuery(tx, Prisma.sql`INSERT INTO direct_sql_deferred VALUES (1) RETURNING id`, { commit: true });
        }),
      ).rejects.toMatchObject({ code: 'P2010', meta: { driverAdapterError: { cause: { originalCode: '23505' } } } });
      const [{ n }] = await db.prisma.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM direct_sql_deferred`;
      expect(n).toBe(0);
      const again = await Promise.all(Array.from({ length: 8 }, () => db.transaction(async (tx) => (await db.rawQuery<{ xid: string }>(tx, whoAmI))[0].xid)));
      expect(new Set(again).size).toBe(8);
    });

    it('a submission commits with its audit append; after a webhook change it runs again the long way, once', async () => {
      const admin = bearer(ADMIN_TOKEN);
      await t.http().post('/v1/clusters').set(admin).send({ name: 'one-trip', resourceGroup: 'rg' }).expect(201);
      const submit = (n: number) =>
        t
          .http()
          .post('/v1/clusters/one-trip/configs')
          .set(admin)
          .send({ config: { httpProxy: `http://proxy-${n}.corp.example:3128` }, reason: `trip ${n}` })
          .expect(201);
      await submit(0); // the outbox reads and caches the subscriptions (none)
      const direct = vi.spyOn(DirectSql.prototype, 'query');
      const withCommit = () => direct.mock.calls.filter((call) => call[2]?.commit === true).length;
      const refused = () => direct.mock.settledResults.filter((r, i) => direct.mock.calls[i]![2]?.commit === true && r.type === 'rejected').length;
      await submit(1);
      expect(withCommit()).toBe(1);
      // A webhook change through another process moves the chain head's webhooks_version on (as its audit event
      // does): this process's cached subscriptions are no longer known to be current.
      await db.prisma.$executeRawUnsafe('UPDATE audit_head SET webhooks_version = webhooks_version + 1 WHERE id = 1');
      expect(refused()).toBe(0);
      await submit(2);
      expect(withCommit()).toBe(2); // the guarded try, which the head's moved webhooks_version failed and rolled back...
      expect(refused()).toBe(1);
      await submit(3);
      expect(withCommit()).toBe(3); // ...then the long way re-read the subscriptions: the next one commits with its append
      expect(refused()).toBe(1);
      direct.mockRestore();
      const versions = await db.prisma.configVersion.findMany({ where: { cluster: { name: 'one-trip' } }, orderBy: { version: 'asc' } });
      expect(versions.map((v) => [v.version, v.reason])).toEqual([
        [1, 'trip 0'],
        [2, 'trip 1'],
        [3, 'trip 2'],
        [4, 'trip 3'],
      ]);
      const events = await db.prisma.auditEvent.findMany({ where: { cluster: 'one-trip', action: 'config.submitted' } });
      expect(events.map((e) => e.version).sort()).toEqual([1, 2, 3, 4]);
      expect((await t.http().get('/v1/audit/verify').set(admin).expect(200)).body.ok).toBe(true);
    });
  });
});
