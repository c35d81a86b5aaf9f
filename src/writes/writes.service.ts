import { createHash } from 'node:crypto';
import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { CLOCK, type Clock } from '../common/clock';
import { badRequest, ServiceError } from '../common/service-error';
import { DatabaseService, type Tx } from '../database/database.service';
import { stableStringify } from '../domain/canonical-json';
import type { Prisma } from '../generated/prisma/client';
import { IdempotencyRepository } from '../repositories/idempotency.repository';
import { isWebhooksVersionMoved } from '../repositories/audit.repository';
import { isUniqueViolation } from '../repositories/errors';
import type { IdempotencyRow } from '../repositories/records';

/** A response as the controller decided it (status, headers, body): what an Idempotency-Key replays. */
export interface StoredResponse<T = unknown> {
  statusCode: number;
  headers: Record<string, string>;
  body: T;
}

/** Who sent a request with which Idempotency-Key, on which route and with which body. */
export interface IdempotentRequest {
  caller: { actor: string; via: string | null };
  key: string | undefined;
  scope: string;
  body: unknown;
}

export interface WriteOptions {
  /** The domain error for a unique-constraint race lost to a concurrent writer (else the database error goes up). */
  onUniqueViolation?: () => Error;
}

const TTL_MS = 24 * 60 * 60 * 1000;
const KEY = /^[\x21-\x7e]{1,255}$/;

/**
 * The one place that opens the transaction of a write, and the one place that handles a unique-constraint
 * violation (P2002). Services run their writes through `run`; a route with Idempotency-Key runs through
 * `idempotent`, where the first successful response (as the controller built it) is stored in the same
 * transaction as the change, so a retry replays it and never applies the change twice; the same key with another
 * body is 422 IDEMPOTENCY_KEY_REUSED. Keys are per caller and live 24 hours.
 */
@Injectable()
export class Writes implements OnModuleInit, OnModuleDestroy {
  private sweeper?: NodeJS.Timeout;
  /** What to do when a transaction ends (e.g. drop cached reads of what it changed), by its client. */
  private readonly endHooks = new WeakMap<Tx, (() => void)[]>();
  /** The last statements of a transaction (its audit append), by its client: see lastly. */
  private readonly lastSteps = new WeakMap<Tx, (() => Promise<unknown>)[]>();
  /** Transactions in their last step, whose next statement may carry the COMMIT: see commitsWithThisStatement. */
  private readonly committing = new WeakSet<Tx>();

  constructor(
    private readonly database: DatabaseService,
    private readonly records: IdempotencyRepository,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    this.sweeper = setInterval(() => void this.sweep().catch(() => {}), 60 * 60 * 1000);
    this.sweeper.unref();
  }

  onModuleDestroy(): void {
    if (this.sweeper) clearInterval(this.sweeper);
  }

  /** Deletes expired idempotency records; returns how many. */
  sweep(): Promise<number> {
    return this.records.deleteExpired(this.clock.now());
  }

  /**
   * Runs `fn` when the transaction of `tx` has ended, committed or not (a commit whose outcome is unknown counts
   * too), before the write's caller goes on: the response of a write is sent only after its hooks ran.
   */
  afterTransaction(tx: Tx, fn: () => void): void {
    const hooks = this.endHooks.get(tx);
    if (!hooks) throw new Error('afterTransaction: not a transaction opened by Writes');
    hooks.push(fn);
  }

  /**
   * Runs `step` as the last statement of the transaction of `tx`, after everything else it does (the Idempotency-Key
   * record included), just before COMMIT. A write's audit append goes here: it locks the audit chain head, which then
   * stays locked for that one statement and the commit. On PostgreSQL the COMMIT may go out with it, in the same round
   * trip (see commitsWithThisStatement): the head is then not held while this process reads the result.
   */
  lastly(tx: Tx, step: () => Promise<unknown>): void {
    const steps = this.lastSteps.get(tx);
    if (!steps) throw new Error('lastly: not a transaction opened by Writes');
    steps.push(step);
  }

  /**
   * Whether the statement about to be sent in the transaction of `tx` may carry its COMMIT (DatabaseService.rawQuery
   * with `commit`): the first one asked about in the last `lastly` step, when the database can do it. Once only.
   */
  commitsWithThisStatement(tx: Tx): boolean {
    if (!this.committing.has(tx)) return false;
    this.committing.delete(tx);
    return this.database.canCommitWith(tx);
  }

  /**
   * One transaction with its end hooks (see afterTransaction) and last steps (see lastly). Its last statement may
   * carry the COMMIT (commitsWithThisStatement); if such a statement's guard failed (a webhook change committed
   * meanwhile: isWebhooksVersionMoved), the whole transaction has rolled back and runs once more without that.
   */
  private async transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    try {
      return await this.transactionOnce(work, true);
    } catch (err) {
      if (!isWebhooksVersionMoved(err)) throw err;
      return this.transactionOnce(work, false);
    }
  }

  private async transactionOnce<T>(work: (tx: Tx) => Promise<T>, commitWithLastStatement: boolean): Promise<T> {
    const hooks: (() => void)[] = [];
    try {
      return await this.database.transaction(async (tx) => {
        this.endHooks.set(tx, hooks);
        const steps: (() => Promise<unknown>)[] = [];
        this.lastSteps.set(tx, steps);
        const result = await work(tx);
        for (let i = 0; i < steps.length; i++) {
          if (i === steps.length - 1 && commitWithLastStatement) this.committing.add(tx);
          await steps[i]!();
        }
        this.committing.delete(tx);
        return result;
      });
    } finally {
      for (const hook of hooks) hook();
    }
  }

  /** Runs `work` in one transaction: all of it commits, or none of it. */
  async run<T>(work: (tx: Tx) => Promise<T>, options: WriteOptions = {}): Promise<T> {
    try {
      return await this.transaction(work);
    } catch (err) {
      if (options.onUniqueViolation && isUniqueViolation(err)) throw options.onUniqueViolation();
      throw err;
    }
  }

  /**
   * Runs a write that is ONE statement (atomic by itself) without opening a transaction around it: no BEGIN and
   * COMMIT round trips. `work` must issue exactly one statement that changes anything.
   */
  single<T>(work: (db: Tx) => Promise<T>): Promise<T> {
    return this.database.statement(work);
  }

  /** Runs `work` in one transaction, at most once per Idempotency-Key; `respond` turns its result into the response. */
  async idempotent<T, B>(
    request: IdempotentRequest,
    work: (tx: Tx) => Promise<T>,
    respond: (result: T) => StoredResponse<B>,
  ): Promise<StoredResponse<B> & { replayed: boolean }> {
    const { caller, key, scope } = request;
    if (key === undefined) return { ...respond(await this.run(work)), replayed: false };
    if (!KEY.test(key)) throw badRequest('Idempotency-Key must be 1-255 printable ASCII characters.');
    const principal = `${caller.via ?? caller.actor}:${caller.actor}`;
    const requestHash = createHash('sha256').update(stableStringify({ scope, body: request.body ?? null })).digest('hex');
    try {
      return await this.transaction(async (tx) => {
        const existing = await this.records.find(principal, key, tx);
        if (existing && existing.expiresAt > this.clock.now()) return this.replay<B>(existing, requestHash, scope);
        if (existing) await this.records.delete(tx, principal, key);
        const response = respond(await work(tx));
        if (response.statusCode < 300) {
          const now = this.clock.now();
          await this.records.create(tx, {
            principal,
            key,
            scope,
            requestHash,
            statusCode: response.statusCode,
            headers: response.headers,
            body: response.body as Prisma.JsonValue,
            createdAt: now,
            expiresAt: new Date(now.getTime() + TTL_MS),
          });
        }
        return { ...response, replayed: false };
      });
    } catch (err) {
      // A concurrent request with the same key committed first: its transaction rolled ours back; replay it. Either
      // it collided on the key's record (a unique violation), or our work, run after it committed, refused what it
      // had already done (a decision on a version it approved: 409 NOT_PENDING): a refusal is replayed as well
      // when the key's record is there now (it was not when our transaction looked, or we would have replayed).
      if (isUniqueViolation(err) || err instanceof ServiceError) {
        const existing = await this.records.find(principal, key);
        if (existing && existing.expiresAt > this.clock.now()) return this.replay<B>(existing, requestHash, scope);
      }
      throw err;
    }
  }

  private replay<B>(record: IdempotencyRow, requestHash: string, scope: string): StoredResponse<B> & { replayed: boolean } {
    if (record.requestHash !== requestHash || record.scope !== scope) {
      throw new ServiceError(
        'unprocessable',
        'IDEMPOTENCY_KEY_REUSED',
        'This Idempotency-Key was already used with a different request; use a new key for a new request.',
      );
    }
    return { statusCode: record.statusCode, headers: record.headers, body: record.body as B, replayed: true };
  }
}
