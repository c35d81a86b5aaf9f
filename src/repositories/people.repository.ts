import { Injectable } from '@nestjs/common';
import { DatabaseService, type Tx } from '../database/database.service';
import type { Person } from '../generated/prisma/client';

export type { Person };

/** The people table's queries. Writes take the caller's transaction. */
@Injectable()
export class PeopleRepository {
  constructor(private readonly database: DatabaseService) {}

  find(name: string, db: Tx = this.database.prisma): Promise<Person | null> {
    return db.person.findUnique({ where: { name } });
  }

  /** Inserts the person unless one of that name exists (a concurrent insert included); true when inserted. */
  async insertIfAbsent(tx: Tx, person: { name: string; roles: string[]; source: 'oidc' | 'admin'; lastSeenAt: Date | null; at: Date }): Promise<boolean> {
    const { count } = await tx.person.createMany({
      data: [{ name: person.name, roles: person.roles, source: person.source, lastSeenAt: person.lastSeenAt, createdAt: person.at, updatedAt: person.at }],
      skipDuplicates: true,
    });
    return count === 1;
  }

  /** The person's row, locked until the transaction ends. */
  async lock(tx: Tx, name: string): Promise<Person | null> {
    const rows = await tx.$queryRaw<Person[]>`
      SELECT name, roles, source, last_seen_at AS "lastSeenAt", created_at AS "createdAt", updated_at AS "updatedAt"
      FROM people WHERE name = ${name} FOR UPDATE`;
    return rows[0] ?? null;
  }

  update(tx: Tx, name: string, data: { roles?: string[]; source?: 'oidc' | 'admin'; lastSeenAt?: Date; updatedAt?: Date }): Promise<Person> {
    return tx.person.update({ where: { name }, data });
  }

  /** A keyset page by name: limit + 1 rows after `afterName`. */
  page(limit: number, afterName: string | null): Promise<Person[]> {
    return this.database.prisma.person.findMany({
      where: afterName === null ? undefined : { name: { gt: afterName } },
      orderBy: { name: 'asc' },
      take: limit + 1,
    });
  }
}
