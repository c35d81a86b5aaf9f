import { PrismaPg } from '@prisma/adapter-pg';
import { Client, Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrismaClient } from '../generated/prisma/client';
import { pipelineBegin } from './pipelined-begin';
import { preparedStatementNames } from './prepared-statements';

const url = process.env.DATABASE_URL;

// PostgreSQL only (CI runs the tests on it too): PGlite has no pg pool to pipeline on.
describe.runIf(url?.startsWith('postgres'))('pipelined BEGIN (PostgreSQL)', () => {
  let pool: Pool;
  let prisma: PrismaClient;
  let admin: Client;
  const table = `pipelined_begin_${process.pid}`;

  beforeAll(async () => {
    admin = new Client({ connectionString: url });
    await admin.connect();
    await admin.query(`CREATE TABLE ${table} (id int PRIMARY KEY, note text)`);
    pool = new Pool({ connectionString: url, max: 1 });
    pipelineBegin(pool);
    const statementNameGenerator = preparedStatementNames() as (query: { sql: string }) => string;
    prisma = new PrismaClient({ adapter: new PrismaPg(pool, { statementNameGenerator }) });
  });

  afterAll(async () => {
    await prisma?.$disconnect();
    await pool?.end();
    await admin?.query(`DROP TABLE IF EXISTS ${table}`);
    await admin?.end();
  });

  const count = async () => Number((await admin.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n);

  it('runs the statements of a transaction in one transaction, committed at the end', async () => {
    await prisma.$transaction(async (tx) => {
      // The first statement goes out with the BEGIN: both see the same transaction id (outside a transaction block,
      // each statement would be a transaction of its own).
      const xid = async () => (await tx.$queryRawUnsafe<{ xid: string }[]>('SELECT txid_current()::text AS xid, $1::int AS x', 1))[0].xid;
      const first = await xid();
      await tx.$executeRawUnsafe(`INSERT INTO ${table} (id, note) VALUES ($1, $2)`, 1, 'a');
      expect(await count()).toBe(0);
      await tx.$executeRawUnsafe(`INSERT INTO ${table} (id, note) VALUES ($1, $2)`, 2, 'b');
      expect(await xid()).toBe(first);
    });
    expect(await count()).toBe(2);
  });

  it('rolls all of it back when a later statement fails', async () => {
    await expect(
      prisma.$transaction(async (tx) => {
        await tx.$executeRawUnsafe(`INSERT INTO ${table} (id, note) VALUES ($1, $2)`, 3, 'c');
        await tx.$executeRawUnsafe(`INSERT INTO ${table} (id, note) VALUES ($1, $2)`, 1, 'duplicate');
      }),
    ).rejects.toThrow();
    expect(await count()).toBe(2);
  });

  it('rolls back when the first statement (sent with the BEGIN) fails, and the connection serves on', async () => {
    await expect(
      prisma.$transaction(async (tx) => {
        await tx.$executeRawUnsafe(`INSERT INTO ${table} (id, note) VALUES ($1, $2)`, 1, 'duplicate');
      }),
    ).rejects.toThrow();
    await prisma.$transaction(async (tx) => {
      await tx.$executeRawUnsafe(`INSERT INTO ${table} (id, note) VALUES ($1, $2)`, 4, 'd');
    });
    expect(await count()).toBe(3);
  });

  it('commits and rolls back a transaction that ran nothing, and the next one still opens a transaction', async () => {
    await prisma.$transaction(async () => {});
    await expect(
      prisma.$transaction(async () => {
        throw new Error('nothing ran');
      }),
    ).rejects.toThrow('nothing ran');
    await expect(
      prisma.$transaction(async (tx) => {
        await tx.$executeRawUnsafe(`INSERT INTO ${table} (id, note) VALUES ($1, $2)`, 5, 'e');
        throw new Error('undo');
      }),
    ).rejects.toThrow('undo');
    expect(await count()).toBe(3);
  });

  it('pipelines a prepared statement once it is prepared on the connection (first use: BEGIN on its own)', async () => {
    const insert = `/* prepared */ INSERT INTO ${table} (id, note) VALUES ($1, $2)`;
    for (const id of [10, 11, 12]) {
      await prisma.$transaction(async (tx) => {
        await tx.$executeRawUnsafe(insert, id, 'p');
        expect(await count()).toBe(id - 10 + 3);
      });
    }
    await expect(
      prisma.$transaction(async (tx) => {
        await tx.$executeRawUnsafe(insert, 20, 'p');
        await tx.$executeRawUnsafe(insert, 10, 'duplicate');
      }),
    ).rejects.toThrow();
    expect(await count()).toBe(6);
  });
});
