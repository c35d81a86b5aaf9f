import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Logger } from 'pino';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import type { Prisma, PrismaClient } from '../generated/prisma/client';
import { LOGGER } from '../logging/logger';
import { type DatabaseConnection, openDatabase, type PoolState } from './database-connection';
import type { DirectSlot } from './direct-sql';
import { applyMigrations, readMigrations } from './migrator';
import { NotificationListener } from './notification-listener';

export type Tx = Prisma.TransactionClient;

/** What to run after each open transaction commits, by its transaction client. */
const afterCommitCallbacks = new WeakMap<Tx, (() => void)[]>();
/** The pg connection of each open transaction on PostgreSQL, by its transaction client (see DirectSql). */
const directSlots = new WeakMap<Tx, DirectSlot>();

/** How long a transaction may wait for a connection (PGlite runs one at a time) and run. */
const TX_OPTIONS = { maxWait: 20_000, timeout: 30_000 };
const MIGRATION_RETRY_MS = 2_000;

/** Holds the one Prisma client of the process, applies migrations and tells whether the database is ready. */
@Injectable()
export class DatabaseService implements OnModuleInit, OnApplicationShutdown {
  private connection?: DatabaseConnection;
  private migrated = false;
  private retryTimer?: NodeJS.Timeout;
  private closed = false;
  private readonly listeners: NotificationListener[] = [];

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  get prisma(): PrismaClient {
    if (!this.connection) throw new Error('The database is not open yet');
    return this.connection.prisma;
  }

  get kind(): 'postgres' | 'pglite' {
    return this.config.storage.kind;
  }

  async onModuleInit(): Promise<void> {
    this.connection = await openDatabase(this.config.storage, { poolSize: this.config.databasePoolSize });
    if (!this.config.migrateOnStart) return;
    if (this.config.storage.kind === 'pglite') {
      await this.migrate(); // local: any failure is fatal
      return;
    }
    // PostgreSQL may not be up yet: serve /healthz and answer 503 on /readyz until it is, retrying meanwhile.
    try {
      await this.migrate();
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'database not reachable yet; retrying migrations');
      this.scheduleRetry();
    }
  }

  private async migrate(): Promise<void> {
    // Already up to date (every start but the first after an upgrade): no need to load the schema engine.
    if ((await this.pendingMigrations()).length === 0) {
      this.migrated = true;
      this.logger.info('database schema up to date');
      return;
    }
    const adapter = this.connection!.migrationAdapter();
    let applied: string[];
    try {
      applied = await applyMigrations(adapter.factory);
    } finally {
      await adapter.dispose();
    }
    this.migrated = true;
    this.logger.info({ applied }, 'migrations applied');
  }

  /** Migrations of prisma/migrations that the database has not recorded as applied. */
  private async pendingMigrations(): Promise<string[]> {
    const expected = readMigrations().migrationDirectories.map((d) => d.path);
    const [{ exists }] = await this.connection!.prisma.$queryRawUnsafe<{ exists: boolean }[]>(
      "SELECT to_regclass('_prisma_migrations') IS NOT NULL AS exists",
    );
    if (!exists) return expected;
    const rows = await this.connection!.prisma.$queryRawUnsafe<{ migration_name: string }[]>(
      'SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
    );
    const applied = new Set(rows.map((r) => r.migration_name));
    return expected.filter((name) => !applied.has(name));
  }

  private scheduleRetry(): void {
    this.retryTimer = setTimeout(() => {
      if (this.closed) return;
      this.migrate().catch(() => this.scheduleRetry());
    }, MIGRATION_RETRY_MS);
    this.retryTimer.unref();
  }

  /** Ready when the database answers and every migration of prisma/migrations is applied. */
  async readiness(): Promise<{ ready: boolean; reason?: string }> {
    if (!this.connection || this.closed) return { ready: false, reason: 'database closed' };
    try {
      if (!this.migrated) {
        const missing = await this.pendingMigrations();
        if (missing.length) return { ready: false, reason: `migrations not applied: ${missing.join(', ')}` };
        this.migrated = true;
      }
      await this.connection.prisma.$queryRawUnsafe('SELECT 1');
      return { ready: true };
    } catch (err) {
      return { ready: false, reason: `database unreachable: ${(err as Error).message.split('\n')[0]}` };
    }
  }

  poolState(): PoolState {
    return this.connection?.poolState() ?? { total: 0, idle: 0, waiting: 0 };
  }

  /**
   * Calls `onMessage` for every NOTIFY on `channel` from any process on the same database, and `onDown` when
   * notifications may have been missed. Returns whether notifications are flowing right now (ask again at each
   * use). On PGlite there is only ever this process: every change is seen locally, so it is always true.
   */
  listen(channel: string, onMessage: (payload: string) => void, onDown: () => void): () => boolean {
    if (this.config.storage.kind !== 'postgres') return () => true;
    const listener = new NotificationListener(this.config.storage.url, channel, onMessage, onDown);
    this.listeners.push(listener);
    listener.start();
    return () => listener.healthy;
  }

  /** One interactive transaction. Callers lock what they change (SELECT ... FOR UPDATE) inside it. */
  async transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    const callbacks: (() => void)[] = [];
    const direct = this.connection?.direct;
    const slot: DirectSlot | undefined = direct ? { client: null, closed: false } : undefined;
    let done: { value: T } | undefined;
    const open = (inside: <R>(work: () => R) => R = (work) => work()) =>
      this.prisma.$transaction(async (tx) => {
        afterCommitCallbacks.set(tx, callbacks);
        if (slot) directSlots.set(tx, slot);
        const value = await inside(() => fn(tx));
        done = { value };
        return value;
      }, TX_OPTIONS);
    let result: T;
    try {
      result = direct && slot ? await direct.track(open, slot) : await open();
    } catch (err) {
      // The work finished and its last statement committed the transaction (rawQuery with `commit`), but Prisma
      // gave up on the transaction meanwhile (its timeout, while that statement waited for a lock): it did commit.
      if (!(done && slot?.committed)) throw err;
      result = done.value;
    }
    for (const callback of callbacks) callback();
    return result;
  }

  /**
   * A raw statement in the transaction of `tx` (or outside any, with the shared client), as $queryRaw runs it; in a
   * transaction opened by transaction() on PostgreSQL, straight through its pg connection (see DirectSql). Only for
   * statements whose columns pg and Prisma map alike: no int8 or numeric.
   */
  rawQuery<T>(tx: Tx, sql: Prisma.Sql, options: { commit?: boolean } = {}): Promise<T[]> {
    const slot = directSlots.get(tx);
    if (slot && (slot.client || slot.closed)) return this.connection!.direct!.query<T>(slot, sql, options);
    if (options.commit) throw new Error('rawQuery: this transaction cannot commit with a statement (see canCommitWith)');
    return tx.$queryRaw<T[]>(sql);
  }

  /**
   * Whether the transaction of `tx` can commit together with a statement (rawQuery with `commit`): on PostgreSQL, in a
   * transaction opened by transaction() that has sent its first statement.
   */
  canCommitWith(tx: Tx): boolean {
    const slot = directSlots.get(tx);
    return slot !== undefined && slot.client !== null && !slot.closed;
  }

  /** Runs `work` with the shared client, outside any transaction (each statement commits by itself). */
  statement<T>(work: (db: Tx) => Promise<T>): Promise<T> {
    return work(this.prisma);
  }

  /**
   * Runs `callback` once the transaction of `tx` has committed (never when it rolls back). A transaction not opened
   * by transaction() runs it on the next turn of the event loop instead (best effort).
   */
  afterCommit(tx: Tx, callback: () => void): void {
    const callbacks = afterCommitCallbacks.get(tx);
    if (callbacks) callbacks.push(callback);
    else setImmediate(callback);
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await Promise.all(this.listeners.map((l) => l.close()));
    await this.connection?.close();
    this.connection = undefined;
  }
}
