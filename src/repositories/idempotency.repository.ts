import { Injectable } from '@nestjs/common';
import { DatabaseService, type Tx } from '../database/database.service';
import { type IdempotencyRow, json, toIdempotency } from './records';

/** The `idempotency_records` table: one stored response per (caller, key). */
@Injectable()
export class IdempotencyRepository {
  constructor(private readonly database: DatabaseService) {}

  async find(principal: string, key: string, db: Tx = this.database.prisma): Promise<IdempotencyRow | null> {
    const row = await db.idempotencyRecord.findUnique({ where: { principal_key: { principal, key } } });
    return row && toIdempotency(row);
  }

  async delete(tx: Tx, principal: string, key: string): Promise<void> {
    await tx.idempotencyRecord.delete({ where: { principal_key: { principal, key } } });
  }

  async create(tx: Tx, record: IdempotencyRow): Promise<void> {
    await tx.idempotencyRecord.create({ data: { ...record, headers: record.headers, body: json(record.body) } });
  }

  /** Deletes the records that expired before `now`; returns how many. */
  async deleteExpired(now: Date): Promise<number> {
    const { count } = await this.database.prisma.idempotencyRecord.deleteMany({ where: { expiresAt: { lt: now } } });
    return count;
  }
}
