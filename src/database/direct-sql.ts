import { AsyncLocalStorage } from 'node:async_hooks';
import type { PoolClient, QueryConfig } from 'pg';
import { Prisma } from '../generated/prisma/client';
import type { CommitAfter, Committed } from './pipelined-begin';

/**
 * The pg connection of one open Prisma transaction, once known; `closed` once the transaction ended: the adapter sent
 * its COMMIT or ROLLBACK (Prisma's timeout included), a statement carried the COMMIT, or the pool got the connection back.
 */
export interface DirectSlot {
  client: PoolClient | null;
  closed: boolean;
  /** The transaction committed with a statement (rawQuery with `commit`): whatever Prisma says after, it stands. */
  committed?: boolean;
}

/**
 * Raw statements of a write's transaction sent straight through the transaction's own pg connection, on PostgreSQL.
 *
 * Through Prisma, a raw statement in an interactive transaction costs the service 130-160 µs of CPU beyond what `pg`
 * itself needs (its request pipeline, parameter and result mapping, tracing hooks, and the garbage they leave), which
 * was about a fifth of a submission's or decision's CPU; its two hot statements (the lock-and-read and the change with
 * its audit append) go here instead. Prisma still opens, commits and rolls back the transaction: only the statements
 * skip its machinery.
 *
 * How the connection is known: DatabaseService.transaction opens each transaction inside `track`, whose async context
 * carries a fresh slot; Prisma's pg adapter begins the transaction on the connection it took from the pool, in that
 * same context (the adapter's `startTransaction` awaits the pool, then sends BEGIN), and the pipelined-BEGIN patch,
 * which sees that BEGIN, reports the connection here (`onBegin`). The transaction's own work runs outside that context,
 * so a transaction opened inside it gets a slot of its own or none. As soon as the adapter ends the transaction (its
 * COMMIT or ROLLBACK, also on Prisma's timeout) or the pool gets the connection back (`onEnd`), the slot is closed: a
 * statement sent after that fails as Prisma's own would ("Transaction already closed"), and never runs outside the
 * transaction or on a connection another transaction may hold by then.
 *
 * Results come back as `pg` parses them: numbers for int4, Date for timestamptz, parsed JSON, strings for text and
 * uuid; the same as Prisma's $queryRaw for every column but int8 and numeric (BigInt and Decimal there, strings here),
 * which no statement sent here returns. Errors of the database come back as Prisma's would (P2010 with the driver's
 * code in meta), so the problem filter maps them alike.
 */
export class DirectSql {
  private readonly opening = new AsyncLocalStorage<DirectSlot>();
  private readonly open = new Map<PoolClient, DirectSlot>();

  constructor(private readonly statementName: (query: { sql: string }) => string | undefined) {}

  /**
   * Runs `begin`, which opens ONE Prisma transaction and runs `work` in it; `work` runs outside the tracking context
   * (see the class comment) and gets the slot of its transaction.
   */
  track<T>(begin: (inside: <R>(work: () => R) => R) => Promise<T>, slot: DirectSlot): Promise<T> {
    return this.opening.run(slot, () => begin((work) => this.opening.exit(work)));
  }

  /** The adapter began a transaction on `client` (called by the pipelined-BEGIN patch). */
  onBegin(client: PoolClient): void {
    const slot = this.opening.getStore();
    // Only the first BEGIN in a slot's context is its transaction's.
    if (!slot || slot.client || slot.closed) return;
    slot.client = client;
    this.open.set(client, slot);
  }

  /**
   * The transaction on `client` ends: the adapter sends its COMMIT or ROLLBACK (Prisma's own end of it, or its
   * timeout), or the pool got the connection back. From then on no statement of that transaction goes out: one
   * queued behind a ROLLBACK would run outside any transaction.
   */
  onEnd(client: PoolClient): void {
    const slot = this.open.get(client);
    if (!slot) return;
    this.open.delete(client);
    slot.closed = true;
    slot.client = null;
  }

  /**
   * Runs `sql` on the slot's connection; `/* prepared *\/` statements as named prepared statements, as the adapter
   * does. With `commit`, the transaction commits right behind the statement, in the same round trip (see
   * pipelined-begin.ts): it resolves once the commit is durable, and the slot is closed then (the transaction is over).
   */
  async query<T>(slot: DirectSlot, sql: Prisma.Sql, options: CommitAfter = {}): Promise<T[]> {
    const client = slot.client;
    if (!client || slot.closed) throw new Error('Transaction already closed: a statement was sent after its transaction ended.');
    const config: QueryConfig & CommitAfter = { name: this.statementName({ sql: sql.text }), text: sql.text, values: sql.values as unknown[] };
    if (options.commit) config.commit = true;
    let result: { rows: unknown[] } & Committed;
    try {
      result = await client.query(config);
    } catch (err) {
      throw asPrismaError(err);
    }
    if (options.commit) {
      slot.closed = true;
      if (result.committed === true) slot.committed = true;
    }
    return result.rows as T[];
  }
}

/** What a PostgreSQL error (one with a SQLSTATE) looks like when Prisma's $queryRaw throws it; other errors as they are. */
function asPrismaError(err: unknown): unknown {
  const e = err as { code?: unknown; message?: unknown; severity?: unknown };
  if (!(err instanceof Error) || typeof e.code !== 'string' || !/^[0-9A-Z]{5}$/.test(e.code) || typeof e.severity !== 'string') return err;
  const code = e.code;
  const message = err.message;
  return new Prisma.PrismaClientKnownRequestError(`Raw query failed. Code: \`${code}\`. Message: \`${message}\``, {
    code: 'P2010',
    clientVersion: Prisma.prismaVersion.client,
    meta: {
      driverAdapterError: {
        name: 'DriverAdapterError',
        cause: { originalCode: code, originalMessage: message, kind: 'postgres', code, severity: e.severity, message },
      },
    },
  });
}
