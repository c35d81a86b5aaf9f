import { ReadCache } from '../cache/read-cache.service';
import { Inject, Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import type { Caller } from '../auth/principal';
import { CLOCK, type Clock } from '../common/clock';
import { badRequest } from '../common/service-error';
import { observe } from '../domain/observation';
import { decodeCursor, type Page, toPage } from '../http/pagination';
import { ClustersRepository } from '../repositories/clusters.repository';
import { DeploymentRepository } from '../repositories/deployment.repository';
import { VersionsRepository } from '../repositories/versions.repository';
import { Writes } from '../writes/writes.service';
import { observationResponse, type ObservationResponse } from './observation.responses';

/**
 * Deployment state: what a cluster really holds (the `az aks show` output a pipeline posts after applying), compared
 * with the cluster's current approved version. One transaction writes the observation, moves the cluster revision
 * and appends `cluster.observed`.
 */
@Injectable()
export class ObservationsService {
  constructor(
    private readonly writes: Writes,
    private readonly clusters: ClustersRepository,
    private readonly versions: VersionsRepository,
    private readonly deployments: DeploymentRepository,
    private readonly audit: AuditService,
    private readonly cache: ReadCache,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async record(clusterName: string, body: unknown, caller: Caller): Promise<{ observation: ObservationResponse; revision: number }> {
    return this.writes.run(async (tx) => {
      const cluster = await this.clusters.lockByName(tx, clusterName);
      const current = await this.versions.current(cluster.id, tx);
      const approved = current && { version: current.version, config: current.config, certificates: current.certificates };
      const now = this.clock.now();
      const result = observe(body, approved, cluster.network, now);
      if (!result.ok) throw badRequest(result.reason);
      const { outcome } = result;
      const observed: Record<string, unknown> = {
        ...(outcome.observed ?? { httpProxyConfig: null }),
        provisioningState: outcome.facts.provisioningState,
      };
      const row = await this.deployments.insert(tx, {
        clusterId: cluster.id,
        state: outcome.state,
        version: outcome.version,
        observedAt: now,
        observedBy: caller.actor,
        observedVia: caller.via,
        differences: outcome.differences,
        observed,
        requestId: caller.requestId,
      });
      // The deployment state is part of the cluster: its revision (ETag) moves.
      const updated = await this.clusters.update(tx, cluster.id, {});
      this.cache.afterChange(tx, cluster.name);
      await this.audit.append(tx, caller, {
        action: 'cluster.observed',
        cluster: cluster.name,
        version: outcome.version,
        details: {
          state: outcome.state,
          differences: outcome.differences.length,
          provisioningState: outcome.facts.provisioningState,
        },
      });
      return { observation: observationResponse(row), revision: updated.revision };
    });
  }

  async list(clusterName: string, limit: number, cursor?: string): Promise<Page<ObservationResponse>> {
    const cluster = await this.clusters.getByName(clusterName);
    const before = decodeCursor(cursor, { seq: 'int' });
    const rows = await this.deployments.page(cluster.id, limit + 1, before?.seq);
    return toPage(rows, limit, observationResponse, (r) => ({ seq: r.seq }));
  }
}
