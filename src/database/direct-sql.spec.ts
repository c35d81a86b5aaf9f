import { Client, Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Prisma } from '../generated/prisma/client';
import { DirectSql, type DirectSlot } from './direct-sql';
import { pipelineBegin } from './pipelined-begin';
import { preparedStatementNames } from './prepared-statements';

const url = process.env.DATABASE_URL;

// The ends of a transaction as Prisma's pg adapter drives them (BEGIN, then COMMIT or ROLLBACK as bare statements,
// then release), on a pool patched as database-connection.ts patches it, including the ends the HTTP tests cannot
// reach in reasonable time: Prisma's 30 s interactive-transaction timeout, which sends ROLLBACK while the
// transaction's work still runs. PostgreSQL only (CI runs the tests on it too).
describe.runIf(url?.startsWith('postgres'))('DirectSql at the ends of a transaction (PostgreSQL)', () => {
  let pool: Pool;
  let admin: Client;
  let direct: DirectSql;
  const table = `direct_sql_ends_${process.pid}`;
  const bare = (text: string) => ({ text, values: [] });
  const count = async (id: number) => Number((await admin.query(`SELECT count(*)::int AS n FROM ${table} WHERE id = $1`, [id])).rows[0].n);

  beforeAll(async () => {
    admin = new Client({ connectionString: url });
    await admin.connect();
    await admin.query(`CREATE TABLE ${table} (id int PRIMARY KEY)`);
    pool = new Pool({ connectionString: url, max: 1 });
    direct = new DirectSql(preparedStatementNames());
    pipelineBegin(pool, { onBegin: (c) => direct.onBegin(c), onEnd: (c) => direct.onEnd(c) });
    pool.on('release', (_err: Error | undefined, c) => direct.onEnd(c));
  });
  afterAll(async () => {
    await pool?.end();
    await admin?.query(`DROP TABLE IF EXISTS ${table}`);
    await admin?.end();
  });

  /** Checks a connection out and begins a transaction on it as the adapter does, in a tracked slot. */
  async function begin() {
    const slot: DirectSlot = { client: null, closed: false };
    const client = await pool.connect();
    await direct.track(() => client.query(bare('BEGIN')), slot);
    expect(slot.client).toBe(client);
    return { slot, client };
  }

  it('refuses a statement sent after the adapter ROLLBACK (a timeout), which would otherwise run outside any transaction', async () => {
    const { slot, client } = await begin();
    await direct.query(slot, Prisma.sql`INSERT INTO ${Prisma.raw(table)} VALUES (${1}::int)`);
    const rollback = client.query(bare('ROLLBACK'));
    await expect(direct.query(slot, Prisma.sql`INSERT INTO ${Prisma.raw(table)} VALUES (${2}::int)`)).rejects.toThrow(/already closed/);
    await expect(direct.query(slot, Prisma.sql`INSERT INTO ${Prisma.raw(table)} VALUES (${3}::int)`, { commit: true })).rejects.toThrow(/already closed/);
    await rollback;
    client.release();
    expect([await count(1), await count(2), await count(3)]).toEqual([0, 0, 0]);
  });

  it('reports a commit that went out with its statement, and only then', async () => {
    const { slot, client } = await begin();
    await direct.query(slot, Prisma.sql`SELECT 1`);
    await direct.query(slot, Prisma.sql`INSERT INTO ${Prisma.raw(table)} VALUES (${10}::int)`, { commit: true });
    expect(slot.committed).toBe(true);
    expect(await count(10)).toBe(1);
    await client.query(bare('COMMIT')); // the adapter's own, answered at once
    client.release();
  });

  it('a commit still in flight when its connection went back to the pool does not touch the next checkout', async () => {
    const first = await pool.connect();
    await first.query(bare('BEGIN'));
    await first.query({ text: 'SELECT $1::int AS x', values: [1] });
    const rollback = first.query(bare('ROLLBACK'));
    const late = first.query({ text: `INSERT INTO ${table} VALUES ($1)`, values: [20], commit: true } as never);
    await rollback;
    first.release();
    await late; // it ran after the ROLLBACK, so by itself: the misuse the slot's closing prevents (previous test)
    // The next checkout of that one connection: its statements run in its own transaction and really commit ...
    const next = await pool.connect();
    expect(next).toBe(first);
    await next.query(bare('BEGIN'));
    await next.query({ text: `INSERT INTO ${table} VALUES ($1)`, values: [21] });
    expect(await count(21)).toBe(0);
    await next.query(bare('COMMIT'));
    next.release();
    expect(await count(21)).toBe(1);
    // ... and a query with a callback (as pg-pool's pool.query sends them) is answered.
    const answer = await new Promise((resolve, reject) => pool.query('SELECT 42 AS n', (err, res) => (err ? reject(err) : resolve(res.rows[0].n))));
    expect(answer).toBe(42);
  });
});
