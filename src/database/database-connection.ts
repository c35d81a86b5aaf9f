import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { Pool } from 'pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import type { StorageConfig } from '../config/app-config';
import { PrismaClient } from '../generated/prisma/client';
import { lockDataDir } from './data-dir-lock';
import { pipelineBegin } from './pipelined-begin';
import { wholeScriptMigrations } from './whole-script-adapter';

export interface PoolState {
  total: number;
  idle: number;
  waiting: number;
}

/** An open database: the Prisma client, the adapter factory the migrator uses, and how to close it all. */
export interface DatabaseConnection {
  kind: StorageConfig['kind'];
  prisma: PrismaClient;
  /**
   * A driver adapter for the schema engine, and how to dispose of it. On PostgreSQL it has its own one-connection
   * pool that is closed afterwards: the engine holds a session-level advisory lock while it migrates (so two
   * processes never migrate at once), and closing the session is what surely releases it.
   */
  migrationAdapter(): { factory: SqlMigrationAwareDriverAdapterFactory; dispose: () => Promise<void> };
  poolState(): PoolState;
  close(): Promise<void>;
}

/** How many distinct statement texts are prepared (named) per connection at most; any others are parsed each time. */
const MAX_PREPARED_STATEMENTS = 300;

/**
 * Names for the statements with parameters (PostgreSQL prepares a named statement once per connection and then
 * skips its parse, and after five runs usually its planning too). A write's big data-modifying statement spent more
 * time being parsed and planned than being run (log_min_duration_statement: parse 0.36 ms + bind/plan 0.52 ms against
 * execute 0.31 ms, per statement of a submission). The texts come from the repositories' templates, so they are few;
 * past MAX_PREPARED_STATEMENTS distinct texts (say an IN list of every length) the rest stay unnamed. Statements without
 * parameters (BEGIN, COMMIT, SELECT 1) stay unnamed: the simple protocol, as before.
 */
function preparedStatementNames(): (query: { sql: string; args: unknown[] }) => string {
  const names = new Map<string, string>();
  return (query) => {
    if (query.args.length === 0) return undefined as unknown as string;
    let name = names.get(query.sql);
    if (name === undefined) {
      if (names.size >= MAX_PREPARED_STATEMENTS) return undefined as unknown as string;
      name = `aksproxy_${names.size}`;
      names.set(query.sql, name);
    }
    return name;
  };
}

export async function openDatabase(storage: StorageConfig, options: { poolSize: number }): Promise<DatabaseConnection> {
  if (storage.kind === 'postgres') {
    const pool = new Pool({
      connectionString: storage.url,
      max: options.poolSize,
      connectionTimeoutMillis: 5_000,
      idleTimeoutMillis: 30_000,
    });
    pool.on('error', () => {
      /* an idle connection died (database restarted); the pool replaces it on next use */
    });
    pipelineBegin(pool);
    const prisma = new PrismaClient({ adapter: new PrismaPg(pool, { statementNameGenerator: preparedStatementNames() }) });
    return {
      kind: 'postgres',
      prisma,
      migrationAdapter: () => {
        const migrationPool = new Pool({ connectionString: storage.url, max: 1, connectionTimeoutMillis: 5_000 });
        migrationPool.on('error', () => {});
        return { factory: wholeScriptMigrations(new PrismaPg(migrationPool)), dispose: () => migrationPool.end() };
      },
      poolState: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
      close: async () => {
        await prisma.$disconnect();
        await pool.end();
      },
    };
  }

  const release = storage.dataDir ? lockDataDir(storage.dataDir) : () => {};
  let pglite: PGlite;
  try {
    pglite = storage.dataDir ? new PGlite({ dataDir: join(storage.dataDir, 'pgdata') }) : new PGlite();
    await pglite.waitReady;
  } catch (err) {
    release();
    throw err;
  }
  const adapterFactory = new PrismaPGlite(pglite);
  const prisma = new PrismaClient({ adapter: adapterFactory });
  return {
    kind: 'pglite',
    prisma,
    migrationAdapter: () => ({ factory: adapterFactory, dispose: async () => {} }),
    poolState: () => ({ total: 1, idle: 1, waiting: 0 }),
    close: async () => {
      try {
        await prisma.$disconnect();
        await pglite.close();
      } finally {
        release();
      }
    },
  };
}
