import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, type Clock } from '../common/clock';
import { DatabaseService, type Tx } from '../database/database.service';
import { auditHashParts, checkChainLink, GENESIS_HASH, type AuditEventContent } from '../domain/audit-chain';
import { decodeCursor, type Page, toPage } from '../http/pagination';
import { SerializedPage } from '../http/paginated.decorator';
import { AuditPageCache } from './audit-page-cache';
import { type AppendOptions, AuditRepository, type AuditRow } from '../repositories/audit.repository';
import type { WriteStep } from '../repositories/write-step';
import { Writes } from '../writes/writes.service';

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
  | 'webhook.created'
  | 'webhook.updated'
  | 'webhook.deleted'
  | 'cluster.observed'
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

/**
 * Events hashed per database read of a verify: each batch is one synchronous stretch on the event loop (a few
 * milliseconds), and the loop turns between two batches, so other requests wait at most about that long.
 */
const VERIFY_BATCH = 200;

/** Who did it, as the audit trail records it (auth's Caller has these and more). */
export interface AuditActor {
  actor: string;
  via: string | null;
  requestId: string;
}

/** An entry with who appends it and when (a group append chains the entries of several requests). */
interface CallerEntry {
  caller: AuditActor;
  entry: AuditEntry;
  at: Date;
}

/** An entry waiting for a group append, with its request's promise to settle. */
interface QueuedEntry extends CallerEntry {
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** Entries in one group append at most (one statement's arrays). */
const MAX_GROUP = 256;

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

/**
 * Called with the events appended, inside the transaction that appends them (the webhook outbox writes the
 * events' deliveries there, so a delivery exists iff its event does).
 */
export type AuditAppendHook = (tx: Tx, events: AuditEventView[], head: AppendedHead) => Promise<void>;

/** What the append saw of the chain head it locked. */
export interface AppendedHead {
  /** The head's webhooks_version when this append locked it (before a `webhook.*` event of its own moved it on). */
  webhooksVersion: number;
}

/**
 * Whether a hook has anything to do for these entries: `true`, or the head's webhooks_version at which it surely has
 * not (the entries may then be appended alone, without the hook, provided the head is still at that version).
 */
export type AuditHookFilter = (entries: readonly Pick<AuditEntry, 'action' | 'cluster'>[]) => true | { nothingAtWebhooksVersion: number };


/** The one writer of the audit trail: appends inside the caller's transaction, so an event exists iff its change does. */
@Injectable()
export class AuditService {
  private readonly hooks: { run: AuditAppendHook; wants: AuditHookFilter }[] = [];
  private readonly fullPages = new AuditPageCache();
  /** Entries waiting for the next group append (see appendGrouped), in order. */
  private readonly queued: QueuedEntry[] = [];
  /** Group appends in flight, at most groupsInFlight; pumpSoon while a start of groups is scheduled. */
  private inFlight = 0;
  private pumpSoon = false;
  private readonly groupsInFlight: number;

  /**
   * Registers a hook that runs in the transaction of every append (see AuditAppendHook); `wants` tells whether it has
   * anything to do for given entries (default: always).
   */
  onAppend(hook: AuditAppendHook, wants: AuditHookFilter = () => true): void {
    this.hooks.push({ run: hook, wants });
  }

  /**
   * Whether these entries may be appended without a transaction of their own: the webhooks_version at which no hook
   * has work for them, or null (a hook may have: append them in a transaction with `append`).
   */
  private aloneAt(entries: readonly AuditEntry[]): number | null {
    let at: number | null = null;
    for (const hook of this.hooks) {
      const wants = hook.wants(entries);
      if (wants === true) return null;
      if (at !== null && at !== wants.nothingAtWebhooksVersion) return null;
      at = wants.nothingAtWebhooksVersion;
    }
    return at;
  }

  constructor(
    private readonly events: AuditRepository,
    private readonly writes: Writes,
    database: DatabaseService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.groupsInFlight = database.kind === 'postgres' ? 2 : 1;
  }

  /** Appends one event (see appendAll). */
  async append(tx: Tx, caller: AuditActor, entry: AuditEntry): Promise<AuditEventView> {
    const [event] = await this.appendAll(tx, caller, [entry]);
    return event;
  }

  /**
   * Appends events in order. Locks the chain head row until the caller's transaction ends, so concurrent writers
   * (in this process or another one on the same database) queue up and the chain never forks. `step`, the
   * write's own changes from a repository, runs in the same statement (one round trip for the change and its audit).
   */
  async appendAll(tx: Tx, caller: AuditActor, entries: AuditEntry[], step?: WriteStep): Promise<AuditEventView[]> {
    const at = this.clock.now();
    const items = entries.map((entry) => ({ caller, entry, at }));
    // The last statement of a write (Writes.lastly) takes the COMMIT with it when no hook has anything to do for these
    // entries at the head's current webhooks_version: guarded, so that it fails (and Writes runs the write again,
    // without this) if a webhook change committed meanwhile. The hooks are then not run: they have nothing to do, and
    // the transaction is over.
    if (this.writes.commitsWithThisStatement(tx)) {
      const aloneAt = this.aloneAt(entries);
      if (aloneAt !== null) {
        const appended = await this.chain(tx, items, step, { atWebhooksVersion: aloneAt, orElse: 'fail', commit: true });
        return appended?.events ?? [];
      }
    }
    return this.appendItems(tx, items, step);
  }

  /** Appends entries, each with its own caller and time, in order, and runs the hooks (see appendAll). */
  private async appendItems(tx: Tx, items: readonly CallerEntry[], step?: WriteStep): Promise<AuditEventView[]> {
    const appended = await this.chain(tx, items, step);
    if (!appended) return [];
    for (const hook of this.hooks) await hook.run(tx, appended.events, appended.head);
    return appended.events;
  }

  /**
   * Appends the event of a request that changes nothing but the audit trail (a render) and resolves once it is
   * committed, so the request is answered only when its event is durable; rejects when it could not be appended.
   *
   * Entries are grouped: while a group's append is in flight (two on PostgreSQL: see pump), the entries of other
   * requests queue up, and the next group appends all of them (each with its own caller and time) at once. Every
   * append holds the chain head for its statement and its commit, so renders that each appended alone would wait for
   * one another's commits; grouped, one commit (one fsync) serves them all. A group no hook wants (see aloneAt) is ONE
   * statement outside any transaction, guarded by the head's webhooks_version; a group whose guard fails (a webhook
   * change committed meanwhile), or that a hook may want (a webhook subscribed to its events, or no subscriptions
   * known yet in this process), is appended in one transaction, where the hooks run for each of its events. An error
   * reaches every request of the group.
   */
  appendGrouped(caller: AuditActor, entry: AuditEntry): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queued.push({ caller, entry, at: this.clock.now(), resolve, reject });
      if (this.pumpSoon) return;
      // Groups start once the requests read in this turn of the event loop have queued theirs: on PGlite a statement
      // runs without giving the loop a turn, so none would queue while one is in flight.
      this.pumpSoon = true;
      setImmediate(() => {
        this.pumpSoon = false;
        this.pump();
      });
    });
  }

  /**
   * Starts groups of the queued entries while fewer than groupsInFlight are in flight. On PostgreSQL two: the second
   * group's statement waits for the chain head at the server and runs as soon as the first commits, instead of a
   * round trip (and a turn of this busy event loop) later. On PGlite one (it runs one statement at a time anyway).
   */
  private pump(): void {
    while (this.inFlight < this.groupsInFlight && this.queued.length > 0) {
      const group = this.queued.splice(0, MAX_GROUP);
      this.inFlight += 1;
      void this.appendGroup(group).then(() => {
        this.inFlight -= 1;
        this.pump();
      });
    }
  }

  /** Appends one group (see appendGrouped) and settles its requests; never throws. */
  private async appendGroup(group: QueuedEntry[]): Promise<void> {
    try {
      const aloneAt = this.aloneAt(group.map((q) => q.entry));
      const alone = aloneAt === null ? null : await this.writes.single((db) => this.chain(db, group, undefined, { atWebhooksVersion: aloneAt }));
      if (!alone) await this.writes.run((tx) => this.appendItems(tx, group));
    } catch (err) {
      for (const q of group) q.reject(err);
      return;
    }
    for (const q of group) q.resolve();
  }

  /** The appended events and what the append saw of the head; null when nothing was appended (the head was not at atWebhooksVersion). */
  private async chain(
    tx: Tx,
    items: readonly CallerEntry[],
    step?: WriteStep,
    options: AppendOptions = {},
  ): Promise<{ events: AuditEventView[]; head: AppendedHead } | null> {
    if (items.length === 0) return null;
    // Everything but the seq (and so the hashes) is worked out before the head is locked; the repository's one
    // statement numbers, chains, inserts and moves the head.
    const contents = items.map(({ caller, entry, at }) => ({
      at: at.toISOString(),
      actor: caller.actor,
      via: caller.via,
      action: entry.action,
      cluster: entry.cluster ?? null,
      version: entry.version ?? null,
      requestId: caller.requestId,
      details: entry.details ?? {},
    }));
    const links = await this.events.append(
      tx,
      contents.map((c) => ({
        at: c.at,
        actor: c.actor,
        via: c.via,
        requestId: c.requestId,
        action: c.action,
        cluster: c.cluster,
        version: c.version,
        details: JSON.stringify(c.details),
        ...auditHashParts(c),
      })),
      step,
      options,
    );
    if (links.length === 0) return null;
    const events = contents.map((c, i) => ({ ...c, seq: links[i]!.seq, prevHash: links[i]!.prevHash, hash: links[i]!.hash }));
    return { events, head: { webhooksVersion: links[0]!.webhooksVersion } };
  }

  /**
   * A page of events as the GET answers it: its JSON body (a `Page<AuditEventView>`) and the cursor of the next page.
   * A full page (one with a next page) never changes: events are immutable and a new one always takes a seq above
   * every committed one (the head stays locked until the appending transaction ends), so it can only land after the
   * page's last event. Such pages are kept in a cache bounded by bytes; the last, partial page is always read.
   */
  async list(filter: AuditFilter): Promise<SerializedPage> {
    const after = decodeCursor(filter.cursor, { seq: 'int' });
    const query = {
      cluster: filter.cluster,
      actor: filter.actor?.toLowerCase(),
      action: filter.action,
      since: filter.since,
      until: filter.until,
      afterSeq: after?.seq,
      take: filter.limit + 1,
    };
    const key = JSON.stringify([query.cluster, query.actor, query.action, query.since?.getTime(), query.until?.getTime(), query.afterSeq, query.take]);
    const hit = this.fullPages.get(key);
    if (hit) return new SerializedPage(hit.body, hit.nextCursor);
    const rows = await this.events.list(query);
    const page: Page<AuditEventView> = toPage(rows, filter.limit, view, (r) => ({ seq: r.seq }));
    const answer = { body: JSON.stringify(page), nextCursor: page.nextCursor };
    if (answer.nextCursor !== null) this.fullPages.set(key, answer);
    return new SerializedPage(answer.body, answer.nextCursor);
  }

  /** Recomputes the whole chain, in batches, and compares its end with the head row. */
  async verify(): Promise<AuditVerification> {
    const head = await this.events.head();
    let prevHash = GENESIS_HASH;
    let expected = 1;
    let events = 0;
    for (;;) {
      // Only up to the head read above: events that commit meanwhile belong to a later head (checking them against
      // this one would raise a false alarm whenever anything is written during a verify).
      const batch = await this.events.range(expected, head.seq, VERIFY_BATCH);
      for (const row of batch) {
        const check = checkChainLink(expected, prevHash, { ...view(row), details: row.details });
        if (!check.ok) return { ok: false, events, head: head.hash, seq: check.seq, reason: check.reason };
        prevHash = row.hash;
        expected += 1;
        events += 1;
      }
      if (batch.length < VERIFY_BATCH) break;
      // Let the event loop turn between batches: on PGlite a query can resolve without it, and the whole chain would
      // then be hashed in one go while every other request waits.
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (head.seq !== events || head.hash !== prevHash) {
      return { ok: false, events, head: head.hash, seq: events + 1, reason: 'the chain head does not match the last event' };
    }
    // Events past the head that no writer recorded there (every writer moves the head in the transaction that
    // appends): the highest seq is read before the head again, so events committed meanwhile never count as such.
    const maxSeq = await this.events.maxSeq();
    const latest = await this.events.head();
    if (maxSeq > latest.seq) {
      return { ok: false, events, head: head.hash, seq: latest.seq + 1, reason: 'events past the chain head that no writer recorded' };
    }
    return { ok: true, events, head: head.hash };
  }
}
