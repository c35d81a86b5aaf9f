import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DatabaseConnection, openDatabase } from '../database/database-connection';
import { toProblem } from './problem-details.filter';

const url = process.env.DATABASE_URL;

/**
 * A statement PostgreSQL cancels because of a server-side timeout (lock_timeout 55P03, statement_timeout 57014: an
 * operator's ALTER DATABASE ... SET, or a long lock wait behind another writer) is transient, like a dropped
 * connection: the write did not happen and a retry may succeed. Probed on a running instance with
 * `ALTER DATABASE <db> SET lock_timeout='50ms'` and 30 parallel submits/decisions on 2 clusters: hundreds of answers
 * were 500 INTERNAL ("An unexpected error occurred", logged at error level) instead of 503 DATABASE_UNAVAILABLE with
 * Retry-After (same with the pipelined BEGIN and the prepared statements switched off: not caused by them).
 */
describe.runIf(url?.startsWith('postgres'))('a statement cancelled by a PostgreSQL timeout (PostgreSQL)', () => {
  let db: DatabaseConnection;
  let holder: Client;

  beforeAll(async () => {
    db = await openDatabase({ kind: 'postgres', url: url! }, { poolSize: 2 });
    holder = new Client({ connectionString: url });
    await holder.connect();
  });

  afterAll(async () => {
    await holder?.end();
    await db?.close();
  });

  const failure = async (work: () => Promise<unknown>): Promise<unknown> => {
    try {
      await work();
    } catch (err) {
      return err;
    }
    throw new Error('expected the statement to fail');
  };

  it('is a 503 for lock_timeout (55P03), not a 500', async () => {
    await holder.query('BEGIN');
    await holder.query('SELECT pg_advisory_xact_lock(424242)');
    try {
      const err = await failure(() =>
        db.prisma.$transaction(async (tx) => {
          await tx.$executeRaw`SET LOCAL lock_timeout = '20ms'`;
          await tx.$queryRaw`SELECT pg_advisory_xact_lock(424242)::text AS locked`;
        }),
      );
      expect(String(err)).toContain('55P03');
      expect(toProblem(err).problem.status).toBe(503);
    } finally {
      await holder.query('ROLLBACK');
    }
  });

  it('is a 503 for statement_timeout (57014), not a 500', async () => {
    const err = await failure(() =>
      db.prisma.$transaction(async (tx) => {
        await tx.$executeRaw`SET LOCAL statement_timeout = '20ms'`;
        await tx.$queryRaw`SELECT pg_sleep(0.5)::text AS slept`;
      }),
    );
    expect(String(err)).toContain('57014');
    expect(toProblem(err).problem.status).toBe(503);
  });
});
