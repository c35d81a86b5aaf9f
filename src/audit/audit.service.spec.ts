import { describe, expect, it } from 'vitest';
import { systemClock } from '../common/clock';
import type { DatabaseService, Tx } from '../database/database.service';
import type { AppendOptions, AuditRepository, ChainedEvent, ChainLink } from '../repositories/audit.repository';
import type { Writes } from '../writes/writes.service';
import { type AuditActor, type AuditEntry, AuditService } from './audit.service';

/** One call of the repository's append: its events, whether it ran in a transaction, and its guard. */
interface Call {
  events: ChainedEvent[];
  inTransaction: boolean;
  guard: number | undefined;
}

/**
 * An AuditService on a fake repository whose appends wait until the test releases them (`next`), so the test
 * decides what is in flight while more renders come in.
 */
function setUp(kind: 'pglite' | 'postgres' = 'pglite', wants: () => true | { nothingAtWebhooksVersion: number } = () => ({ nothingAtWebhooksVersion: 7 })) {
  const calls: Call[] = [];
  const hookRuns: string[][] = [];
  const pending: { resolve: (links: ChainLink[]) => void; reject: (err: Error) => void; call: Call }[] = [];
  let seq = 0;
  const repository = {
    append: (tx: Tx, events: ChainedEvent[], _step: unknown, options?: AppendOptions) =>
      new Promise<ChainLink[]>((resolve, reject) => {
        const call = { events, inTransaction: tx === ('tx' as unknown as Tx), guard: options?.atWebhooksVersion };
        calls.push(call);
        pending.push({ resolve, reject, call });
      }),
  } as unknown as AuditRepository;
  const writes = {
    single: <T>(work: (db: Tx) => Promise<T>) => work('db' as unknown as Tx),
    run: <T>(work: (tx: Tx) => Promise<T>) => work('tx' as unknown as Tx),
  } as unknown as Writes;
  const audit = new AuditService(repository, writes, { kind } as DatabaseService, systemClock);
  // by default a hook that wants nothing at webhooks_version 7; it records the requestIds of the events it runs for
  audit.onAppend(async (_tx, events) => void hookRuns.push(events.map((e) => e.requestId ?? '')), wants);
  const links = (n: number): ChainLink[] => Array.from({ length: n }, () => ({ seq: ++seq, prevHash: 'p', hash: 'h', webhooksVersion: 7 }));
  /** Lets the event loop turn (the first group starts on the next one). */
  const turn = () => new Promise((resolve) => setImmediate(resolve));
  return {
    audit,
    calls,
    hookRuns,
    turn,
    /** Answers the oldest append in flight: appended (or, with `guardFailed`, nothing: the head moved on). */
    async next(outcome: 'ok' | 'guardFailed' | Error = 'ok') {
      await turn();
      const p = pending.shift()!;
      if (outcome instanceof Error) p.reject(outcome);
      else p.resolve(outcome === 'guardFailed' ? [] : links(p.call.events.length));
      await turn();
    },
  };
}

const caller = (i: number): AuditActor => ({ actor: `reader-${i}`, via: i % 2 ? 'svc' : null, requestId: `req-${i}` });
const entry: AuditEntry = { action: 'config.rendered', cluster: 'c', version: 1, details: { format: 'cli', contentHash: 'x' } };

describe('AuditService.appendGrouped', () => {
  it('appends the entries queued while a group is in flight as ONE statement, each with its own caller, and settles each after its group', async () => {
    const { audit, calls, next, turn } = setUp();
    const settled: string[] = [];
    const track = (i: number) => audit.appendGrouped(caller(i), entry).then(() => settled.push(`req-${i}`));
    const first = track(0);
    await turn();
    const rest = [1, 2, 3].map(track);
    await turn();
    expect(calls).toHaveLength(1); // one group in flight at a time
    expect(settled).toEqual([]);
    await next();
    expect(settled).toEqual(['req-0']);
    expect(calls).toHaveLength(2);
    expect(calls[1]!.events.map((e) => [e.actor, e.via, e.requestId])).toEqual([
      ['reader-1', 'svc', 'req-1'],
      ['reader-2', null, 'req-2'],
      ['reader-3', 'svc', 'req-3'],
    ]);
    expect(calls[1]!.inTransaction).toBe(false);
    expect(calls[1]!.guard).toBe(7);
    await next();
    await Promise.all([first, ...rest]);
    expect(settled).toEqual(['req-0', 'req-1', 'req-2', 'req-3']);
  });

  it('on PostgreSQL, has two groups in flight: the next one waits for the chain head at the server', async () => {
    const { audit, calls, next, turn } = setUp('postgres');
    const all = [audit.appendGrouped(caller(0), entry)];
    await turn();
    all.push(audit.appendGrouped(caller(1), entry), audit.appendGrouped(caller(2), entry));
    await turn();
    all.push(audit.appendGrouped(caller(3), entry));
    await turn();
    expect(calls.map((c) => c.events.map((e) => e.requestId))).toEqual([['req-0'], ['req-1', 'req-2']]);
    await next();
    expect(calls.map((c) => c.events.map((e) => e.requestId))).toEqual([['req-0'], ['req-1', 'req-2'], ['req-3']]);
    await next();
    await next();
    await Promise.all(all);
  });

  it('appends the requests read in one turn of the event loop as one group', async () => {
    const { audit, calls, next } = setUp();
    const all = [0, 1, 2, 3, 4].map((i) => audit.appendGrouped(caller(i), entry));
    await next();
    await Promise.all(all);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.events.map((e) => e.requestId)).toEqual(['req-0', 'req-1', 'req-2', 'req-3', 'req-4']);
  });

  it('rejects every request of a failed group, and goes on with the next group', async () => {
    const { audit, calls, next, turn } = setUp();
    const first = audit.appendGrouped(caller(0), entry);
    await turn();
    const failed = [1, 2].map((i) => audit.appendGrouped(caller(i), entry).then(() => 'ok', (err: Error) => err.message));
    await next();
    await first;
    await next(new Error('connection lost'));
    expect(await Promise.all(failed)).toEqual(['connection lost', 'connection lost']);
    const later = audit.appendGrouped(caller(3), entry);
    await next();
    await later;
    expect(calls.map((c) => c.events.length)).toEqual([1, 2, 1]);
  });

  it('appends a group whose guard failed in one transaction (where the hooks run), keeping each caller', async () => {
    const { audit, calls, next } = setUp();
    const all = [0, 1, 2].map((i) => audit.appendGrouped(caller(i), entry));
    await next('guardFailed');
    expect(calls).toHaveLength(2);
    expect(calls[1]!.inTransaction).toBe(true);
    expect(calls[1]!.guard).toBeUndefined();
    expect(calls[1]!.events.map((e) => e.requestId)).toEqual(['req-0', 'req-1', 'req-2']);
    await next();
    await Promise.all(all);
  });

  it('groups the entries a hook wants too, in one transaction where the hook runs for every event of the group', async () => {
    const { audit, calls, hookRuns, next } = setUp('pglite', () => true);
    const all = [0, 1, 2].map((i) => audit.appendGrouped(caller(i), entry));
    await next();
    await Promise.all(all);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.inTransaction).toBe(true);
    expect(calls[0]!.guard).toBeUndefined();
    expect(hookRuns).toEqual([['req-0', 'req-1', 'req-2']]);
  });
});
