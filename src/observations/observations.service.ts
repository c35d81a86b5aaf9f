import { Inject, Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import type { Caller } from '../auth/principal';
import { ClustersService } from '../clusters/clusters.service';
import { CLOCK, type Clock } from '../common/clock';
import { badRequest } from '../common/service-error';
import { DatabaseService } from '../database/database.service';
import { observe } from '../domain/observation';
import type { ClusterNetwork } from '../domain/proxy-config';
import { decodeCursor, type Page, toPage } from '../http/pagination';
import { DeploymentRepository } from '../repositories/deployment.repository';
import { observationResponse, type ObservationResponse } from './observation.responses';

/**
 * Deployment state: what a cluster really holds (the `az aks show` output a pipeline posts after applying), compared
 * with the cluster's current approved version. One transaction writes the observation, moves the cluster revision
 * and appends `cluster.observed`.
 */
@Injectable()
export class ObservationsService {
  constructor(
    private readonly database: DatabaseService,
    private readonly clusters: ClustersService,
    private readonly deployments: DeploymentRepository,
    private readonly audit: AuditService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async record(clusterName: string, body: unknown, caller: Caller): Promise<{ observation: ObservationResponse; revision: number }> {
    return this.database.transaction(async (tx) => {
      const cluster = await this.clusters.lock(tx, clusterName);
      const approved = await this.deployments.currentApproved(cluster.id, tx);
      const now = this.clock.now();
      const result = observe(body, approved, (cluster.network as ClusterNetwork | null) ?? null, now);
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
      const revision = await this.deployments.bumpRevision(tx, cluster.id);
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
      return { observation: observationResponse(row), revision };
    });
  }

  async list(clusterName: string, limit: number, cursor?: string): Promise<Page<ObservationResponse>> {
    const cluster = await this.clusters.find(clusterName);
    const before = decodeCursor(cursor, { seq: 'int' });
    const rows = await this.deployments.page(cluster.id, limit + 1, before?.seq);
    return toPage(rows, limit, observationResponse, (r) => ({ seq: r.seq }));
  }
}
