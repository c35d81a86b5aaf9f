import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, type Clock } from '../common/clock';
import type { Tx } from '../database/database.service';
import { auditHashParts, checkChainLink, GENESIS_HASH, type AuditEventContent } from '../domain/audit-chain';
import { decodeCursor, type Page, toPage } from '../http/pagination';
import { AuditRepository, type AuditRow } from '../repositories/audit.repository';
import type { WriteStep } from '../repositories/write-step';

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

const VERIFY_BATCH = 2_000;

/** Who did it, as the audit trail records it (auth's Caller has these and more). */
export interface AuditActor {
  actor: string;
  via: string | null;
  requestId: string;
}

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
export type AuditAppendHook = (tx: Tx, events: AuditEventView[]) => Promise<void>;

/** Whether a hook has anything to do for these entries (false: they may be appended alone, without the hook). */
export type AuditHookFilter = (entries: readonly Pick<AuditEntry, 'action' | 'cluster'>[]) => boolean;

/** The one writer of the audit trail: appends inside the caller's transaction, so an event exists iff its change does. */
@Injectable()
export class AuditService {
  private readonly hooks: { run: AuditAppendHook; wants: AuditHookFilter }[] = [];

  /**
   * Registers a hook that runs in the transaction of every append (see AuditAppendHook); `wants` tells whether it has
   * anything to do for given entries (default: always).
   */
  onAppend(hook: AuditAppendHook, wants: AuditHookFilter = () => true): void {
    this.hooks.push({ run: hook, wants });
  }

  /**
   * Whether appending these entries needs a transaction of its own: a hook has work to do for them. When it does not,
   * `appendAlone` appends them in one statement, which is atomic by itself.
   */
  needsTransaction(entries: readonly AuditEntry[]): boolean {
    return this.hooks.some((h) => h.wants(entries));
  }

  /** Appends events in one statement outside any transaction; only when `needsTransaction` says no (no hook runs). */
  async appendAlone(db: Tx, caller: AuditActor, entries: AuditEntry[]): Promise<AuditEventView[]> {
    if (this.needsTransaction(entries)) throw new Error('appendAlone: a hook has work for these entries; append them in a transaction');
    return this.chain(db, caller, entries);
  }

  constructor(
    private readonly events: AuditRepository,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

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
    const events = await this.chain(tx, caller, entries, step);
    for (const hook of this.hooks) await hook.run(tx, events);
    return events;
  }

  private async chain(tx: Tx, caller: AuditActor, entries: AuditEntry[], step?: WriteStep): Promise<AuditEventView[]> {
    if (entries.length === 0) return [];
    // Everything but the seq (and so the hashes) is worked out before the head is locked; the repository's one
    // statement numbers, chains, inserts and moves the head.
    const at = this.clock.now();
    const contents = entries.map((entry) => ({
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
      { at, actor: caller.actor, via: caller.via, requestId: caller.requestId },
      contents.map((c) => ({ action: c.action, cluster: c.cluster, version: c.version, details: JSON.stringify(c.details), ...auditHashParts(c) })),
      step,
    );
    return contents.map((c, i) => ({ ...c, ...links[i] }));
  }

  async list(filter: AuditFilter): Promise<Page<AuditEventView>> {
    const after = decodeCursor(filter.cursor, { seq: 'int' });
    const rows = await this.events.list({
      cluster: filter.cluster,
      actor: filter.actor?.toLowerCase(),
      action: filter.action,
      since: filter.since,
      until: filter.until,
      afterSeq: after?.seq,
      take: filter.limit + 1,
    });
    return toPage(rows, filter.limit, view, (r) => ({ seq: r.seq }));
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
