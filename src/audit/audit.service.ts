import { Inject, Injectable } from '@nestjs/common';
import type { Caller } from '../auth/principal';
import { CLOCK, type Clock } from '../common/clock';
import { DatabaseService, type Tx } from '../database/database.service';
import { auditEventHash, checkChainLink, GENESIS_HASH, type AuditEventContent } from '../domain/audit-chain';
import type { AuditEvent as AuditRow, Prisma } from '../generated/prisma/client';
import { decodeCursor, type Page, toPage } from '../http/pagination';

export type AuditAction =
  | 'cluster.created'
  | 'cluster.updated'
  | 'config.submitted'
  | 'config.decided'
  | 'config.approved'
  | 'config.rejected'
  | 'config.withdrawn'
  | 'config.superseded'
  | 'config.rendered'
  | 'apikey.created'
  | 'apikey.revoked'
  | 'person.updated';

export interface AuditEntry {
  action: AuditAction;
  cluster?: string | null;
  version?: number | null;
  details?: Record<string, unknown>;
}

/** An audit event as the API shows it: the hashed content plus its place in the chain. */
export type AuditEventView = AuditEventContent & { hash: string; prevHash: string };

export interface AuditFilter {
  cluster?: string;
  actor?: string;
  action?: string;
  since?: Date;
  until?: Date;
  limit: number;
  cursor?: string;
}

export type AuditVerification =
  | { ok: true; events: number; head: string }
  | { ok: false; events: number; head: string; /** the first bad event */ seq: number; reason: string };

const VERIFY_BATCH = 2_000;

export const SYSTEM_CALLER: Caller = { actor: 'system', via: null, roles: ['admin'], requestId: 'startup' };

function view(row: AuditRow): AuditEventView {
  return {
    seq: row.seq,
    at: row.at.toISOString(),
    actor: row.actor,
    via: row.via,
    action: row.action,
    cluster: row.cluster,
    version: row.version,
    requestId: row.requestId,
    details: row.details,
    hash: row.hash,
    prevHash: row.prevHash,
  };
}

/** The one writer of the audit trail: appends inside the caller's transaction, so an event exists iff its change does. */
@Injectable()
export class AuditService {
  constructor(
    private readonly database: DatabaseService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** Appends one event (see appendAll). */
  async append(tx: Tx, caller: Caller, entry: AuditEntry): Promise<AuditEventView> {
    const [event] = await this.appendAll(tx, caller, [entry]);
    return event;
  }

  /**
   * Appends events in order. Locks the chain head row until the caller's transaction ends, so concurrent writers
   * (in this process or another one on the same database) queue up and the chain never forks.
   */
  async appendAll(tx: Tx, caller: Caller, entries: AuditEntry[]): Promise<AuditEventView[]> {
    if (entries.length === 0) return [];
    const [head] = await tx.$queryRaw<{ seq: number; hash: string }[]>`SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE`;
    const at = this.clock.now().toISOString();
    let { seq, hash: prevHash } = head;
    const rows: AuditRow[] = [];
    for (const entry of entries) {
      seq += 1;
      const content: AuditEventContent = {
        seq,
        at,
        actor: caller.actor,
        via: caller.via,
        action: entry.action,
        cluster: entry.cluster ?? null,
        version: entry.version ?? null,
        requestId: caller.requestId,
        details: entry.details ?? {},
      };
      const hash = auditEventHash(prevHash, content);
      rows.push({ ...content, at: new Date(at), details: content.details as Prisma.JsonValue, prevHash, hash });
      prevHash = hash;
    }
    await tx.auditEvent.createMany({
      data: rows.map((r) => ({ ...r, details: r.details as Prisma.InputJsonValue })),
    });
    await tx.auditHead.update({ where: { id: 1 }, data: { seq, hash: prevHash } });
    return rows.map(view);
  }

  async list(filter: AuditFilter): Promise<Page<AuditEventView>> {
    const after = decodeCursor(filter.cursor, { seq: 'int' });
    const rows = await this.database.prisma.auditEvent.findMany({
      where: {
        cluster: filter.cluster,
        actor: filter.actor?.toLowerCase(),
        action: filter.action,
        at: filter.since || filter.until ? { gte: filter.since, lt: filter.until } : undefined,
        seq: after ? { gt: after.seq } : undefined,
      },
      orderBy: { seq: 'asc' },
      take: filter.limit + 1,
    });
    return toPage(rows, filter.limit, view, (r) => ({ seq: r.seq }));
  }

  /** Recomputes the whole chain, in batches, and compares its end with the head row. */
  async verify(): Promise<AuditVerification> {
    const prisma = this.database.prisma;
    const head = await prisma.auditHead.findUniqueOrThrow({ where: { id: 1 } });
    let prevHash = GENESIS_HASH;
    let expected = 1;
    let events = 0;
    for (;;) {
      // Only up to the head read above: events that commit meanwhile belong to a later head (checking them against
      // this one would raise a false alarm whenever anything is written during a verify).
      const batch = await prisma.auditEvent.findMany({
        where: { seq: { gte: expected, lte: head.seq } },
        orderBy: { seq: 'asc' },
        take: VERIFY_BATCH,
      });
      for (const row of batch) {
        const check = checkChainLink(expected, prevHash, { ...view(row), details: row.details });
        if (!check.ok) return { ok: false, events, head: head.hash, seq: check.seq, reason: check.reason };
        prevHash = row.hash;
        expected += 1;
        events += 1;
      }
      if (batch.length < VERIFY_BATCH) break;
    }
    if (head.seq !== events || head.hash !== prevHash) {
      return { ok: false, events, head: head.hash, seq: events + 1, reason: 'the chain head does not match the last event' };
    }
    // Events past the head that no writer recorded there (every writer moves the head in the transaction that
    // appends): the highest seq is read before the head again, so events committed meanwhile never count as such.
    const { _max } = await prisma.auditEvent.aggregate({ _max: { seq: true } });
    const latest = await prisma.auditHead.findUniqueOrThrow({ where: { id: 1 } });
    if ((_max.seq ?? 0) > latest.seq) {
      return { ok: false, events, head: head.hash, seq: latest.seq + 1, reason: 'events past the chain head that no writer recorded' };
    }
    return { ok: true, events, head: head.hash };
  }
}
