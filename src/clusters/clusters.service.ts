import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import type { Caller } from '../auth/principal';
import { hasRole } from '../auth/roles';
import { conflict, forbidden, notFound } from '../common/service-error';
import { DatabaseService, type Tx } from '../database/database.service';
import { stableStringify } from '../domain/canonical-json';
import type { ClusterContext, ClusterNetwork, NodePool, ProxyConfig } from '../domain/proxy-config';
import { type Cluster, Prisma } from '../generated/prisma/client';
import { checkIfMatch } from '../http/etag';
import { decodeCursor, type Page, toPage } from '../http/pagination';
import { currentVersionOf } from '../versions/current-version';
import { clusterView, type ClusterView, versionSummary } from './cluster.view';
import type { CreateClusterDto, UpdateClusterDto } from './dto/cluster.dto';

/** What the validation rules need to know about a cluster: its pools, network and current (approved) config. */
export function clusterContext(cluster: Cluster, currentConfig: ProxyConfig | null): ClusterContext {
  return {
    name: cluster.name,
    nodePools: cluster.nodePools as unknown as NodePool[],
    network: (cluster.network as ClusterNetwork | null) ?? null,
    currentConfig,
  };
}

const isUniqueViolation = (err: unknown) => err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002';

@Injectable()
export class ClustersService {
  constructor(
    private readonly database: DatabaseService,
    private readonly audit: AuditService,
  ) {}

  async create(input: CreateClusterDto, caller: Caller): Promise<ClusterView> {
    // The approval policy is not the submitter's to set (API.md "Clusters"): more than one approval needs an admin.
    if ((input.requiredApprovals ?? 1) > 1 && !hasRole(caller.roles, 'admin')) {
      throw forbidden('FORBIDDEN', `Only an admin may create a cluster that needs ${input.requiredApprovals} approvals; leave requiredApprovals out (1) and ask an admin.`);
    }
    try {
      return await this.database.transaction(async (tx) => {
        if (await tx.cluster.findUnique({ where: { name: input.name }, select: { id: true } })) throw this.exists(input.name);
        const row = await tx.cluster.create({
          data: {
            name: input.name,
            resourceGroup: input.resourceGroup,
            subscriptionId: input.subscriptionId ?? null,
            location: input.location ?? null,
            nodePools: (input.nodePools ?? []) as unknown as Prisma.InputJsonValue,
            network: input.network ? (input.network as unknown as Prisma.InputJsonValue) : Prisma.DbNull,
            requiredApprovals: input.requiredApprovals ?? 1,
            createdBy: caller.actor,
          },
        });
        const view = clusterView(row);
        await this.audit.append(tx, caller, { action: 'cluster.created', cluster: row.name, details: { ...view } });
        return { ...view, currentVersion: null, latestVersion: null };
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw this.exists(input.name); // a concurrent create won the race
      throw err;
    }
  }

  private exists(name: string) {
    return conflict('CLUSTER_EXISTS', `A cluster named "${name}" already exists.`);
  }

  async get(name: string): Promise<ClusterView> {
    const row = await this.database.prisma.cluster.findUnique({ where: { name } });
    if (!row) throw this.notFound(name);
    return this.withVersions(this.database.prisma, row);
  }

  async list(limit: number, cursor?: string): Promise<Page<ClusterView>> {
    const after = decodeCursor(cursor, { name: 'text' });
    const rows = await this.database.prisma.cluster.findMany({
      where: after ? { name: { gt: after.name } } : undefined,
      orderBy: { name: 'asc' },
      take: limit + 1,
    });
    return toPage(rows, limit, clusterView, (r) => ({ name: r.name }));
  }

  async update(name: string, input: UpdateClusterDto, ifMatch: string | undefined, caller: Caller): Promise<ClusterView> {
    return this.database.transaction(async (tx) => {
      const locked = await this.lock(tx, name);
      checkIfMatch(ifMatch, locked.revision);
      if (input.requiredApprovals !== undefined && input.requiredApprovals !== locked.requiredApprovals && !hasRole(caller.roles, 'admin')) {
        throw forbidden(
          'FORBIDDEN',
          `Only an admin may change the approval policy: cluster "${locked.name}" needs ${locked.requiredApprovals} approval${locked.requiredApprovals === 1 ? '' : 's'}.`,
        );
      }
      const data: Prisma.ClusterUpdateInput = {};
      if (input.resourceGroup !== undefined) data.resourceGroup = input.resourceGroup;
      if (input.subscriptionId !== undefined) data.subscriptionId = input.subscriptionId;
      if (input.location !== undefined) data.location = input.location;
      if (input.nodePools !== undefined) data.nodePools = input.nodePools as unknown as Prisma.InputJsonValue;
      if (input.network !== undefined) data.network = input.network === null ? Prisma.DbNull : (input.network as unknown as Prisma.InputJsonValue);
      if (input.requiredApprovals !== undefined) data.requiredApprovals = input.requiredApprovals;
      const before = clusterView(locked);
      const changed = Object.keys(data).filter(
        (k) => stableStringify(before[k as keyof typeof before]) !== stableStringify((input as Record<string, unknown>)[k]),
      );
      if (changed.length === 0) return this.withVersions(tx, locked);
      const row = await tx.cluster.update({ where: { id: locked.id }, data: { ...data, revision: { increment: 1 } } });
      const after = clusterView(row);
      await this.audit.append(tx, caller, {
        action: 'cluster.updated',
        cluster: name,
        details: {
          changed,
          before: Object.fromEntries(changed.map((k) => [k, before[k as keyof typeof before]])),
          after: Object.fromEntries(changed.map((k) => [k, after[k as keyof typeof after]])),
        },
      });
      return this.withVersions(tx, row);
    });
  }

  private async withVersions(tx: Tx, row: Cluster): Promise<ClusterView> {
    const [current, latest] = await Promise.all([
      tx.configVersion.findFirst(currentVersionOf(row.id)),
      tx.configVersion.findFirst({ where: { clusterId: row.id }, orderBy: { version: 'desc' } }),
    ]);
    return { ...clusterView(row), currentVersion: versionSummary(current), latestVersion: versionSummary(latest) };
  }

  /** Locks the cluster row for the rest of the transaction: every change to a cluster or its versions goes through here. */
  async lock(tx: Tx, name: string): Promise<Cluster> {
    const rows = await tx.$queryRaw<Cluster[]>`
      SELECT id, name, resource_group AS "resourceGroup", subscription_id AS "subscriptionId", location,
             node_pools AS "nodePools", network, required_approvals AS "requiredApprovals", revision,
             last_version AS "lastVersion", created_by AS "createdBy", created_at AS "createdAt", updated_at AS "updatedAt"
      FROM clusters WHERE name = ${name} FOR UPDATE`;
    if (!rows.length) throw this.notFound(name);
    return rows[0];
  }

  async contextByName(name: string): Promise<ClusterContext> {
    const db = this.database.prisma;
    const row = await db.cluster.findUnique({ where: { name } });
    if (!row) throw this.notFound(name);
    const current = await db.configVersion.findFirst({
      ...currentVersionOf(row.id),
      select: { config: true },
    });
    return clusterContext(row, (current?.config as ProxyConfig | undefined) ?? null);
  }

  notFound(name: string) {
    return notFound('CLUSTER_NOT_FOUND', `No cluster is named "${name}".`);
  }
}
