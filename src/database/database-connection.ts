import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { Pool, type PoolClient } from 'pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import type { StorageConfig } from '../config/app-config';
import { PrismaClient } from '../generated/prisma/client';
import { lockDataDir } from './data-dir-lock';
import { DirectSql } from './direct-sql';
import { pipelineBegin } from './pipelined-begin';
import { preparedStatementNames } from './prepared-statements';
import { wholeScriptMigrations } from './whole-script-adapter';

/**
 * Prisma's errors without the caller's source position: any other format makes Prisma capture a stack trace
 * (`new Error()`) on every query to point at the calling line, 3-4 % of the service's CPU on a write, for messages
 * this service never shows (errors are mapped by their codes to problem+json, src/http/problem-details.filter.ts).
 */
const PRISMA_ERROR_FORMAT = 'minimal';

export interface PoolState {
  total: number;
  idle: number;
  waiting: number;
}

/** An open database: the Prisma client, the adapter factory the migrator uses, and how to close it all. */
export interface DatabaseConnection {
  kind: StorageConfig['kind'];
  prisma: PrismaClient;
  /** PostgreSQL only: a transaction's raw statements straight through its pg connection (see DirectSql). */
  direct?: DirectSql;
  /**
   * A driver adapter for the schema engine, and how to dispose of it. On PostgreSQL it has its own one-connection
   * pool that is closed afterwards: the engine holds a session-level advisory lock while it migrates (so two
   * processes never migrate at once), and closing the session is what surely releases it.
   */
  migrationAdapter(): { factory: SqlMigrationAwareDriverAdapterFactory; dispose: () => Promise<void> };
  poolState(): PoolState;
  close(): Promise<void>;
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
    // Every client keeps an 'error' listener for its whole life: pg-pool removes its own idle listener when it hands a
    // client out, and Prisma's adapter adds one only a tick later, so a FATAL (pg_terminate_backend, a restart) read
    // in between was an unhandled 'error' event that crashed the process. The query in flight still gets the error.
    pool.on('connect', (client) => {
      client.on('error', () => {});
    });
    // Statements marked /* prepared */ are named, so each connection plans them once (see prepared-statements.ts).
    const statementNameGenerator = preparedStatementNames() as (query: { sql: string }) => string;
    const direct = new DirectSql(statementNameGenerator);
    pipelineBegin(pool, { onBegin: (client) => direct.onBegin(client), onEnd: (client) => direct.onEnd(client) });
    pool.on('release', (_err: Error | undefined, client: PoolClient) => direct.onEnd(client));
    const prisma = new PrismaClient({ adapter: new PrismaPg(pool, { statementNameGenerator }), errorFormat: PRISMA_ERROR_FORMAT });
    return {
      kind: 'postgres',
      prisma,
      direct,
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
  const prisma = new PrismaClient({ adapter: adapterFactory, errorFormat: PRISMA_ERROR_FORMAT });
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
