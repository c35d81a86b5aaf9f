import { Injectable } from '@nestjs/common';
import { DatabaseService, type Tx } from '../database/database.service';
import type { Prisma, Webhook, WebhookAttempt, WebhookDelivery } from '../generated/prisma/client';
import { decodeCursor, type Page, toPage } from '../http/pagination';
import { toVersion, type VersionRecord, type VersionWithDecisions } from './records';

/** A delivery claimed for one attempt, with what the attempt needs. */
export interface ClaimedDelivery {
  id: string;
  webhookId: string;
  eventId: string;
  /** The number of this attempt (1-based). */
  attempts: number;
  createdAt: Date;
  url: string;
  format: string;
  secretEncrypted: string;
  type: string;
  data: unknown;
}

export type DeliveryWithType = WebhookDelivery & { event: { type: string } };

/** The outcome of one attempt, as stored. */
export interface AttemptRecord {
  deliveryId: string;
  number: number;
  at: Date;
  durationMs: number;
  statusCode: number | null;
  error: string | null;
  responseBody: string | null;
  /** delivered; retry after `retryAfterMs`; failed (no attempt left, or 410). */
  outcome: { kind: 'delivered' } | { kind: 'retry'; retryAfterMs: number } | { kind: 'failed' };
}

/** Queries of webhooks, their events (the outbox) and deliveries. Writes take the caller's transaction. */
@Injectable()
export class WebhooksRepository {
  constructor(private readonly database: DatabaseService) {}

  private get db() {
    return this.database.prisma;
  }

  create(tx: Tx, data: Prisma.WebhookUncheckedCreateInput): Promise<Webhook> {
    return tx.webhook.create({ data });
  }

  find(id: string, tx?: Tx): Promise<Webhook | null> {
    return (tx ?? this.db).webhook.findUnique({ where: { id } });
  }

  /**
   * Locks a webhook's row against other changes of it for the rest of the transaction (null: no such webhook). FOR NO
   * KEY UPDATE, not FOR UPDATE: a write that holds the audit chain head and inserts a delivery for this webhook (its
   * foreign key check takes KEY SHARE) must not wait for us while we wait for the head.
   */
  async lock(tx: Tx, id: string): Promise<Webhook | null> {
    const rows = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM webhooks WHERE id = ${id}::uuid FOR NO KEY UPDATE`;
    return rows.length ? tx.webhook.findUnique({ where: { id } }) : null;
  }

  update(tx: Tx, id: string, data: Prisma.WebhookUpdateInput): Promise<Webhook> {
    return tx.webhook.update({ where: { id }, data });
  }

  async delete(tx: Tx, id: string): Promise<void> {
    await tx.webhook.delete({ where: { id } });
  }

  async list(limit: number, cursor?: string): Promise<Page<Webhook>> {
    const after = decodeCursor(cursor, { at: 'timestamp', id: 'uuid' });
    const rows = await this.db.webhook.findMany({
      where: after ? { OR: [{ createdAt: { gt: new Date(after.at) } }, { createdAt: new Date(after.at), id: { gt: after.id } }] } : undefined,
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      take: limit + 1,
    });
    return toPage(rows, limit, (r) => r, (r) => ({ at: r.createdAt.toISOString(), id: r.id }));
  }

  /** Every stored secret (start-up checks that the key decrypts them). */
  secrets(): Promise<{ id: string; secretEncrypted: string }[]> {
    return this.db.webhook.findMany({ select: { id: true, secretEncrypted: true } });
  }

  /** The subscriptions events are matched against, read in the transaction that writes the events. */
  enabledSubscriptions(tx: Tx): Promise<{ id: string; events: string[]; clusters: string[]; format: string }[]> {
    return tx.webhook.findMany({ where: { enabled: true }, select: { id: true, events: true, clusters: true, format: true } });
  }

  /** NOTIFY `channel` when the transaction commits (PostgreSQL: every process listening on the database hears it). */
  async notifyOnCommit(tx: Tx, channel: string): Promise<void> {
    await tx.$executeRaw`SELECT pg_notify(${channel}, '')`;
  }

  /**
   * One event and its deliveries, in one statement: a delivery for each of `webhookIds` that still exists and is
   * enabled (the caller matched a cached list of subscriptions, which may lag a change made by another process by
   * the notification delay), and NOTIFY `notify` at commit when given and a delivery was written.
   */
  async insertEventWithDeliveries(tx: Tx, event: { id: string; type: string; data: unknown }, webhookIds: string[], notify: string | null): Promise<number> {
    const [row] = await tx.$queryRaw<{ n: number }[]>`
      WITH ev AS (
        INSERT INTO webhook_events (id, type, data) VALUES (${event.id}, ${event.type}, ${JSON.stringify(event.data)}::jsonb)
      ),
      del AS (
        INSERT INTO webhook_deliveries (id, webhook_id, event_id)
        SELECT gen_random_uuid(), w.id, ${event.id} FROM webhooks w WHERE w.id = ANY(${webhookIds}::uuid[]) AND w.enabled
        RETURNING 1
      )
      SELECT count(*)::int AS n, CASE WHEN ${notify}::text IS NOT NULL AND count(*) > 0 THEN pg_notify(${notify}::text, '') END::text AS notified FROM del`;
    return row.n;
  }

  async insertEvent(tx: Tx, event: { id: string; type: string; data: unknown }): Promise<void> {
    await tx.webhookEvent.create({ data: { id: event.id, type: event.type, data: event.data as Prisma.InputJsonValue } });
  }

  /** A new delivery (ping, redelivery) of an event that exists. */
  createDelivery(tx: Tx, row: { webhookId: string; eventId: string; manual: boolean }): Promise<DeliveryWithType> {
    return tx.webhookDelivery.create({ data: row, include: { event: { select: { type: true } } } });
  }

  /** Newest first. */
  async deliveries(webhookId: string, limit: number, cursor?: string): Promise<Page<DeliveryWithType>> {
    const before = decodeCursor(cursor, { at: 'timestamp', id: 'uuid' });
    const rows = await this.db.webhookDelivery.findMany({
      where: {
        webhookId,
        ...(before ? { OR: [{ createdAt: { lt: new Date(before.at) } }, { createdAt: new Date(before.at), id: { lt: before.id } }] } : {}),
      },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: limit + 1,
      include: { event: { select: { type: true } } },
    });
    return toPage(rows, limit, (r) => r, (r) => ({ at: r.createdAt.toISOString(), id: r.id }));
  }

  delivery(webhookId: string, id: string, tx?: Tx): Promise<(DeliveryWithType & { attemptLog: WebhookAttempt[] }) | null> {
    return (tx ?? this.db).webhookDelivery.findFirst({
      where: { id, webhookId },
      include: { event: { select: { type: true } }, attemptLog: { orderBy: { number: 'asc' } } },
    });
  }

  /**
   * Claims up to `limit` due deliveries for one attempt each: the attempt count moves on and the row is leased
   * (next_attempt_at pushed `leaseMs` ahead) in one statement. FOR UPDATE SKIP LOCKED lets several processes claim at
   * once without waiting for each other or taking the same row; once this statement commits, no other process can
   * claim the row until the lease ends, so an attempt is sent by one process only. Among rows due at the same
   * time, events go in their audit order (evt_<seq>: shorter ids first, then by text), e.g. decided before approved.
   */
  claim(limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
    return this.db.$queryRaw<ClaimedDelivery[]>`
      WITH due AS (
        SELECT d.id FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
        WHERE d.status = 'pending' AND d.next_attempt_at <= now() AND (w.enabled OR d.manual)
        ORDER BY d.next_attempt_at, length(d.event_id), d.event_id, d.id
        LIMIT ${limit}
        FOR UPDATE OF d SKIP LOCKED
      )
      UPDATE webhook_deliveries d
      SET attempts = d.attempts + 1, next_attempt_at = now() + ${leaseMs}::int * interval '1 millisecond'
      FROM due, webhooks w, webhook_events e
      WHERE d.id = due.id AND w.id = d.webhook_id AND e.id = d.event_id
      RETURNING d.id, d.webhook_id AS "webhookId", d.event_id AS "eventId", d.attempts, d.created_at AS "createdAt",
        w.url, w.format, w.secret_encrypted AS "secretEncrypted", e.type, e.data`;
  }

  /**
   * Stores an attempt and its consequence, if the delivery is still this attempt's (not deleted with its webhook,
   * not claimed again after a lease ran out). Returns whether it was.
   */
  async recordAttempt(tx: Tx, a: AttemptRecord): Promise<boolean> {
    const common = { lastStatus: a.statusCode, lastError: a.error };
    let changed: number;
    if (a.outcome.kind === 'retry') {
      changed = await tx.$executeRaw`
        UPDATE webhook_deliveries SET last_status = ${a.statusCode}, last_error = ${a.error},
          next_attempt_at = now() + ${Math.round(a.outcome.retryAfterMs)}::int * interval '1 millisecond'
        WHERE id = ${a.deliveryId}::uuid AND attempts = ${a.number} AND status = 'pending'`;
    } else {
      const data =
        a.outcome.kind === 'delivered'
          ? { ...common, status: 'delivered' as const, deliveredAt: new Date(), nextAttemptAt: null }
          : { ...common, status: 'failed' as const, nextAttemptAt: null };
      ({ count: changed } = await tx.webhookDelivery.updateMany({ where: { id: a.deliveryId, attempts: a.number, status: 'pending' }, data }));
    }
    if (changed === 0) return false;
    await tx.webhookAttempt.create({
      data: {
        deliveryId: a.deliveryId,
        number: a.number,
        at: a.at,
        durationMs: a.durationMs,
        statusCode: a.statusCode,
        error: a.error,
        responseBody: a.responseBody,
      },
    });
    return true;
  }

  /** Disables a webhook (a 410 answer); true when it was enabled. */
  async disable(tx: Tx, id: string): Promise<boolean> {
    const { count } = await tx.webhook.updateMany({ where: { id, enabled: true }, data: { enabled: false } });
    return count > 0;
  }

  /** Milliseconds until the next delivery is due (0: now; null: none pending). */
  async nextDueInMs(): Promise<number | null> {
    const [row] = await this.db.$queryRaw<{ ms: number | null }[]>`
      SELECT (EXTRACT(EPOCH FROM (min(d.next_attempt_at) - now())) * 1000)::float8 AS ms
      FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
      WHERE d.status = 'pending' AND (w.enabled OR d.manual)`;
    return row?.ms === null || row?.ms === undefined ? null : Math.max(0, Number(row.ms));
  }

  /** Age in seconds of the oldest delivery still pending (of enabled webhooks), 0 when none. */
  async oldestPendingAgeSeconds(): Promise<number> {
    const [row] = await this.db.$queryRaw<{ s: number | null }[]>`
      SELECT EXTRACT(EPOCH FROM (now() - min(d.created_at)))::float8 AS s
      FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
      WHERE d.status = 'pending' AND (w.enabled OR d.manual)`;
    return Math.max(0, Number(row?.s ?? 0));
  }

  /** The version an event names, with its decisions, as the transaction sees it. */
  async version(tx: Tx, cluster: string, version: number): Promise<VersionWithDecisions | null> {
    const row = await tx.configVersion.findFirst({ where: { cluster: { name: cluster }, version }, include: { decisions: true } });
    return row && toVersion(row);
  }

  /** The approved version of a cluster other than `version`, else the one before `version` (a diff's "from"). */
  async diffBase(tx: Tx, clusterId: string, version: number, previousCurrent: number | null): Promise<VersionRecord | null> {
    const row =
      previousCurrent !== null
        ? await tx.configVersion.findFirst({ where: { clusterId, version: previousCurrent } })
        : ((await tx.configVersion.findFirst({ where: { clusterId, status: 'approved', version: { not: version } }, orderBy: { version: 'desc' } })) ??
          (await tx.configVersion.findFirst({ where: { clusterId, version: { lt: version } }, orderBy: { version: 'desc' } })));
    return row && toVersion(row);
  }
}
