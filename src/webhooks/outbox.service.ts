import { Inject, Injectable } from '@nestjs/common';
import { type AuditEventView, AuditService } from '../audit/audit.service';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { DatabaseService, type Tx } from '../database/database.service';
import { diffVersions } from '../domain/diff';
import type { VersionRecord } from '../repositories/records';
import { WebhooksRepository } from '../repositories/webhooks.repository';
import { versionView } from '../versions/version.view';
import { type EventData, EVENT_TYPE_PREFIX, eventVersion } from './payloads';
import { subscriptionMatches } from './webhook-actions';

/** NOTIFY channel that wakes the dispatchers of every process on the database when deliveries were written. */
export const DELIVERIES_CHANNEL = 'webhook_deliveries';

/** NOTIFY channel of every change to a webhook (its `webhook.*` audit event): the outboxes drop their subscriptions. */
export const WEBHOOKS_CHANGED_CHANNEL = 'webhooks_changed';

type Subscription = Awaited<ReturnType<WebhooksRepository['enabledSubscriptions']>>[number];

/** Wakes the local dispatcher (set by it; the outbox must not depend on the dispatcher's construction order). */
export type Waker = () => void;

/**
 * The transactional outbox: for every audit event, in the transaction that appends it (and makes the change), one
 * webhook_events row and one webhook_deliveries row per matching enabled subscription. A crash can then never lose
 * a delivery of a committed change, nor deliver an event whose change rolled back.
 *
 * The enabled subscriptions are cached per process, so a write with no matching subscription costs no query here:
 * every webhook change (each one appends a `webhook.*` audit event, so it passes through here) drops the list in this
 * process when it commits, before its response, and in the other processes through NOTIFY `webhooks_changed`; the
 * cache is not used while that notification channel is down. A write that begins after a webhook change was
 * answered sees it in this process; in another process, after the notification delay. The deliveries are inserted
 * only for webhooks that still exist and are enabled, so a list that lags never breaks a write.
 */
@Injectable()
export class WebhookOutbox {
  private waker: Waker = () => {};
  private subscriptions: Subscription[] | null = null;
  /** Moves on every change to the subscriptions: a list read before it is not stored. */
  private generation = 0;
  private readonly notificationsFlowing: () => boolean;

  constructor(
    audit: AuditService,
    private readonly database: DatabaseService,
    private readonly repository: WebhooksRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    audit.onAppend(
      (tx, events) => this.enqueue(tx, events),
      (entries) => this.mayWant(entries),
    );
    this.notificationsFlowing = database.listen(
      WEBHOOKS_CHANGED_CHANNEL,
      () => this.forget(),
      () => this.forget(),
    );
  }

  /** False only when the cached subscriptions surely want none of these entries (and they change no webhook). */
  private mayWant(entries: readonly { action: string; cluster?: string | null }[]): boolean {
    const subscriptions = this.subscriptions;
    if (!subscriptions || !this.notificationsFlowing()) return true;
    return entries.some((e) => e.action.startsWith('webhook.') || subscriptions.some((s) => subscriptionMatches(s, { action: e.action, cluster: e.cluster ?? null })));
  }

  private forget(): void {
    this.subscriptions = null;
    this.generation += 1;
  }

  /** The enabled subscriptions: cached, or read in `tx` (and cached unless a webhook changed meanwhile). */
  private async enabledSubscriptions(tx: Tx): Promise<Subscription[]> {
    const flowing = this.notificationsFlowing();
    if (this.subscriptions && flowing) return this.subscriptions;
    const generation = this.generation;
    const rows = await this.repository.enabledSubscriptions(tx);
    if (flowing && generation === this.generation && this.notificationsFlowing()) this.subscriptions = rows;
    return rows;
  }

  setWaker(waker: Waker): void {
    this.waker = waker;
  }

  /** After the transaction commits: wake this process's dispatcher now, and the others' through NOTIFY. */
  async wakeAfterCommit(tx: Tx): Promise<void> {
    this.database.afterCommit(tx, () => this.waker());
    if (this.config.storage.kind === 'postgres') await this.repository.notifyOnCommit(tx, DELIVERIES_CHANNEL);
  }

  async enqueue(tx: Tx, events: AuditEventView[]): Promise<void> {
    const webhookChange = events.some((e) => e.action.startsWith('webhook.'));
    if (webhookChange) {
      // A webhook changed: every process drops its subscriptions when this commits (this one before the response).
      this.database.afterCommit(tx, () => this.forget());
      if (this.config.storage.kind === 'postgres') await this.repository.notifyOnCommit(tx, WEBHOOKS_CHANGED_CHANNEL);
    }
    // What this transaction sees of a webhook it changes is not cached: it may still roll back.
    const subscriptions = webhookChange ? await this.repository.enabledSubscriptions(tx) : await this.enabledSubscriptions(tx);
    if (subscriptions.length === 0) return;
    let wrote = false;
    const versions = new Map<string, Awaited<ReturnType<WebhookOutbox['versionData']>>>();
    for (const event of events) {
      // A webhook's subscription starts after its creation: the event of its own creation is not sent to it.
      const createdHere = event.action === 'webhook.created' ? (event.details as { id?: string } | null)?.id : undefined;
      const matching = subscriptions.filter((s) => s.id !== createdHere && subscriptionMatches(s, event));
      if (matching.length === 0) continue;
      const data: EventData = { event };
      if (event.cluster && event.version) {
        const key = `${event.action === 'config.approved' ? 'a' : ''}${event.cluster}/${event.version}`;
        const chat = matching.some((s) => s.format !== 'cloudevents');
        let found = versions.get(key);
        if (!found || (chat && found.diffSummary === undefined)) {
          found = await this.versionData(tx, event, chat);
          versions.set(key, found);
        }
        if (found.version) data.version = found.version;
        if (chat && found.diffSummary) data.diffSummary = found.diffSummary;
      }
      const id = `evt_${event.seq}`;
      const notify = !wrote && this.config.storage.kind === 'postgres' ? DELIVERIES_CHANNEL : null;
      const written = await this.repository.insertEventWithDeliveries(tx, { id, type: `${EVENT_TYPE_PREFIX}${event.action}`, data }, matching.map((s) => s.id), notify);
      if (written > 0 && !wrote) {
        wrote = true;
        this.database.afterCommit(tx, () => this.waker());
      }
    }
  }

  /** The version the event names as this transaction leaves it (certificate bodies left out), and for chat the diff summary. */
  private async versionData(tx: Tx, event: AuditEventView, withDiff: boolean) {
    const row = await this.repository.version(tx, event.cluster!, event.version!);
    if (!row) return { version: undefined, diffSummary: undefined };
    const version = eventVersion(versionView(event.cluster!, row));
    if (!withDiff) return { version, diffSummary: undefined };
    const details = (event.details ?? {}) as { previous?: unknown };
    const previous = event.action === 'config.approved' && typeof details.previous === 'number' ? details.previous : null;
    const base = event.action === 'config.approved' && previous === null ? null : await this.repository.diffBase(tx, row.clusterId, row.version, previous);
    const snapshot = (v: VersionRecord) => ({ version: v.version, config: v.config, certificates: v.certificates });
    const diffSummary = diffVersions(base ? snapshot(base) : null, snapshot(row)).summary;
    return { version, diffSummary };
  }
}
