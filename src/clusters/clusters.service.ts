import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import type { Caller } from '../auth/principal';
import { hasRole } from '../auth/roles';
import { conflict, forbidden } from '../common/service-error';
import type { RevisionPrecondition } from '../common/precondition';
import type { Tx } from '../database/database.service';
import { stableStringify } from '../domain/canonical-json';
import { type ClusterAddons, type ClusterContext, type Finding, NO_ADDONS, type ProxyConfig } from '../domain/proxy-config';
import { nodePoolFindings } from '../domain/validate/cluster';
import { decodeCursor, type Page, toPage } from '../http/pagination';
import { type ClusterChanges, ClustersRepository } from '../repositories/clusters.repository';
import { DeploymentRepository } from '../repositories/deployment.repository';
import type { ClusterRecord } from '../repositories/records';
import { VersionsRepository } from '../repositories/versions.repository';
import { Writes } from '../writes/writes.service';
import { type CachedAnswer, ReadCache } from '../cache/read-cache.service';
import { etagFor } from '../http/etag';
import { clusterView, type ClusterView, versionSummary } from './cluster.view';
import { deploymentOf } from './deployment.response';
import type { CreateClusterDto, UpdateClusterDto } from './dto/cluster.dto';

/** What the validation rules need to know about a cluster: its pools, network, add-ons and current (approved) config. */
export function clusterContext(cluster: ClusterRecord, currentConfig: ProxyConfig | null): ClusterContext {
  return { name: cluster.name, nodePools: cluster.nodePools, network: cluster.network, addons: cluster.addons, currentConfig };
}

/** The add-ons after a request: the flags it sets (true or false) over `base`; a flag it leaves out keeps its value. */
function withAddons(base: ClusterAddons, input: { istio?: boolean; monitoring?: boolean } | undefined): ClusterAddons {
  return {
    istio: typeof input?.istio === 'boolean' ? input.istio : base.istio,
    monitoring: typeof input?.monitoring === 'boolean' ? input.monitoring : base.monitoring,
  };
}

/**
 * What makes a cluster's current approved config unusable on the cluster as it is now: the node pools the AKS HTTP
 * proxy does not support (Windows, Availability Set), added after the version was approved.
 */
export function blockersOf(cluster: ClusterRecord): Finding[] {
  return nodePoolFindings(clusterContext(cluster, null));
}

export const clusterExists = (name: string) => conflict('CLUSTER_EXISTS', `A cluster named "${name}" already exists.`);

@Injectable()
export class ClustersService {
  constructor(
    private readonly writes: Writes,
    private readonly clusters: ClustersRepository,
    private readonly versions: VersionsRepository,
    private readonly audit: AuditService,
    private readonly cache: ReadCache,
    private readonly deployments: DeploymentRepository,
  ) {}

  async create(input: CreateClusterDto, caller: Caller): Promise<ClusterView> {
    // The approval policy is not the submitter's to set (API.md "Clusters"): more than one approval needs an admin.
    if ((input.requiredApprovals ?? 1) > 1 && !hasRole(caller.roles, 'admin')) {
      throw forbidden('FORBIDDEN', `Only an admin may create a cluster that needs ${input.requiredApprovals} approvals; leave requiredApprovals out (1) and ask an admin.`);
    }
    return this.writes.run(
      async (tx) => {
        if (await this.clusters.findByName(input.name, tx)) throw clusterExists(input.name);
        const row = await this.clusters.create(tx, {
          name: input.name,
          resourceGroup: input.resourceGroup,
          subscriptionId: input.subscriptionId ?? null,
          location: input.location ?? null,
          nodePools: input.nodePools ?? [],
          network: input.network ?? null,
          addons: withAddons(NO_ADDONS, input.addons),
          requiredApprovals: input.requiredApprovals ?? 1,
          createdBy: caller.actor,
        });
        const view = clusterView(row);
        this.cache.afterChange(tx, row.name);
        await this.audit.append(tx, caller, { action: 'cluster.created', cluster: row.name, details: { ...view } });
        return { ...view, currentVersion: null, latestVersion: null, deployment: null, blockers: [] };
      },
      { onUniqueViolation: () => clusterExists(input.name) }, // a concurrent create won the race
    );
  }

  async get(name: string): Promise<ClusterView> {
    return this.withVersions(await this.clusters.getByName(name));
  }

  /** The cluster's answer if the read cache holds it (see `answer`), else undefined; never reads the database. */
  cachedAnswer(name: string): CachedAnswer | undefined {
    return this.cache.get(name, 'cluster');
  }

  /** The cluster as its GET answers it (JSON body and ETag), from the read cache when it holds it. */
  async answer(name: string): Promise<CachedAnswer> {
    const hit = this.cache.get(name, 'cluster');
    if (hit) return hit;
    const ticket = this.cache.begin(name);
    const view = await this.get(name);
    const answer = { etag: etagFor(view.revision), body: JSON.stringify(view) };
    this.cache.store(ticket, 'cluster', answer);
    return answer;
  }

  async list(limit: number, cursor?: string): Promise<Page<ClusterView>> {
    const after = decodeCursor(cursor, { name: 'text' });
    const rows = await this.clusters.list(after?.name, limit + 1);
    return toPage(rows, limit, clusterView, (r) => ({ name: r.name }));
  }

  async update(name: string, input: UpdateClusterDto, precondition: RevisionPrecondition, caller: Caller): Promise<ClusterView> {
    return this.writes.run(async (tx) => {
      const locked = await this.clusters.lockByName(tx, name);
      precondition(locked.revision);
      if (input.requiredApprovals !== undefined && input.requiredApprovals !== locked.requiredApprovals && !hasRole(caller.roles, 'admin')) {
        throw forbidden(
          'FORBIDDEN',
          `Only an admin may change the approval policy: cluster "${locked.name}" needs ${locked.requiredApprovals} approval${locked.requiredApprovals === 1 ? '' : 's'}.`,
        );
      }
      const before = clusterView(locked);
      const changes: ClusterChanges = {};
      const wanted = { ...input, addons: input.addons !== undefined ? withAddons(locked.addons, input.addons) : undefined };
      for (const k of ['resourceGroup', 'subscriptionId', 'location', 'nodePools', 'network', 'addons', 'requiredApprovals'] as const) {
        if (wanted[k] !== undefined && stableStringify(before[k]) !== stableStringify(wanted[k])) Object.assign(changes, { [k]: wanted[k] });
      }
      const changed = Object.keys(changes);
      if (changed.length === 0) return this.withVersions(locked, tx);
      const row = await this.clusters.update(tx, locked.id, changes);
      this.cache.afterChange(tx, row.name);
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
      return this.withVersions(row, tx);
    });
  }

  private async withVersions(row: ClusterRecord, db?: Tx): Promise<ClusterView> {
    const [current, latest, observation] = await Promise.all([
      this.versions.current(row.id, db),
      this.versions.latest(row.id, db),
      this.deployments.latest(row.id, db),
    ]);
    return {
      ...clusterView(row),
      currentVersion: versionSummary(current),
      latestVersion: versionSummary(latest),
      deployment: deploymentOf(observation),
      blockers: current ? blockersOf(row) : [],
    };
  }

  async contextByName(name: string): Promise<ClusterContext> {
    const row = await this.clusters.getByName(name);
    const current = await this.versions.current(row.id);
    return clusterContext(row, current?.config ?? null);
  }
}
