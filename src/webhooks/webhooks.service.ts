import { randomBytes, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import type { Caller } from '../auth/principal';
import { CLOCK, type Clock } from '../common/clock';
import { badRequest, notFound } from '../common/service-error';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import type { Webhook, WebhookAttempt } from '../generated/prisma/client';
import type { Page } from '../http/pagination';
import { Writes } from '../writes/writes.service';
import { type DeliveryWithType, WebhooksRepository } from '../repositories/webhooks.repository';
import { checkWebhookUrl } from './address-guard';
import { WebhookOutbox } from './outbox.service';
import { type EventData, PING_TYPE, type WebhookFormat } from './payloads';
import { ALL_EVENTS } from './webhook-actions';
import type { CreateWebhookDto, DeliveryView, DeliveryWithAttemptsView, UpdateWebhookDto, WebhookView, WebhookWithSecretView } from './webhook.dto';
import { newWebhookSecret, WebhookSecrets } from './webhook-secrets.service';

function view(row: Webhook): WebhookView {
  return {
    id: row.id,
    url: row.url,
    events: row.events,
    clusters: row.clusters,
    format: row.format as WebhookFormat,
    description: row.description,
    enabled: row.enabled,
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function deliveryView(row: DeliveryWithType): DeliveryView {
  return {
    id: row.id,
    eventId: row.eventId,
    type: row.event.type,
    status: row.status,
    attempts: row.attempts,
    lastStatus: row.lastStatus,
    lastError: row.lastError,
    nextAttemptAt: row.status === 'pending' ? (row.nextAttemptAt?.toISOString() ?? null) : null,
    deliveredAt: row.deliveredAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
  };
}

const attemptView = (a: WebhookAttempt) => ({
  number: a.number,
  at: a.at.toISOString(),
  durationMs: a.durationMs,
  statusCode: a.statusCode,
  error: a.error,
  responseBody: a.responseBody,
});

/** "*" subscribes to everything: alone it stays, with others it replaces them. */
const normalizeEvents = (events: string[]) => (events.includes(ALL_EVENTS) ? [ALL_EVENTS] : [...events].sort());

/** Webhook subscriptions (admin): the rules; the audit event of each change is written in its transaction. */
@Injectable()
export class WebhooksService {
  constructor(
    private readonly writes: Writes,
    private readonly repository: WebhooksRepository,
    private readonly audit: AuditService,
    private readonly secrets: WebhookSecrets,
    private readonly outbox: WebhookOutbox,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  private checkUrl(url: string): void {
    const check = checkWebhookUrl(url, this.config.webhooks.allowPrivate);
    if (!check.ok) throw badRequest(check.reason!);
  }

  private notFound(id: string) {
    return notFound('WEBHOOK_NOT_FOUND', `No webhook has the id ${id}.`);
  }

  async create(input: CreateWebhookDto, caller: Caller): Promise<WebhookWithSecretView> {
    this.checkUrl(input.url);
    const id = randomUUID();
    const secret = newWebhookSecret();
    const events = normalizeEvents(input.events);
    const clusters = [...new Set(input.clusters ?? [])].sort();
    const format = input.format ?? 'cloudevents';
    return this.writes.run(async (tx) => {
      const now = this.clock.now();
      const row = await this.repository.create(tx, {
        id,
        url: input.url,
        events,
        clusters,
        format,
        description: input.description ?? '',
        secretEncrypted: this.secrets.seal(secret, id),
        createdBy: caller.actor,
        createdAt: now,
        updatedAt: now,
      });
      // The URL is a secret too (chat webhook URLs carry their token): the audit, which readers see, leaves it out.
      await this.audit.append(tx, caller, { action: 'webhook.created', details: { id, format, events, clusters, description: row.description } });
      return { ...view(row), secret };
    });
  }

  async list(limit: number, cursor?: string): Promise<Page<WebhookView>> {
    const page = await this.repository.list(limit, cursor);
    return { items: page.items.map(view), nextCursor: page.nextCursor };
  }

  async get(id: string): Promise<WebhookView> {
    const row = await this.repository.find(id);
    if (!row) throw this.notFound(id);
    return view(row);
  }

  async update(id: string, input: UpdateWebhookDto, caller: Caller): Promise<WebhookView> {
    if (input.url !== undefined) this.checkUrl(input.url);
    return this.writes.run(async (tx) => {
      const current = await this.repository.lock(tx, id);
      if (!current) throw this.notFound(id);
      const data = {
        ...(input.url !== undefined ? { url: input.url } : {}),
        ...(input.events !== undefined ? { events: normalizeEvents(input.events) } : {}),
        ...(input.clusters !== undefined ? { clusters: [...new Set(input.clusters)].sort() } : {}),
        ...(input.enabled !== undefined ? { enabled: input.enabled } : {}),
        ...(input.description !== undefined ? { description: input.description } : {}),
      };
      const changed = Object.keys(data).filter((k) => JSON.stringify((data as Record<string, unknown>)[k]) !== JSON.stringify((current as Record<string, unknown>)[k]));
      if (changed.length === 0) return view(current);
      const row = await this.repository.update(tx, id, { ...data, updatedAt: this.clock.now() });
      const details: Record<string, unknown> = { id, changed };
      for (const k of changed) if (k !== 'url') details[k] = (data as Record<string, unknown>)[k];
      await this.audit.append(tx, caller, { action: 'webhook.updated', details });
      return view(row);
    });
  }

  async delete(id: string, caller: Caller): Promise<void> {
    await this.writes.run(async (tx) => {
      const current = await this.repository.lock(tx, id);
      if (!current) throw this.notFound(id);
      // The audit event first: the DELETE locks the row against foreign key checks, so it comes after this transaction
      // holds the chain head (as every write does before inserting deliveries), never before: no deadlock.
      await this.audit.append(tx, caller, { action: 'webhook.deleted', details: { id, format: current.format, events: current.events, clusters: current.clusters } });
      await this.repository.delete(tx, id);
    });
  }

  async rotateSecret(id: string, caller: Caller): Promise<WebhookWithSecretView> {
    const secret = newWebhookSecret();
    return this.writes.run(async (tx) => {
      const current = await this.repository.lock(tx, id);
      if (!current) throw this.notFound(id);
      const row = await this.repository.update(tx, id, { secretEncrypted: this.secrets.seal(secret, id), updatedAt: this.clock.now() });
      await this.audit.append(tx, caller, { action: 'webhook.updated', details: { id, changed: ['secret'] } });
      return { ...view(row), secret };
    });
  }

  /** A com.aksproxy.ping event for this webhook alone (sent even while it is disabled: an admin asked for it). */
  async ping(id: string, caller: Caller): Promise<DeliveryView> {
    return this.writes.run(async (tx) => {
      const current = await this.repository.find(id, tx);
      if (!current) throw this.notFound(id);
      const eventId = `evt_ping_${randomBytes(12).toString('base64url')}`;
      const data: EventData = { event: { action: 'ping', webhookId: id, at: this.clock.now().toISOString(), actor: caller.actor, via: caller.via } };
      await this.repository.insertEvent(tx, { id: eventId, type: PING_TYPE, data });
      const delivery = await this.repository.createDelivery(tx, { webhookId: id, eventId, manual: true });
      await this.outbox.wakeAfterCommit(tx);
      return deliveryView(delivery);
    });
  }

  async deliveries(id: string, limit: number, cursor?: string): Promise<Page<DeliveryView>> {
    await this.get(id);
    const page = await this.repository.deliveries(id, limit, cursor);
    return { items: page.items.map(deliveryView), nextCursor: page.nextCursor };
  }

  async delivery(id: string, deliveryId: string): Promise<DeliveryWithAttemptsView> {
    const row = await this.repository.delivery(id, deliveryId);
    if (!row) throw notFound('DELIVERY_NOT_FOUND', `Webhook ${id} has no delivery ${deliveryId}.`);
    return { ...deliveryView(row), attemptLog: row.attemptLog.map(attemptView) };
  }

  /** Sends the event of a delivery again, as a new delivery with the same event id (and so the same webhook-id). */
  async redeliver(id: string, deliveryId: string): Promise<DeliveryView> {
    return this.writes.run(async (tx) => {
      const original = await this.repository.delivery(id, deliveryId, tx);
      if (!original) throw notFound('DELIVERY_NOT_FOUND', `Webhook ${id} has no delivery ${deliveryId}.`);
      const delivery = await this.repository.createDelivery(tx, { webhookId: id, eventId: original.eventId, manual: true });
      await this.outbox.wakeAfterCommit(tx);
      return deliveryView(delivery);
    });
  }
}
