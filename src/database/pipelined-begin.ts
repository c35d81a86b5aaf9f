import { type Pool, type PoolClient, Query, type QueryConfig } from 'pg';

/**
 * Saves the BEGIN round trip of every interactive transaction on PostgreSQL. Prisma's pg adapter opens one with a
 * `BEGIN` of its own, awaited, then sends the transaction's first statement: two round trips, two socket writes on
 * each side (on a loaded machine a loopback write costs about as much CPU as running a small statement). Here the
 * adapter's `BEGIN` is answered at once without being sent, and goes out with the next statement on that connection,
 * in one write and one extended-protocol pipeline (Parse/Bind/Execute of BEGIN, then the statement, then one Sync):
 * PostgreSQL runs both in order, and the transaction block BEGIN opened outlives the Sync. A COMMIT or ROLLBACK with
 * nothing before it is answered at once too (nothing was begun). The statement's result (or error) is the caller's
 * as before; if BEGIN itself failed, PostgreSQL skips the statement and its error is BEGIN's.
 */
export function pipelineBegin(pool: Pool, hooks: TransactionHooks = {}): void {
  const state: ClientStates = { pending: new WeakSet(), committed: new WeakSet(), checkouts: new WeakMap() };
  pool.on('connect', (client) => patch(client, state, hooks));
  // A connection given back with a BEGIN still held (a transaction that ran nothing) starts clean next time, and
  // nothing still in flight from this checkout can mark the next one (see thenCommit).
  pool.on('release', (_err: Error | undefined, client: PoolClient) => {
    state.pending.delete(client);
    state.committed.delete(client);
    state.checkouts.set(client, (state.checkouts.get(client) ?? 0) + 1);
  });
}

/** What DirectSql hears: the adapter began a transaction on a connection, or ends it (its COMMIT or ROLLBACK). */
export interface TransactionHooks {
  /** Called in the async context of the adapter's BEGIN. */
  onBegin?: (client: PoolClient) => void;
  /** Called as the adapter sends its COMMIT or ROLLBACK (before it goes out, or is answered here). */
  onEnd?: (client: PoolClient) => void;
}

/**
 * A statement sent with `commit: true` (see DirectSql) goes out with a COMMIT behind it, in one write and one
 * pipeline (Parse/Bind/Execute of the statement, then of COMMIT, then one Sync): PostgreSQL commits the transaction as
 * soon as the statement is done, without waiting for this process to read the result and send COMMIT (a write's
 * last statement holds the audit chain head, which every write queues for: on a busy event loop that wait was most
 * of the time it was held). The statement's result (or error) comes back only once the COMMIT has completed (or
 * failed: then the error is the COMMIT's, and the transaction did not commit). If the statement fails, PostgreSQL
 * skips the COMMIT: the transaction stays open, failed, and the adapter's ROLLBACK goes out as ever. After a
 * commit the adapter's own COMMIT (or ROLLBACK) is answered at once, and any other statement on that connection is
 * refused until the pool gets it back: the transaction is over.
 */
export interface CommitAfter {
  commit?: boolean;
}

/** On the result of a statement sent with `commit`: whether its COMMIT went out with it and committed. */
export interface Committed {
  committed?: boolean;
}

interface ClientStates {
  /** A BEGIN not sent yet (it goes out with the next statement). */
  pending: WeakSet<PoolClient>;
  /** The transaction committed with its last statement; the adapter's COMMIT is still to come. */
  committed: WeakSet<PoolClient>;
  /** How many times each connection went back to the pool: a checkout's number. */
  checkouts: WeakMap<PoolClient, number>;
}

/** What the adapter gets for a statement that was not sent (it reads rowCount, fields and rows). */
const nothingSent = (command: string) => ({ command, rowCount: 0, oid: 0, fields: [], rows: [] });

/** Exactly the adapter's BEGIN / COMMIT / ROLLBACK: a config object with that text and an empty values array. */
function bare(config: unknown, text: string): boolean {
  if (typeof config !== 'object' || config === null) return false;
  const c = config as Partial<QueryConfig> & { submit?: unknown };
  return c.text === text && Array.isArray(c.values) && c.values.length === 0 && typeof c.submit !== 'function';
}

/** `onBegin` hears of every transaction the adapter begins, in the async context of its BEGIN (see DirectSql). */
function patch(client: PoolClient, { pending, committed, checkouts }: ClientStates, { onBegin, onEnd }: TransactionHooks): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as { query: unknown }).query = (config: unknown, ...rest: unknown[]): unknown => {
    const ends = rest.length === 0 && (bare(config, 'COMMIT') || bare(config, 'ROLLBACK'));
    if (ends) onEnd?.(client);
    if (committed.has(client)) {
      if (ends) {
        committed.delete(client);
        return Promise.resolve(nothingSent((config as QueryConfig).text));
      }
      const refused = new Error('Transaction already closed: it committed with its last statement.');
      const callback = rest.find((arg) => typeof arg === 'function') as ((err: Error) => void) | undefined;
      if (!callback) return Promise.reject(refused);
      process.nextTick(() => callback(refused));
      return undefined;
    }
    if (rest.length === 0 && !pending.has(client) && wantsCommit(config)) {
      const checkout = checkouts.get(client) ?? 0;
      let didCommit = false;
      return new Promise((resolve, reject) => {
        const onCommitted = () => {
          didCommit = true;
          // Only while the connection is still in the checkout that sent it: once given back, another transaction's.
          if ((checkouts.get(client) ?? 0) === checkout) committed.add(client);
        };
        query(
          thenCommit(config as QueryConfig, onCommitted, (err, result) => {
            if (err) reject(err);
            else resolve(Object.assign(result as object, { committed: didCommit } satisfies Committed));
          }),
        );
      });
    }
    if (rest.length === 0) {
      if (bare(config, 'BEGIN') && !pending.has(client)) {
        pending.add(client);
        onBegin?.(client);
        return Promise.resolve(nothingSent('BEGIN'));
      }
      if (pending.has(client)) {
        pending.delete(client);
        if (bare(config, 'COMMIT') || bare(config, 'ROLLBACK')) return Promise.resolve(nothingSent((config as QueryConfig).text));
        // A named statement not yet prepared on this connection goes after a BEGIN of its own (once per statement and
        // connection): the pipelined BEGIN's ParseComplete would count as its own, marking it prepared before it is.
        if (typeof config === 'object' && config !== null && typeof (config as { submit?: unknown }).submit !== 'function' && !unprepared(client, config as QueryConfig)) {
          return new Promise((resolve, reject) => {
            query(beginThen(config as QueryConfig, (err, result) => (err ? reject(err) : resolve(result))));
          });
        }
        // Anything else (a string, a cursor): send the BEGIN on its own first, as the adapter would have.
        return (query({ text: 'BEGIN' }) as Promise<unknown>).then(() => query(config));
      }
    }
    return query(config, ...rest);
  };
}

/** A statement object (not a string, not a cursor) that asks for the COMMIT behind it. */
function wantsCommit(config: unknown): boolean {
  if (typeof config !== 'object' || config === null) return false;
  const c = config as CommitAfter & { submit?: unknown };
  return c.commit === true && typeof c.submit !== 'function';
}

/**
 * A query whose messages are followed by those of a COMMIT, before the one Sync; the COMMIT's CommandComplete is not
 * the statement's: it calls `committed` (before the callback, which runs at ReadyForQuery).
 */
function thenCommit(config: QueryConfig, committed: () => void, callback: (err: Error | undefined, result: unknown) => void): PgQuery {
  const { commit: _commit, ...statement } = config as QueryConfig & CommitAfter;
  // Extended protocol even for a statement without parameters (pg would send that as a simple query, with no room
  // for the COMMIT before its Sync).
  const q = new Query({ ...statement, queryMode: 'extended', callback } as QueryConfig) as unknown as PgQuery;
  const commandComplete = q.handleCommandComplete.bind(q);
  let statementDone = false;
  q._getRows = (connection) => {
    connection.execute({ portal: q.portal ?? '', rows: 0 });
    connection.parse({ text: 'COMMIT', name: '', types: [] });
    connection.bind({ portal: '', statement: '', values: [] });
    connection.execute({ portal: '', rows: 0 });
    connection.sync();
  };
  q.handleCommandComplete = (msg, connection) => {
    if (statementDone) {
      // A COMMIT of a transaction that had failed answers "ROLLBACK" (no error): then nothing committed.
      if ((msg as { text?: string }).text === 'COMMIT') committed();
      else q._canceledDueToError = new Error('COMMIT rolled the transaction back: an earlier statement of it had failed');
      return;
    }
    statementDone = true;
    commandComplete(msg, connection);
  };
  return q;
}

/** Whether `config` names a prepared statement this connection has not prepared yet. */
function unprepared(client: PoolClient, config: QueryConfig): boolean {
  if (!config.name) return false;
  const connection = (client as unknown as { connection: { parsedStatements: Record<string, string>; submittedNamedStatements: Record<string, string> } }).connection;
  return connection.parsedStatements[config.name] === undefined && connection.submittedNamedStatements[config.name] === undefined;
}

/** A query whose messages go out after those of a BEGIN, in one write; BEGIN's CommandComplete is not its own. */
function beginThen(config: QueryConfig, callback: (err: Error | undefined, result: unknown) => void): PgQuery {
  const q = new Query({ ...config, callback } as QueryConfig) as unknown as PgQuery;
  const prepare = q.prepare.bind(q);
  const commandComplete = q.handleCommandComplete.bind(q);
  let beginDone = false;
  q.submit = (connection) => {
    connection.stream.cork?.();
    try {
      connection.parse({ text: 'BEGIN', name: '', types: [] });
      connection.bind({ portal: '', statement: '', values: [] });
      connection.execute({ portal: '', rows: 0 });
      prepare(connection);
    } finally {
      connection.stream.uncork?.();
    }
    return null;
  };
  q.handleCommandComplete = (msg, connection) => {
    if (!beginDone) {
      beginDone = true;
      return;
    }
    commandComplete(msg, connection);
  };
  return q;
}

/** The parts of pg's Query (its internals, untyped) the pipeline uses. */
interface PgQuery {
  portal?: string;
  /** An error to report at ReadyForQuery instead of the result (pg's own field). */
  _canceledDueToError?: Error | false;
  submit(connection: PgConnection): Error | null;
  prepare(connection: PgConnection): void;
  handleCommandComplete(msg: unknown, connection: unknown): void;
  _getRows(connection: PgConnection, rows?: number): void;
}

/** The parts of pg's (untyped) connection the pipeline uses. */
interface PgConnection {
  stream: { cork?: () => void; uncork?: () => void };
  parse(msg: { text: string; name: string; types: unknown[] }): void;
  bind(msg: { portal: string; statement: string; values: unknown[] }): void;
  execute(msg: { portal: string; rows: number }): void;
  sync(): void;
}
