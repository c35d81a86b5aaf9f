import { Inject, Injectable } from '@nestjs/common';
import { type AppendedHead, type AuditEventView, AuditService } from '../audit/audit.service';
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

type Subscription = Awaited<ReturnType<WebhooksRepository['enabledSubscriptions']>>[number];

/** Wakes the local dispatcher (set by it; the outbox must not depend on the dispatcher's construction order). */
export type Waker = () => void;

/**
 * The transactional outbox: for every audit event, in the transaction that appends it (and makes the change), one
 * webhook_events row and one webhook_deliveries row per matching enabled subscription. A crash can then never lose
 * a delivery of a committed change, nor deliver an event whose change rolled back.
 *
 * The enabled subscriptions are cached per process together with the chain head's `webhooks_version` they were read
 * at. Every webhook change appends a `webhook.*` audit event, and the statement that appends it moves that version
 * on, with the head locked. An append locks the head too and learns its version; the cache is used only when it was
 * read at exactly that version, so it is then what the database holds (no webhook change can commit while this
 * transaction holds the head). Otherwise the subscriptions are read again in the transaction, after the lock. So a
 * webhook gets every event appended after its change, in any process, with no notification to wait for; and a
 * write with no matching subscription costs no query here when the cache is current.
 */
@Injectable()
export class WebhookOutbox {
  private waker: Waker = () => {};
  private cached: { webhooksVersion: number; subscriptions: Subscription[] } | null = null;

  constructor(
    audit: AuditService,
    private readonly database: DatabaseService,
    private readonly repository: WebhooksRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    audit.onAppend(
      (tx, events, head) => this.enqueue(tx, events, head),
      (entries) => this.wants(entries),
    );
  }

  /**
   * `true` unless the cached subscriptions surely want none of these entries (and they change no webhook); then the
   * head version the cache was read at, which the entries may be appended alone at.
   */
  private wants(entries: readonly { action: string; cluster?: string | null }[]): true | { nothingAtWebhooksVersion: number } {
    const cached = this.cached;
    if (!cached) return true;
    const some = entries.some(
      (e) => e.action.startsWith('webhook.') || cached.subscriptions.some((s) => subscriptionMatches(s, { action: e.action, cluster: e.cluster ?? null })),
    );
    return some ? true : { nothingAtWebhooksVersion: cached.webhooksVersion };
  }

  setWaker(waker: Waker): void {
    this.waker = waker;
  }

  /** After the transaction commits: wake this process's dispatcher now, and the others' through NOTIFY. */
  async wakeAfterCommit(tx: Tx): Promise<void> {
    this.database.afterCommit(tx, () => this.waker());
    if (this.config.storage.kind === 'postgres') await this.repository.notifyOnCommit(tx, DELIVERIES_CHANNEL);
  }

  /** The enabled subscriptions as of the head version this transaction locked: cached, or read (after the lock). */
  private async subscriptionsAt(tx: Tx, webhooksVersion: number, webhookChange: boolean): Promise<Subscription[]> {
    if (!webhookChange && this.cached?.webhooksVersion === webhooksVersion) return this.cached.subscriptions;
    const subscriptions = await this.repository.enabledSubscriptions(tx);
    // What a transaction sees of a webhook it changes itself is not cached: it may still roll back.
    if (!webhookChange) this.cached = { webhooksVersion, subscriptions };
    return subscriptions;
  }

  async enqueue(tx: Tx, events: AuditEventView[], head: AppendedHead): Promise<void> {
    const webhookChange = events.some((e) => e.action.startsWith('webhook.'));
    const subscriptions = await this.subscriptionsAt(tx, head.webhooksVersion, webhookChange);
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
