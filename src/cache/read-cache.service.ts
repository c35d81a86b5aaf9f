import { Injectable } from '@nestjs/common';
import { DatabaseService, type Tx } from '../database/database.service';
import { CLUSTER_CHANGED_CHANNEL } from '../repositories/clusters.repository';
import { Writes } from '../writes/writes.service';

/** A cached answer: the serialized JSON body and its ETag, so a hit costs a map lookup and a socket write. */
export interface CachedAnswer {
  etag: string;
  body: string;
  /** A page's cursor to the next one (its `Link` header), for cached list pages. */
  nextCursor?: string | null;
  /** What else its service keeps with the answer (a rendering keeps its content type and audit event). */
  extra?: unknown;
  /** The bytes `extra` holds (counted with the body's against the cache's bound). */
  extraBytes?: number;
}

const sizeOf = (answer: CachedAnswer): number => answer.body.length + (answer.extraBytes ?? 0);

/** Taken before the database reads of a miss; the answer is stored only if nothing changed the cluster meanwhile. */
export interface CacheTicket {
  cluster: string;
  generation: number;
  epoch: number;
}

/** Bound on the bytes of cached bodies; past it the whole cache is dropped (cheap, and rare). */
const MAX_BYTES = 64 * 1024 * 1024;
/** Bound on the clusters whose generation is remembered. */
const MAX_CLUSTERS = 100_000;

/**
 * Read cache of cluster and version GETs (serialized body + ETag), per cluster. The rules:
 * - every write that changes a cluster or its versions drops that cluster's entries in this process after its
 *   transaction ends and before its response is sent (`afterChange`, run by Writes), and NOTIFYs
 *   `cluster_changed` in the same transaction (ClustersRepository), so other processes drop theirs when it commits;
 * - a miss stores its answer only if no change to the cluster (and no loss of notifications) happened since it
 *   began reading (`begin`/`store` with generations), so a read that raced a write never caches the older state;
 * - while the LISTEN connection is down (notifications may be missed) the cache is neither read nor filled, and
 *   everything in it is dropped.
 * On PGlite there is only this process: the notifications are not needed.
 */
@Injectable()
export class ReadCache {
  private readonly entries = new Map<string, Map<string, CachedAnswer>>();
  private readonly generations = new Map<string, number>();
  private epoch = 0;
  private bytes = 0;
  private readonly notificationsFlowing: () => boolean;

  constructor(
    database: DatabaseService,
    private readonly writes: Writes,
  ) {
    this.notificationsFlowing = database.listen(
      CLUSTER_CHANGED_CHANNEL,
      (cluster) => this.invalidate(cluster),
      () => this.clear(),
    );
  }

  /** The cached answer for `key` of `cluster`, if any (and the cache can be trusted right now). */
  get(cluster: string, key: string): CachedAnswer | undefined {
    if (!this.notificationsFlowing()) return undefined;
    return this.entries.get(cluster)?.get(key);
  }

  /** Call before reading the database for a miss; null when the cache cannot be filled now. */
  begin(cluster: string): CacheTicket | null {
    if (!this.notificationsFlowing()) return null;
    return { cluster, generation: this.generations.get(cluster) ?? 0, epoch: this.epoch };
  }

  /** Stores an answer read after `ticket` was taken, unless the cluster changed (or notifications stopped) since. */
  store(ticket: CacheTicket | null, key: string, answer: CachedAnswer): void {
    if (!ticket || ticket.epoch !== this.epoch || (this.generations.get(ticket.cluster) ?? 0) !== ticket.generation) return;
    if (!this.notificationsFlowing()) return;
    if (this.bytes + sizeOf(answer) > MAX_BYTES) this.clear();
    let forCluster = this.entries.get(ticket.cluster);
    if (!forCluster) this.entries.set(ticket.cluster, (forCluster = new Map()));
    const old = forCluster.get(key);
    if (old) this.bytes -= sizeOf(old);
    forCluster.set(key, answer);
    this.bytes += sizeOf(answer);
  }

  /** The write in `tx` changes `cluster`: its entries go when the transaction ends (committed or not), before the response. */
  afterChange(tx: Tx, cluster: string): void {
    this.writes.afterTransaction(tx, () => this.invalidate(cluster));
  }

  /** Drops the cluster's entries now and fails the stores of reads that began before. */
  invalidate(cluster: string): void {
    const forCluster = this.entries.get(cluster);
    if (forCluster) {
      for (const answer of forCluster.values()) this.bytes -= sizeOf(answer);
      this.entries.delete(cluster);
    }
    if (this.generations.size >= MAX_CLUSTERS && !this.generations.has(cluster)) {
      this.clear();
      return;
    }
    this.generations.set(cluster, (this.generations.get(cluster) ?? 0) + 1);
  }

  /** Drops everything and fails every store in flight. */
  clear(): void {
    this.entries.clear();
    this.generations.clear();
    this.bytes = 0;
    this.epoch += 1;
  }
}
