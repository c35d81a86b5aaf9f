import { type BeforeApplicationShutdown, Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { Counter, Gauge, Histogram } from 'prom-client';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { AuditService } from '../audit/audit.service';
import type { Caller } from '../auth/principal';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { DatabaseService } from '../database/database.service';
import { METRIC_PREFIX, MetricsService } from '../health/metrics.service';
import { LOGGER } from '../logging/logger';
import { Writes } from '../writes/writes.service';
import { type AttemptRecord, type ClaimedDelivery, WebhooksRepository } from '../repositories/webhooks.repository';
import { retryDelayMs } from './backoff';
import { DELIVERIES_CHANNEL, WebhookOutbox } from './outbox.service';
import { deliveryBody, type EventData, type WebhookFormat } from './payloads';
import { WebhookSecrets } from './webhook-secrets.service';
import { send, type SendResult } from './sender';

/** A claim lasts this much longer than an attempt may take: long enough that no live process's attempt outlives it. */
const LEASE_MARGIN_MS = 15_000;
/** At shutdown, attempts in flight get this long to finish; then they are cut and left due for the next process. */
const SHUTDOWN_GRACE_MS = 3_000;
/** How often to look for due deliveries while NOTIFY from other processes is not flowing (PostgreSQL listener down). */
const FALLBACK_POLL_MS = 1_000;

interface InFlight {
  delivery: ClaimedDelivery;
  abort: AbortController;
  done: Promise<void>;
}

/**
 * Sends the outbox's deliveries: claims due rows (bounded by WEBHOOK_CONCURRENCY, so a receiver that answers slowly
 * or never costs at most that many sockets and never slows requests), sends each, records the attempt, and schedules
 * the retry. Woken right after a commit in this process, by NOTIFY from other processes on PostgreSQL, when the next
 * retry is due, and by a slow poll as a safety net.
 */
@Injectable()
export class WebhookDispatcher implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly inFlight = new Map<string, InFlight>();
  private running = false;
  private again = false;
  private stopped = false;
  private failing = false;
  private timer?: NodeJS.Timeout;
  private notificationsFlowing: () => boolean = () => true;
  private readonly leaseMs: number;

  private readonly outcomes: Counter<'outcome'>;
  private readonly duration: Histogram<'outcome'>;
  private readonly lag: Histogram;

  constructor(
    private readonly repository: WebhooksRepository,
    private readonly database: DatabaseService,
    private readonly writes: Writes,
    private readonly audit: AuditService,
    private readonly secrets: WebhookSecrets,
    outbox: WebhookOutbox,
    metrics: MetricsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.leaseMs = config.webhooks.timeoutMs + LEASE_MARGIN_MS;
    outbox.setWaker(() => this.wake());
    this.outcomes = new Counter({
      name: `${METRIC_PREFIX}webhook_delivery_attempts_total`,
      help: 'Webhook delivery attempts by outcome: delivered (2xx), retry (failed, tried again later), failed (no attempt left, or 410 Gone)',
      labelNames: ['outcome'] as const,
      registers: [metrics.registry],
    });
    this.duration = new Histogram({
      name: `${METRIC_PREFIX}webhook_delivery_attempt_duration_seconds`,
      help: 'Time from sending a delivery attempt to the end of the answer (or the failure), by outcome',
      labelNames: ['outcome'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [metrics.registry],
    });
    this.lag = new Histogram({
      name: `${METRIC_PREFIX}webhook_delivery_latency_seconds`,
      help: 'Time from the event (its delivery row) to the delivering attempt\'s 2xx answer',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600, 86400],
      registers: [metrics.registry],
    });
    const oldest = new Gauge({
      name: `${METRIC_PREFIX}webhook_oldest_pending_delivery_age_seconds`,
      help: 'Age of the oldest webhook delivery not delivered yet (0 when none)',
      registers: [metrics.registry],
      async collect() {
        try {
          this.set(await repository.oldestPendingAgeSeconds());
        } catch {
          /* database unreachable: keep the last value */
        }
      },
    });
    void oldest;
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.secrets.check(); // a wrong key stops start-up before any attempt could fail on it
    this.notificationsFlowing = this.database.listen(
      DELIVERIES_CHANNEL,
      () => this.wake(),
      () => this.wake(), // notifications may have been missed
    );
    this.wake();
  }

  /** Looks for due deliveries now (or right after the current look). */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    void this.run().finally(() => {
      this.running = false;
      if (this.again && !this.stopped) this.wake();
    });
  }

  private async run(): Promise<void> {
    let retryMs: number | null = null;
    try {
      do {
        this.again = false;
        const free = this.config.webhooks.concurrency - this.inFlight.size;
        if (free <= 0) break; // a finishing attempt wakes the dispatcher again
        const claimed = await this.repository.claim(free, this.leaseMs);
        for (const delivery of claimed) this.start(delivery);
        if (claimed.length === free) this.again = true;
      } while (this.again && !this.stopped);
      if (!this.stopped) retryMs = await this.repository.nextDueInMs();
      if (this.failing) {
        this.failing = false;
        this.logger.info('webhook dispatcher reads the outbox again');
      }
    } catch (err) {
      // The database is away (or not migrated yet): say so once, then keep trying quietly.
      if (!this.failing) this.logger.warn({ err: (err as Error).message.split('\n')[0] }, 'webhook dispatcher could not read the outbox; trying again every second');
      this.failing = true;
      retryMs = FALLBACK_POLL_MS;
    }
    this.schedule(retryMs);
  }

  /** Sets the one timer: the next due delivery, bounded by the poll interval (shorter while NOTIFY is down). */
  private schedule(nextDueMs: number | null): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    const poll = this.notificationsFlowing() ? this.config.webhooks.pollMs : Math.min(this.config.webhooks.pollMs, FALLBACK_POLL_MS);
    const delay = Math.max(5, Math.min(poll, nextDueMs === null ? poll : Math.ceil(nextDueMs) + 5));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.wake();
    }, delay);
    this.timer.unref();
  }

  private start(delivery: ClaimedDelivery): void {
    const abort = new AbortController();
    const entry: InFlight = {
      delivery,
      abort,
      done: this.attempt(delivery, abort.signal)
        .catch((err: unknown) => this.logger.error({ err, deliveryId: delivery.id }, 'webhook attempt could not be recorded; it is retried when its claim ends'))
        .finally(() => {
          this.inFlight.delete(delivery.id);
          this.wake();
        }),
    };
    this.inFlight.set(delivery.id, entry);
  }

  private async attempt(delivery: ClaimedDelivery, signal: AbortSignal): Promise<void> {
    const at = new Date();
    let result: SendResult = { status: null, error: 'the signing secret cannot be decrypted with this process\'s key (WEBHOOK_SECRET_KEY)', body: null, durationMs: 0 };
    let secret: string | null = null;
    try {
      secret = this.secrets.open(delivery.secretEncrypted, delivery.webhookId);
    } catch {
      secret = null;
    }
    if (secret !== null) {
      const { contentType, body } = deliveryBody(delivery.format as WebhookFormat, delivery.eventId, delivery.type, delivery.data as EventData, this.config.publicUrl);
      // webhook-timestamp is this attempt's time (a stock verifier refuses a timestamp older than 5 minutes).
      const timestamp = new Date();
      const signature = new StandardWebhook(secret).sign(delivery.eventId, timestamp, body);
      result = await send({
        url: delivery.url,
        headers: {
          'content-type': contentType,
          'webhook-id': delivery.eventId,
          'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
          'webhook-signature': signature,
        },
        body,
        timeoutMs: this.config.webhooks.timeoutMs,
        allowPrivate: this.config.webhooks.allowPrivate,
        signal,
      });
    }
    const ok = result.status !== null && result.status >= 200 && result.status < 300;
    const gone = result.status === 410;
    const shutdownCut = signal.aborted && !ok;
    let outcome: AttemptRecord['outcome'];
    if (ok) outcome = { kind: 'delivered' };
    else if (gone) outcome = { kind: 'failed' };
    else if (shutdownCut) outcome = { kind: 'retry', retryAfterMs: 0 }; // left due for whichever process runs next
    else if (delivery.attempts >= this.config.webhooks.maxAttempts) outcome = { kind: 'failed' };
    else outcome = { kind: 'retry', retryAfterMs: retryDelayMs(delivery.attempts, this.config.webhooks.backoffBaseMs) };

    const label = outcome.kind;
    this.outcomes.inc({ outcome: label });
    this.duration.observe({ outcome: label }, result.durationMs / 1000);
    if (ok) this.lag.observe((Date.now() - new Date(delivery.createdAt).getTime()) / 1000);

    await this.writes.run(async (tx) => {
      const recorded = await this.repository.recordAttempt(tx, {
        deliveryId: delivery.id,
        number: delivery.attempts,
        at,
        durationMs: result.durationMs,
        statusCode: result.status,
        error: result.error,
        responseBody: result.body,
        outcome,
      });
      if (recorded && gone && (await this.repository.disable(tx, delivery.webhookId))) {
        const caller: Caller = { actor: 'system', via: null, roles: ['admin'], requestId: `delivery-${delivery.id}` };
        await this.audit.append(tx, caller, {
          action: 'webhook.updated',
          details: { id: delivery.webhookId, enabled: false, reason: `the receiver answered 410 Gone to delivery ${delivery.id}` },
        });
      }
    });
    const log = { deliveryId: delivery.id, webhookId: delivery.webhookId, eventId: delivery.eventId, attempt: delivery.attempts, status: result.status, ms: result.durationMs };
    if (ok) this.logger.debug(log, 'webhook delivered');
    else this.logger.info({ ...log, error: result.error, outcome: label }, gone ? 'webhook receiver answered 410 Gone; webhook disabled' : 'webhook attempt failed');
  }

  /**
   * Stops claiming; attempts in flight get a short grace to finish, the rest are cut and recorded as due now, so the
   * next process (or this one after a restart) sends them. Runs before the database closes.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    const pending = [...this.inFlight.values()];
    if (pending.length === 0) return;
    const all = Promise.all(pending.map((p) => p.done));
    const graceful = await Promise.race([all.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), SHUTDOWN_GRACE_MS).unref())]);
    if (!graceful) {
      for (const p of this.inFlight.values()) p.abort.abort();
      await all;
    }
  }
}
