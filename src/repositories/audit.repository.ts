import { Injectable } from '@nestjs/common';
import { DatabaseService, type Tx } from '../database/database.service';
import type { AuditEvent } from '../generated/prisma/client';
import { json } from './records';

export type AuditRow = AuditEvent;

export interface AuditHead {
  seq: number;
  hash: string;
}

export interface AuditQuery {
  cluster?: string;
  actor?: string;
  action?: string;
  since?: Date;
  until?: Date;
  afterSeq?: number;
  take: number;
}

/** The `audit_events` table and its chain head (`audit_head`, one row). Append-only: no update or delete here. */
@Injectable()
export class AuditRepository {
  constructor(private readonly database: DatabaseService) {}

  /** Locks the chain head until `tx` ends, so concurrent writers (any process) queue up and the chain never forks. */
  async lockHead(tx: Tx): Promise<AuditHead> {
    const [head] = await tx.$queryRaw<AuditHead[]>`SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE`;
    return head;
  }

  /** Inserts the events and moves the head to the last one (call lockHead first in the same transaction). */
  async append(tx: Tx, rows: AuditRow[], head: AuditHead): Promise<void> {
    await tx.auditEvent.createMany({ data: rows.map((r) => ({ ...r, details: json(r.details) })) });
    await tx.auditHead.update({ where: { id: 1 }, data: head });
  }

  list(query: AuditQuery): Promise<AuditRow[]> {
    return this.database.prisma.auditEvent.findMany({
      where: {
        cluster: query.cluster,
        actor: query.actor,
        action: query.action,
        at: query.since || query.until ? { gte: query.since, lt: query.until } : undefined,
        seq: query.afterSeq !== undefined ? { gt: query.afterSeq } : undefined,
      },
      orderBy: { seq: 'asc' },
      take: query.take,
    });
  }

  head(): Promise<AuditHead> {
    return this.database.prisma.auditHead.findUniqueOrThrow({ where: { id: 1 }, select: { seq: true, hash: true } });
  }

  /** Events from seq `from` to `to` (inclusive) in order, `take` at most. */
  range(from: number, to: number, take: number): Promise<AuditRow[]> {
    return this.database.prisma.auditEvent.findMany({ where: { seq: { gte: from, lte: to } }, orderBy: { seq: 'asc' }, take });
  }

  async maxSeq(): Promise<number> {
    const { _max } = await this.database.prisma.auditEvent.aggregate({ _max: { seq: true } });
    return _max.seq ?? 0;
  }
}
