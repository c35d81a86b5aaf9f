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
});
