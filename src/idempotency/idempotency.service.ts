import { createHash } from 'node:crypto';
import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { Caller } from '../auth/principal';
import { CLOCK, type Clock } from '../common/clock';
import { badRequest, ServiceError } from '../common/service-error';
import { DatabaseService, type Tx } from '../database/database.service';
import { stableStringify } from '../domain/canonical-json';
import { Prisma } from '../generated/prisma/client';
import { IdempotencyRepository } from '../repositories/idempotency.repository';
import type { IdempotencyRow } from '../repositories/records';

export interface StoredResponse<T = unknown> {
  statusCode: number;
  headers: Record<string, string>;
  body: T;
}

const TTL_MS = 24 * 60 * 60 * 1000;
const KEY = /^[\x21-\x7e]{1,255}$/;

/**
 * Idempotency-Key for submissions and decisions: the first successful response is stored in the same
 * transaction as the change, so a retry replays it and never applies the change twice; the same key with
 * another body is 422 IDEMPOTENCY_KEY_REUSED. Keys are per caller and live 24 hours.
 */
@Injectable()
export class IdempotencyService implements OnModuleInit, OnModuleDestroy {
  private sweeper?: NodeJS.Timeout;

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

  async sweep(): Promise<number> {
    return this.records.deleteExpired(this.clock.now());
  }

  async run<T>(
    caller: Caller,
    key: string | undefined,
    scope: string,
    requestBody: unknown,
    work: (tx: Tx) => Promise<StoredResponse<T>>,
  ): Promise<StoredResponse<T> & { replayed: boolean }> {
    if (key === undefined) return { ...(await this.database.transaction(work)), replayed: false };
    if (!KEY.test(key)) throw badRequest('Idempotency-Key must be 1-255 printable ASCII characters.');
    const principal = `${caller.via ?? caller.actor}:${caller.actor}`;
    const requestHash = createHash('sha256').update(stableStringify({ scope, body: requestBody ?? null })).digest('hex');
    try {
      return await this.database.transaction(async (tx) => {
        const existing = await this.records.find(principal, key, tx);
        if (existing && existing.expiresAt > this.clock.now()) return this.replay<T>(existing, requestHash, scope);
        if (existing) await this.records.delete(tx, principal, key);
        const response = await work(tx);
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
      // A concurrent request with the same key committed first: its transaction rolled ours back; replay it.
      if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') {
        const existing = await this.records.find(principal, key);
        if (existing) return this.replay<T>(existing, requestHash, scope);
      }
      throw err;
    }
  }

  private replay<T>(
    record: IdempotencyRow,
    requestHash: string,
    scope: string,
  ): StoredResponse<T> & { replayed: boolean } {
    if (record.requestHash !== requestHash || record.scope !== scope) {
      throw new ServiceError(
        'unprocessable',
        'IDEMPOTENCY_KEY_REUSED',
        'This Idempotency-Key was already used with a different request; use a new key for a new request.',
      );
    }
    return { statusCode: record.statusCode, headers: record.headers, body: record.body as T, replayed: true };
  }
}
