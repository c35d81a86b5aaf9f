import { createRequire } from 'node:module';
import { DatabaseError } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DatabaseConnection, openDatabase } from './database-connection';

const url = process.env.DATABASE_URL;

/**
 * Reproduces a process crash seen under load when PostgreSQL terminates the service's backends
 * (`pg_terminate_backend`, a failover, an idle-session timeout):
 *
 *   Error: terminating connection due to administrator command   (57P01)
 *   Emitted 'error' event on Client instance at Client._handleErrorEvent ... Client._handleErrorMessage
 *   node:events: throw er; // Unhandled 'error' event
 *
 * The sequence (traced on a running instance): a non-transactional statement (pool.query) ends; its
 * ReadyForQuery makes pg-pool release the client and hand it at once, synchronously, to the next waiter, the
 * `pool.connect()` of a Prisma interactive transaction, removing the pool's idle 'error' listener. The adapter only
 * attaches its own listener after its `await`, a microtask later. The backend's FATAL, in the same socket read as
 * that ReadyForQuery, is handled in between: a client with no active query and no 'error' listener, so the
 * EventEmitter throws and the process dies (every in-flight request is lost, the service does not recover by itself).
 *
 * The test injects the FATAL at exactly that point (from the ReadyForQuery handler, right after the hand-over)
 * instead of racing a real pg_terminate_backend, which hits the same window within seconds under load.
 */
describe.runIf(url?.startsWith('postgres'))('a pooled connection terminated by the server (PostgreSQL)', () => {
  let db: DatabaseConnection;
  const PgPool = createRequire(__filename)('pg-pool') as { prototype: Record<string, unknown> };
  const acquire = PgPool.prototype._acquireClient as (...args: unknown[]) => unknown;
  let armed = false;
  let thrown: unknown;

  beforeAll(async () => {
    PgPool.prototype._acquireClient = function (this: unknown, ...args: unknown[]) {
      const result = acquire.apply(this, args);
      const client = args[0] as { connection: { emit(event: string, msg: unknown): void } };
      const isNew = args[3] === true;
      if (armed && !isNew && new Error().stack?.includes('handleReadyForQuery')) {
        armed = false;
        const fatal = new DatabaseError('terminating connection due to administrator command', 116, 'error');
        fatal.severity = 'FATAL';
        fatal.code = '57P01';
        try {
          client.connection.emit('errorMessage', fatal);
        } catch (err) {
          thrown = err;
        }
      }
      return result;
    };
    db = await openDatabase({ kind: 'postgres', url: url! }, { poolSize: 1 });
  });

  afterAll(async () => {
    PgPool.prototype._acquireClient = acquire;
    await db?.close();
  });

  it('does not throw an unhandled error event when the FATAL arrives as the client is handed to a transaction', async () => {
    await db.prisma.$queryRaw`SELECT 1`; // the pool's one connection exists and is idle
    armed = true;
    // (Prisma's promises are lazy: Promise.resolve starts them now.)
    const busy = Promise.resolve(db.prisma.$queryRaw`SELECT pg_sleep(0.2)::text AS slept`); // holds the only connection (pool.query)
    await new Promise((resolve) => setTimeout(resolve, 50));
    const tx = Promise.resolve(db.prisma.$transaction(async (t) => t.$queryRaw`SELECT 1`)); // waits for that connection
    await busy;
    await tx.catch(() => undefined); // it may fail (its connection is gone); it must not crash the process
    expect(armed).toBe(false); // the injection point was reached
    expect(thrown).toBeUndefined(); // on main: Error "terminating connection due to administrator command" (unhandled 'error' event)
    expect(await db.prisma.$queryRaw`SELECT 1 AS ok`).toEqual([{ ok: 1 }]); // and the pool serves on
  });
});
