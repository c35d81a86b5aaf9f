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
export function pipelineBegin(pool: Pool, hooks: { onBegin?: (client: PoolClient) => void } = {}): void {
  const pending = new WeakSet<PoolClient>();
  pool.on('connect', (client) => patch(client, pending, hooks.onBegin));
  // A connection given back with a BEGIN still held (a transaction that ran nothing) starts clean next time.
  pool.on('release', (_err: Error | undefined, client: PoolClient) => pending.delete(client));
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
function patch(client: PoolClient, pending: WeakSet<PoolClient>, onBegin?: (client: PoolClient) => void): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as { query: unknown }).query = (config: unknown, ...rest: unknown[]): unknown => {
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
  submit(connection: PgConnection): Error | null;
  prepare(connection: PgConnection): void;
  handleCommandComplete(msg: unknown, connection: unknown): void;
}

/** The parts of pg's (untyped) connection the pipeline uses. */
interface PgConnection {
  stream: { cork?: () => void; uncork?: () => void };
  parse(msg: { text: string; name: string; types: unknown[] }): void;
  bind(msg: { portal: string; statement: string; values: unknown[] }): void;
  execute(msg: { portal: string; rows: number }): void;
}
