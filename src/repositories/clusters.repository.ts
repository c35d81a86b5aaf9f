import { Injectable } from '@nestjs/common';
import { notFound } from '../common/service-error';
import { DatabaseService, type Tx } from '../database/database.service';
import type { ClusterAddons, ClusterNetwork, NodePool } from '../domain/proxy-config';
import { type Cluster, Prisma } from '../generated/prisma/client';
import { type ClusterRecord, json, toCluster } from './records';

/** The columns a caller may set on a cluster; JSON columns as domain types. */
export interface ClusterChanges {
  resourceGroup?: string;
  subscriptionId?: string | null;
  location?: string | null;
  nodePools?: NodePool[];
  network?: ClusterNetwork | null;
  addons?: ClusterAddons;
  requiredApprovals?: number;
  lastVersion?: number;
}

export type NewCluster = Required<Omit<ClusterChanges, 'lastVersion'>> & { name: string; createdBy: string };

/** NOTIFY channel of every change to a cluster or its versions (payload: the cluster name); read caches listen on it. */
export const CLUSTER_CHANGED_CHANNEL = 'cluster_changed';

/** Every column of clusters (alias c), named as Prisma names them. */
export const CLUSTER_COLUMNS = Prisma.sql`c.id::text AS id, c.name, c.resource_group AS "resourceGroup", c.subscription_id AS "subscriptionId",
  c.location, c.node_pools AS "nodePools", c.network, c.addons, c.required_approvals AS "requiredApprovals", c.revision,
  c.last_version AS "lastVersion", c.created_by AS "createdBy", c.created_at AS "createdAt", c.updated_at AS "updatedAt"`;

export const clusterNotFound = (name: string) => notFound('CLUSTER_NOT_FOUND', `No cluster is named "${name}".`);

function data(changes: ClusterChanges): Prisma.ClusterUpdateInput {
  const { nodePools, network, addons, ...plain } = changes;
  const out: Prisma.ClusterUpdateInput = { ...plain };
  if (nodePools !== undefined) out.nodePools = json(nodePools);
  if (addons !== undefined) out.addons = json({ istio: addons.istio, monitoring: addons.monitoring });
  if (network !== undefined) out.network = network === null ? Prisma.DbNull : json(network);
  return out;
}

/** The `clusters` table. Reads default to the shared client; writes take the caller's transaction. */
@Injectable()
export class ClustersRepository {
  constructor(private readonly database: DatabaseService) {}

  async findByName(name: string, db: Tx = this.database.prisma): Promise<ClusterRecord | null> {
    const row = await db.cluster.findUnique({ where: { name } });
    return row && toCluster(row);
  }

  /** The cluster, or 404 CLUSTER_NOT_FOUND. */
  async getByName(name: string, db: Tx = this.database.prisma): Promise<ClusterRecord> {
    const row = await this.findByName(name, db);
    if (!row) throw clusterNotFound(name);
    return row;
  }

  /**
   * Locks the cluster row for the rest of the transaction (every change to a cluster or its versions goes through
   * here) and reads it, in one statement. 404 CLUSTER_NOT_FOUND.
   */
  async lockByName(tx: Tx, name: string): Promise<ClusterRecord> {
    const [row] = await this.database.rawQuery<Cluster>(tx, Prisma.sql`/* prepared */ SELECT ${CLUSTER_COLUMNS} FROM clusters c WHERE c.name = ${name} FOR UPDATE`);
    if (!row) throw clusterNotFound(name);
    return toCluster(row);
  }

  /** A page of clusters by name, after `afterName`; `take` rows at most. */
  async list(afterName: string | undefined, take: number): Promise<ClusterRecord[]> {
    const rows = await this.database.prisma.cluster.findMany({
      where: afterName !== undefined ? { name: { gt: afterName } } : undefined,
      orderBy: { name: 'asc' },
      take,
    });
    return rows.map(toCluster);
  }

  async create(tx: Tx, cluster: NewCluster): Promise<ClusterRecord> {
    const { name, createdBy, ...rest } = cluster;
    return toCluster(await tx.cluster.create({ data: { ...(data(rest) as Omit<Prisma.ClusterCreateInput, 'name' | 'createdBy'>), name, createdBy } }));
  }

  /** Applies the changes and moves the revision (the ETag) on; NOTIFYs the change at commit. */
  async update(tx: Tx, id: string, changes: ClusterChanges): Promise<ClusterRecord> {
    const row = toCluster(await tx.cluster.update({ where: { id }, data: { ...data(changes), revision: { increment: 1 } } }));
    await tx.$executeRaw`SELECT pg_notify(${CLUSTER_CHANGED_CHANNEL}, ${row.name})`;
    return row;
  }

  /**
   * A change to the cluster's versions: moves the revision (the ETag) on, and `lastVersion` when given, and NOTIFYs
   * the change at commit, in one statement. Returns the new revision.
   */
  async touch(tx: Tx, id: string, lastVersion?: number): Promise<number> {
    const [row] = await this.database.rawQuery<{ revision: number }>(tx, Prisma.sql`/* prepared */
      WITH u AS (
        UPDATE clusters SET revision = revision + 1, last_version = COALESCE(${lastVersion ?? null}::int, last_version), updated_at = ${new Date()}
        WHERE id = ${id}::uuid RETURNING revision, name
      )
      SELECT u.revision, pg_notify(${CLUSTER_CHANGED_CHANNEL}, u.name)::text AS notified FROM u`);
    return row.revision;
  }
}
