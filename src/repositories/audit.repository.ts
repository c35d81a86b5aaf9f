import { Injectable } from '@nestjs/common';
import { DatabaseService, type Tx } from '../database/database.service';
import { type AuditEvent, Prisma } from '../generated/prisma/client';
import type { WriteStep } from './write-step';

export type AuditRow = AuditEvent;

export interface AuditHead {
  seq: number;
  hash: string;
}

/** One event to append: its columns, and its canonical JSON before and after the seq (see auditHashParts). */
export interface ChainedEvent {
  /** ISO 8601 text (as hashed) */
  at: string;
  actor: string;
  via: string | null;
  requestId: string | null;
  action: string;
  cluster: string | null;
  version: number | null;
  /** JSON text */
  details: string;
  prefix: string;
  suffix: string;
}

/** Where an appended event landed in the chain. */
export interface ChainLink {
  seq: number;
  prevHash: string;
  hash: string;
  /** The head's webhooks_version as this statement locked it (before any `webhook.*` event of its own moved it). */
  webhooksVersion: number;
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

/** How an append is guarded, and whether the transaction commits with it (see append). */
export interface AppendOptions {
  /** Append only if the chain head's webhooks_version is still this one when locked. */
  atWebhooksVersion?: number;
  /** If it is not: append nothing (default), or fail the statement (see isWebhooksVersionMoved). */
  orElse?: 'nothing' | 'fail';
  /** The transaction commits right behind this statement, in the same round trip (DatabaseService.rawQuery). */
  commit?: boolean;
}

/** The text the failing guard's error carries (in PostgreSQL's message of a failed integer cast, SQLSTATE 22P02). */
const WEBHOOKS_VERSION_MOVED = 'audit_head.webhooks_version moved: now ';

/** Whether `err` is the failure of an append guarded with orElse 'fail' (the head's webhooks_version had moved). */
export function isWebhooksVersionMoved(err: unknown): boolean {
  return err instanceof Error && err.message.includes(WEBHOOKS_VERSION_MOVED);
}

/** The `audit_events` table and its chain head (`audit_head`, one row). Append-only: no update or delete here. */
@Injectable()
export class AuditRepository {
  constructor(private readonly database: DatabaseService) {}

  /**
   * Appends events to the chain in ONE statement, so the chain head stays locked for this one round trip and the
   * commit: it locks the head row (concurrent writers of any process queue up there and the chain never forks),
   * numbers the events from it, chains their hashes in SQL (sha256 of prevHash, "\n" and the canonical JSON, given
   * as the text before and after the seq: see auditHashParts), inserts them and moves the head to the last one.
   * Returns each event's seq and hashes, in order. Anything else the transaction writes should come before it, or
   * in it: `step` (the write's own changes, as data-modifying CTEs) runs in this same statement.
   */
  async append(tx: Tx, events: ChainedEvent[], step?: WriteStep, options: AppendOptions = {}): Promise<ChainLink[]> {
    if (events.length === 0) return [];
    // With atWebhooksVersion, the append happens only if the locked head is still at that version: the lock re-reads
    // the head row, so a webhook change that committed while this statement waited for it is seen. Otherwise nothing
    // is appended (no row returned), or the statement fails (orElse 'fail': with the write's own changes, which are
    // in this same statement, and so the transaction; see isWebhooksVersionMoved).
    const at = options.atWebhooksVersion;
    const guard = at === undefined || options.orElse === 'fail' ? Prisma.empty : Prisma.sql`AND webhooks_version = ${at}::int`;
    const check =
      at === undefined || options.orElse !== 'fail'
        ? Prisma.empty
        : Prisma.sql`WHERE CASE WHEN h.webhooks_version = ${at}::int THEN true ELSE (${WEBHOOKS_VERSION_MOVED} || h.webhooks_version::text)::int IS NULL END`;
    const col = <K extends keyof ChainedEvent>(k: K) => events.map((e) => e[k]);
    // Each event carries its own time and caller: a group append (see AuditService.appendGrouped) chains the events
    // of several requests in one statement.
    return this.database.rawQuery<ChainLink>(tx, Prisma.sql`/* prepared */
      WITH RECURSIVE
      ${step ? Prisma.sql`${step.ctes},` : Prisma.empty}
      head AS (SELECT seq, hash, webhooks_version FROM audit_head WHERE id = 1 ${guard} FOR UPDATE),
      ev AS (
        SELECT * FROM unnest(${col('action')}::text[], ${col('cluster')}::text[], ${col('version')}::int[], ${col('details')}::text[],
                             ${col('prefix')}::text[], ${col('suffix')}::text[], ${col('at')}::timestamptz[], ${col('actor')}::text[],
                             ${col('via')}::text[], ${col('requestId')}::text[])
          WITH ORDINALITY AS e(action, cluster, version, details, prefix, suffix, at, actor, via, request_id, n)
      ),
      chain AS (
        SELECT e.n, h.seq + 1 AS seq, h.hash AS prev_hash,
               encode(sha256(convert_to(h.hash || E'\n' || e.prefix || (h.seq + 1)::text || e.suffix, 'UTF8')), 'hex') AS hash
          FROM head h JOIN ev e ON e.n = 1 ${check}
        UNION ALL
        SELECT e.n, c.seq + 1, c.hash,
               encode(sha256(convert_to(c.hash || E'\n' || e.prefix || (c.seq + 1)::text || e.suffix, 'UTF8')), 'hex')
          FROM chain c JOIN ev e ON e.n = c.n + 1
      ),
      inserted AS (
        INSERT INTO audit_events (seq, at, actor, via, action, cluster, version, request_id, details, prev_hash, hash)
        SELECT c.seq, e.at, e.actor, e.via, e.action, e.cluster, e.version, e.request_id,
               e.details::jsonb, c.prev_hash, c.hash
          FROM chain c JOIN ev e ON e.n = c.n
        RETURNING seq
      ),
      moved AS (
        UPDATE audit_head SET seq = last.seq, hash = last.hash,
               webhooks_version = audit_head.webhooks_version + (CASE WHEN EXISTS (SELECT 1 FROM ev WHERE ev.action LIKE 'webhook.%') THEN 1 ELSE 0 END)
          FROM (SELECT seq, hash FROM chain ORDER BY n DESC LIMIT 1) last
         WHERE audit_head.id = 1
        RETURNING audit_head.seq
      )
      SELECT c.seq, c.prev_hash AS "prevHash", c.hash, (SELECT webhooks_version FROM head) AS "webhooksVersion" FROM chain c ORDER BY c.n`,
      { commit: options.commit },
    );
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

  /**
   * Events from seq `from` to `to` (inclusive) in order, `take` at most: one raw statement on the primary key (the
   * query builder's result mapping cost more than the hashing of a verify).
   */
  range(from: number, to: number, take: number): Promise<AuditRow[]> {
    return this.database.prisma.$queryRaw<AuditRow[]>`
      SELECT seq, at, actor, via, action, cluster, version, request_id AS "requestId", details, prev_hash AS "prevHash", hash
        FROM audit_events WHERE seq >= ${from}::int AND seq <= ${to}::int ORDER BY seq LIMIT ${take}::int`;
  }

  async maxSeq(): Promise<number> {
    const { _max } = await this.database.prisma.auditEvent.aggregate({ _max: { seq: true } });
    return _max.seq ?? 0;
  }
}
