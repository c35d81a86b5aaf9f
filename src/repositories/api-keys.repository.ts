import { Injectable } from '@nestjs/common';
import { DatabaseService, type Tx } from '../database/database.service';
import type { ApiKeyRecord } from './records';

export type NewApiKey = Pick<ApiKeyRecord, 'name' | 'nameKey' | 'tokenHash' | 'tokenPrefix' | 'roles' | 'canActFor' | 'createdBy' | 'expiresAt'>;

/** The `api_keys` table. Reads default to the shared client; writes take the caller's transaction. */
@Injectable()
export class ApiKeysRepository {
  constructor(private readonly database: DatabaseService) {}

  findByTokenHash(tokenHash: string): Promise<ApiKeyRecord | null> {
    return this.database.prisma.apiKey.findUnique({ where: { tokenHash } });
  }

  findByName(name: string, db: Tx = this.database.prisma): Promise<ApiKeyRecord | null> {
    return db.apiKey.findUnique({ where: { name } });
  }

  /** By the lower-cased name (names are case-insensitive and unique). */
  findByNameKey(nameKey: string, db: Tx = this.database.prisma): Promise<ApiKeyRecord | null> {
    return db.apiKey.findUnique({ where: { nameKey } });
  }

  findById(id: string): Promise<ApiKeyRecord | null> {
    return this.database.prisma.apiKey.findUnique({ where: { id } });
  }

  /** Sets lastUsedAt (bookkeeping outside any write transaction: the key may be gone meanwhile). */
  async touch(id: string, at: Date): Promise<void> {
    await this.database.prisma.apiKey.updateMany({ where: { id }, data: { lastUsedAt: at } });
  }

  /** Keys by creation time then id, after the given position; `take` rows at most. */
  list(after: { at: string; id: string } | undefined, take: number): Promise<ApiKeyRecord[]> {
    return this.database.prisma.apiKey.findMany({
      where: after ? { OR: [{ createdAt: { gt: new Date(after.at) } }, { createdAt: new Date(after.at), id: { gt: after.id } }] } : undefined,
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      take,
    });
  }

  count(): Promise<number> {
    return this.database.prisma.apiKey.count();
  }

  create(tx: Tx, key: NewApiKey): Promise<ApiKeyRecord> {
    return tx.apiKey.create({ data: key });
  }

  /** Locks the key's row for the rest of the transaction and reads it; null when no key has this id. */
  async lockById(tx: Tx, id: string): Promise<ApiKeyRecord | null> {
    const [locked] = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM api_keys WHERE id = ${id}::uuid FOR UPDATE`;
    return locked ? tx.apiKey.findUniqueOrThrow({ where: { id } }) : null;
  }

  revoke(tx: Tx, id: string, at: Date): Promise<ApiKeyRecord> {
    return tx.apiKey.update({ where: { id }, data: { revokedAt: at } });
  }

  /** NOTIFY `channel` with `payload`: delivered to every process listening on this database when `tx` commits. */
  async notify(tx: Tx, channel: string, payload: string): Promise<void> {
    await tx.$executeRaw`SELECT pg_notify(${channel}, ${payload})`;
  }
}
