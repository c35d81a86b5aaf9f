import { Inject, Injectable } from '@nestjs/common';
import { ClustersService } from '../clusters/clusters.service';
import { CLOCK, type Clock } from '../common/clock';
import { badRequest } from '../common/service-error';
import type { ClusterContext, ValidationResult } from '../domain/proxy-config';
import { validate } from '../domain/validate';

export function assertJsonObject(body: unknown, what = 'The body'): asserts body is Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw badRequest(`${what} must be a JSON object (the content of the --http-proxy-config file).`);
  }
}

@Injectable()
export class ValidateService {
  constructor(
    private readonly clusters: ClustersService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** Validates a config as submitted, with the cluster's rules when a cluster is named. */
  async validate(body: unknown, clusterName?: string): Promise<ValidationResult> {
    assertJsonObject(body);
    const cluster = clusterName ? await this.clusters.contextByName(clusterName) : null;
    return this.run(body, cluster);
  }

  /** The domain validation with the service's clock. */
  run(config: unknown, cluster: ClusterContext | null): ValidationResult {
    return validate(config, { now: this.clock.now(), cluster });
  }
}
